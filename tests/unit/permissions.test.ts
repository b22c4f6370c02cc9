import { describe, expect, it } from 'vitest';
import { isPermissionAllowed } from '../../src/main/shell/permissions';

const packaged = { kind: 'file' as const, url: 'file:///opt/HealthSphere/resources/app.asar/out/renderer/index.html' };

describe('browser permissions of the app window', () => {
  it('allows only writing to the clipboard, and only to the app itself', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', packaged.url, packaged)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.example/', packaged)).toBe(false);
    for (const permission of [
      'clipboard-read',
      'media',
      'notifications',
      'geolocation',
      'usb',
      'hid',
      'openExternal',
    ]) {
      expect(isPermissionAllowed(permission, packaged.url, packaged), permission).toBe(false);
    }
  });
  it('in development allows the dev server origin only', () => {
    const dev = { kind: 'dev-server' as const, origin: 'http://localhost:5173' };
    expect(isPermissionAllowed('clipboard-sanitized-write', 'http://localhost:5173/', dev)).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'http://localhost:5174/', dev)).toBe(false);
  });
});

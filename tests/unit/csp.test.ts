import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/shell/csp';
import fs from 'node:fs';

describe('the Content-Security-Policy', () => {
  it('allows scripts and connections only from the app itself in the packaged app', () => {
    const policy = contentSecurityPolicy();
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('ws:');
  });
  it('is as strict in the built index.html as in the header', () => {
    const html = fs.readFileSync('src/renderer/index.html', 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy({ delivery: 'meta' }));
  });
});

import { describe, expect, it } from 'vitest';
import {
  isAppUrl,
  isTrustedSender,
  resolveAppLocation,
  type AppLocation,
  type SenderFacts,
} from '../../src/main/shell/sender-check';

const APP_FILE_URL = 'file:///opt/HealthSphere/resources/app.asar/out/renderer/index.html';
const fileApp: AppLocation = { kind: 'file', url: APP_FILE_URL };
const devApp: AppLocation = { kind: 'dev-server', origin: 'http://localhost:5173' };

const trusted: SenderFacts = {
  hasFrame: true,
  isMainFrame: true,
  frameUrl: APP_FILE_URL,
  isAppWindow: true,
};

describe('resolveAppLocation', () => {
  const rendererFileUrl = 'file:///app/out/renderer/index.html';

  it('uses the dev server only in an unpackaged run', () => {
    expect(resolveAppLocation({ isPackaged: false, rendererUrl: 'http://localhost:5173/', rendererFileUrl })).toEqual({
      kind: 'dev-server',
      origin: 'http://localhost:5173',
    });
    expect(resolveAppLocation({ isPackaged: true, rendererUrl: 'http://localhost:5173/', rendererFileUrl })).toEqual({
      kind: 'file',
      url: rendererFileUrl,
    });
  });

  it('ignores a missing, malformed or non-http dev server URL', () => {
    for (const rendererUrl of [undefined, '', 'not a url', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(resolveAppLocation({ isPackaged: false, rendererUrl, rendererFileUrl })).toEqual({
        kind: 'file',
        url: rendererFileUrl,
      });
    }
  });
});

describe('isAppUrl', () => {
  it('accepts the app page with any route in its query or fragment', () => {
    expect(isAppUrl(APP_FILE_URL, fileApp)).toBe(true);
    expect(isAppUrl('file:///opt/HealthSphere/resources/app.asar/out/renderer/index.html#/patient', fileApp)).toBe(
      true,
    );
    expect(isAppUrl('file:///opt/HealthSphere/resources/app.asar/out/renderer/index.html?x=1', fileApp)).toBe(true);
  });

  it('refuses other files, other schemes and other hosts', () => {
    for (const url of [
      'file:///opt/HealthSphere/resources/app.asar/out/renderer/other.html',
      'file:///tmp/index.html',
      'file:///opt/HealthSphere/resources/app.asar/out/renderer/../renderer-evil/index.html',
      'file://evil.example/opt/HealthSphere/resources/app.asar/out/renderer/index.html',
      'https://evil.example/opt/HealthSphere/resources/app.asar/out/renderer/index.html',
      'about:blank',
      'data:text/html,<p>hi</p>',
      '',
      'not a url',
    ]) {
      expect(isAppUrl(url, fileApp), url).toBe(false);
    }
  });

  it('treats equivalent spellings of the same file as the same page', () => {
    const spaced: AppLocation = {
      kind: 'file',
      url: 'file:///C:/Program%20Files/HealthSphere/out/renderer/index.html',
    };
    expect(isAppUrl('file:///c:/Program%20Files/HealthSphere/out/renderer/index.html', spaced)).toBe(true);
    expect(isAppUrl('file:///C:/Program Files/HealthSphere/out/renderer/index.html', spaced)).toBe(true);
    expect(isAppUrl('file:///C:/Program%20Files/HealthSphere/out/renderer/index.html%', spaced)).toBe(false);
  });

  it('matches the dev server by origin only', () => {
    expect(isAppUrl('http://localhost:5173/', devApp)).toBe(true);
    expect(isAppUrl('http://localhost:5173/#/admin', devApp)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', devApp)).toBe(false);
    expect(isAppUrl('https://localhost:5173/', devApp)).toBe(false);
    expect(isAppUrl('http://localhost.evil.example:5173/', devApp)).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html', devApp)).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('trusts the main frame of an app window showing the app page', () => {
    expect(isTrustedSender(trusted, fileApp)).toBe(true);
  });

  it('refuses a call without a frame, from a subframe, from another window or from another page', () => {
    expect(isTrustedSender({ ...trusted, hasFrame: false }, fileApp)).toBe(false);
    expect(isTrustedSender({ ...trusted, isMainFrame: false }, fileApp)).toBe(false);
    expect(isTrustedSender({ ...trusted, isAppWindow: false }, fileApp)).toBe(false);
    expect(isTrustedSender({ ...trusted, frameUrl: 'https://evil.example/' }, fileApp)).toBe(false);
    expect(isTrustedSender({ ...trusted, frameUrl: '' }, fileApp)).toBe(false);
  });

  it('in development trusts the dev server page and nothing else', () => {
    expect(isTrustedSender({ ...trusted, frameUrl: 'http://localhost:5173/' }, devApp)).toBe(true);
    expect(isTrustedSender(trusted, devApp)).toBe(false);
  });
});

// The one window factory: every BrowserWindow of the app is made here, locked down the same way.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, type Session, type WebContents } from 'electron';
import type { Logger } from '../core/log';
import { contentSecurityPolicy } from './csp';
import { isPermissionAllowed } from './permissions';
import { isAppUrl, resolveAppLocation, type AppLocation } from './sender-check';

// Built by electron-vite: out/main/index.js (this code), out/preload/index.js, out/renderer/index.html.
const PRELOAD_FILE = path.join(__dirname, '../preload/index.js');
const RENDERER_FILE = path.join(__dirname, '../renderer/index.html');

/** Where this run's renderer comes from: the dev server in `electron-vite dev`, otherwise the built file. */
export function appLocation(): AppLocation {
  return resolveAppLocation({
    isPackaged: app.isPackaged,
    rendererUrl: process.env['ELECTRON_RENDERER_URL'],
    rendererFileUrl: pathToFileURL(RENDERER_FILE).href,
  });
}

const appWebContentsIds = new Set<number>();

/** Whether these webContents belong to a window this factory made. */
export function isAppWebContents(contents: WebContents): boolean {
  return appWebContentsIds.has(contents.id);
}

const hardenedSessions = new WeakSet<Session>();

/** CSP on every response, and no permissions but writing to the clipboard (see permissions.ts). */
function hardenSession(session: Session, location: AppLocation): void {
  if (hardenedSessions.has(session)) return;
  hardenedSessions.add(session);
  const csp = contentSecurityPolicy({ devServerUrl: location.kind === 'dev-server' ? location.origin : undefined });
  // Everything this session loads is app content (navigation elsewhere is refused below).
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl ?? '', location)),
  );
  // For a file:// page the origin is only "file://": judge by the requesting page's full URL.
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    isPermissionAllowed(permission, details.requestingUrl ?? requestingOrigin, location),
  );
  session.setDevicePermissionHandler(() => false);
}

export function createMainWindow(log: Logger): BrowserWindow {
  const location = appLocation();
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'HealthSphere',
    autoHideMenuBar: true,
    webPreferences: {
      preload: PRELOAD_FILE,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  const contents = window.webContents;
  const id = contents.id;
  appWebContentsIds.add(id);
  contents.once('destroyed', () => appWebContentsIds.delete(id));

  hardenSession(contents.session, location);

  // The app is one page: any navigation or redirect away from it is refused, and no new window opens.
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));

  window.once('ready-to-show', () => window.show());

  const loading =
    location.kind === 'dev-server'
      ? window.loadURL(process.env['ELECTRON_RENDERER_URL']!)
      : window.loadFile(RENDERER_FILE);
  loading.catch(() => log.error('The window could not load the application page.', { kind: location.kind }));
  return window;
}

// The one window factory: every BrowserWindow of the app is made here, locked down the same way.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, type Session, type WebContents } from 'electron';
import type { Logger } from '../core/log';
import { contentSecurityPolicy } from './csp';
import { isKioskBlockedKey, kioskTransition, kioskWindowOptions, mayCloseWindow } from './kiosk-window';
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

/** The operating system is shutting down, restarting or logging off: a kiosk window lets itself be closed. */
let systemEnding = false;
export function markSystemEnding(): void {
  systemEnding = true;
}
export function isSystemEnding(): boolean {
  return systemEnding;
}

/** The core's word on a window's kiosk mode (an administrator's exit, or the kiosk's return): applied here. */
export function setWindowKiosk(window: BrowserWindow, kiosk: boolean): void {
  if (window.isDestroyed()) return;
  const change = kioskTransition(window.isKiosk(), kiosk);
  if (!change) return;
  window.setKiosk(kiosk);
  if (change === 'enter') {
    window.show();
    window.focus();
  }
}

/** `kiosk`: the machine policy makes this computer a front-desk kiosk (kiosk-window.ts). */
export function createMainWindow(log: Logger, options: { kiosk?: boolean } = {}): BrowserWindow {
  const location = appLocation();
  const kiosk = kioskWindowOptions({ kioskPolicy: options.kiosk === true, isPackaged: app.isPackaged });
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'HealthSphere',
    autoHideMenuBar: true,
    // Full screen without a menu; the user cannot leave it (see below).
    kiosk: kiosk.kiosk,
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
      devTools: kiosk.devTools,
    },
  });
  const contents = window.webContents;
  if (kiosk.kiosk) {
    // No menu, so none of its accelerators (reload, toggle developer tools, close) either.
    window.removeMenu();
    window.on('session-end', markSystemEnding); // Windows: shutdown, restart or log off
  }
  // In kiosk nobody at the desk closes the window or quits (Alt+F4, Cmd+W, the taskbar); an administrator's exit
  // in the app (kiosk.exit) leaves kiosk first. The keys that would close, reload or leave full screen do nothing.
  window.on('close', (event) => {
    if (!mayCloseWindow({ windowInKiosk: window.isKiosk(), systemEnding })) event.preventDefault();
  });
  contents.on('before-input-event', (event, input) => {
    if (window.isKiosk() && isKioskBlockedKey(input)) event.preventDefault();
  });
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

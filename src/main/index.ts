// Composition root: configuration → core → Electron shell (IPC, window), and the app's lifecycle.
import os from 'node:os';
import { app, dialog, type BrowserWindow } from 'electron';
import { startCore } from './core';
import { ConfigError, loadConfig, type CoreConfig } from './core/config';
import { KeyFileError } from './core/crypto/keys';
import { consoleLogger } from './core/log';
import { registerIpc, type IpcRegistration } from './shell/ipc';
import { createKeyProtector } from './shell/key-protector';
import { appLocation, createMainWindow, isAppWebContents } from './shell/window';

type Core = Awaited<ReturnType<typeof startCore>>;

const log = consoleLogger;
let core: Core | undefined;
let ipc: IpcRegistration | undefined;
let mainWindow: BrowserWindow | undefined;

function showMainWindow(): void {
  if (!core) return;
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow(log);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function failStart(err: unknown): void {
  if (err instanceof ConfigError) {
    dialog.showErrorBox(
      'HealthSphere cannot start',
      `The setting ${err.key} is not valid.\n\n${err.message}\n\nCorrect it (environment or machine policy file) and start HealthSphere again.`,
    );
  } else if (err instanceof KeyFileError) {
    dialog.showErrorBox('HealthSphere cannot start', err.message);
  } else {
    log.error('HealthSphere could not start.', { reason: err instanceof Error ? err.message : String(err) });
    dialog.showErrorBox(
      'HealthSphere cannot start',
      'HealthSphere could not open its data. Try again, and tell your administrator if it keeps happening.',
    );
  }
  app.exit(1);
}

async function start(): Promise<void> {
  await app.whenReady();
  let config: CoreConfig;
  try {
    config = loadConfig(process.env, app.getPath('userData'));
    // After 'ready': only then does safeStorage know the Linux keychain backend.
    const keyProtector = createKeyProtector(log);
    core = await startCore({
      config,
      keyProtector,
      warnings: keyProtector
        ? []
        : [
            'This computer offers no OS keychain that HealthSphere trusts (on Linux: the basic_text fallback is refused), ' +
              'so the data key is kept in a key file only this user account can read. Protect that account and its disk.',
          ],
      workstation: { hostname: os.hostname(), osUser: os.userInfo().username },
      log,
    });
  } catch (err) {
    failStart(err);
    return;
  }
  // Handlers before the window: the renderer may call as soon as it loads.
  ipc = registerIpc(core, { location: appLocation(), isAppWebContents, log });
  showMainWindow();
}

function main(): void {
  // Before anything else: a second launch only brings the running window forward.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Every renderer sandboxed, whatever a window's own options say.
  app.enableSandbox();

  app.on('second-instance', () => showMainWindow());
  app.on('activate', () => showMainWindow());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Close the core (database, mail outbox) before the process ends; quitting resumes once it is closed.
  let closing = false;
  app.on('before-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    ipc?.stop();
    const closingCore = core;
    closingCore
      .close()
      .catch((err: unknown) =>
        log.error('The core did not close cleanly.', { reason: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => {
        core = undefined;
        app.quit();
      });
  });

  start().catch(failStart);
}

main();

// Composition root: configuration → core → Electron shell (IPC, window), and the app's lifecycle.
import os from 'node:os';
import { app, dialog, powerMonitor, type BrowserWindow } from 'electron';
import { startCore } from './core';
import { ADMIN_PROGRAM, adminArguments, runAdminMode } from './cli/admin-mode';
import { ConfigError, loadConfig, type CoreConfig } from './core/config';
import { KeyFileError } from './core/crypto/keys';
import { DatabaseNeedsMigrationError } from './core/db/connection';
import { consoleLogger } from './core/log';
import { callerId, registerIpc, type IpcRegistration } from './shell/ipc';
import { mayQuit } from './shell/kiosk-window';
import { createKeyProtector } from './shell/key-protector';
import { createSystemActivity } from './shell/power-monitor';
import {
  appLocation,
  createMainWindow,
  isAppWebContents,
  isSystemEnding,
  markSystemEnding,
  setWindowKiosk,
} from './shell/window';

type Core = Awaited<ReturnType<typeof startCore>>;

const log = consoleLogger;
let core: Core | undefined;
let ipc: IpcRegistration | undefined;
let mainWindow: BrowserWindow | undefined;

function showMainWindow(): void {
  if (!core) return;
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow(log, { kiosk: core.kiosk.enabled });
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function failStart(err: unknown): void {
  if (err instanceof ConfigError) {
    // Names the key, and for the machine policy its file (config.ts; never a URL's password).
    dialog.showErrorBox('HealthSphere cannot start', err.explain());
  } else if (err instanceof KeyFileError || err instanceof DatabaseNeedsMigrationError) {
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
      // After 'ready', as powerMonitor requires: screen lock, sleep and system idle lock this app's sessions.
      systemActivity: createSystemActivity(),
    });
  } catch (err) {
    failStart(err);
    return;
  }
  // Handlers before the window: the renderer may call as soon as it loads.
  ipc = registerIpc(core, { location: appLocation(), isAppWebContents, log });
  // Front-desk kiosk: an administrator's exit takes the window out of kiosk, and its return puts it back.
  core.kiosk.onChange((id, active) => {
    if (mainWindow && !mainWindow.isDestroyed() && id === callerId(mainWindow.webContents.id))
      setWindowKiosk(mainWindow, active);
  });
  // macOS and Linux: shutdown or restart closes even a kiosk (Windows says so to the window: 'session-end').
  powerMonitor.on('shutdown', markSystemEnding);
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
    // A kiosk does not quit (Cmd+Q, the Dock's Quit) until an administrator's exit, or the system ending.
    const kioskWindowOpen = mainWindow !== undefined && !mainWindow.isDestroyed() && mainWindow.isKiosk();
    if (!mayQuit({ kioskWindowOpen, systemEnding: isSystemEnding() })) {
      event.preventDefault();
      return;
    }
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

/**
 * `HealthSphere --admin <command> [args]`: the admin command line of the installed app (it cannot run as plain
 * Node: the runAsNode fuse is off). No single-instance lock (it runs beside an open app) and no window; after
 * 'ready', because the OS keychain needs it, the same data folder (userData) and the same key protection as the
 * app. Output goes to this process's stdout and stderr; the exit status is the command's.
 */
async function runAdminCommand(args: string[]): Promise<void> {
  app.disableHardwareAcceleration();
  await app.whenReady();
  app.dock?.hide(); // macOS: a command, not an app the Dock should show
  let status = 1;
  try {
    status = await runAdminMode(args, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      defaultDataDir: app.getPath('userData'),
      keyProtector: createKeyProtector(log),
    });
  } catch (err) {
    process.stderr.write(`${ADMIN_PROGRAM}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  app.exit(status);
}

const adminArgs = adminArguments(process.argv);
if (adminArgs) void runAdminCommand(adminArgs);
else main();

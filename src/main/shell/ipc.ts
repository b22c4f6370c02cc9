// IPC registration: the only file that touches ipcMain. One handler per contract channel ('hs:' + name);
// each drops calls that are not from the app's own main frame before dispatch sees them, and never lets
// an exception cross to the renderer.
import { app, ipcMain, webContents, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNEL_NAMES, CHANNEL_PREFIX, SESSION_CHANGED_CHANNEL } from '../../shared/contract';
import { errorResult, type Result } from '../../shared/errors';
import type { Logger } from '../core/log';
import { isAppUrl, isTrustedSender, type AppLocation, type SenderFacts } from './sender-check';

/** The part of the core that IPC needs. */
export interface IpcCore {
  dispatch(channel: unknown, payload: unknown, caller: { id: string }): Promise<Result<unknown>>;
  forgetCaller(callerId: string): Promise<void>;
  recordUntrustedCall(channel: string): Promise<void>;
  onSessionChange(listener: (callerId: string) => void): () => void;
}

export interface IpcOptions {
  location: AppLocation;
  isAppWebContents: (contents: WebContents) => boolean;
  log: Logger;
}

/** The core's caller id of a window's webContents. */
export function callerId(contentsId: number): string {
  return `window:${contentsId}`;
}

function contentsOf(id: string): WebContents | undefined {
  const match = /^window:(\d+)$/.exec(id);
  return match ? webContents.fromId(Number(match[1])) : undefined;
}

function senderFacts(event: IpcMainInvokeEvent, isAppWebContents: (contents: WebContents) => boolean): SenderFacts {
  const frame = event.senderFrame;
  if (!frame) return { hasFrame: false, isMainFrame: false, frameUrl: '', isAppWindow: false };
  return {
    hasFrame: true,
    isMainFrame: frame === event.sender.mainFrame && frame.parent === null,
    frameUrl: frame.url,
    isAppWindow: isAppWebContents(event.sender),
  };
}

export interface IpcRegistration {
  /** From now on every call answers UNAVAILABLE and the core is left alone: it is closing. */
  stop(): void;
}

export function registerIpc(core: IpcCore, options: IpcOptions): IpcRegistration {
  const { location, isAppWebContents, log } = options;
  let stopped = false;

  for (const name of CHANNEL_NAMES) {
    ipcMain.handle(CHANNEL_PREFIX + name, async (event, payload: unknown): Promise<Result<unknown>> => {
      let trusted: boolean;
      try {
        trusted = isTrustedSender(senderFacts(event, isAppWebContents), location);
      } catch {
        // A frame disposed mid-call throws on access: treat it as untrusted.
        trusted = false;
      }
      if (!trusted) {
        log.warn('IPC call refused: not from the app window.', { channel: name });
        await core.recordUntrustedCall(name).catch(() => undefined);
        return errorResult('FORBIDDEN');
      }
      if (stopped) return errorResult('UNAVAILABLE');
      try {
        return await core.dispatch(name, payload, { id: callerId(event.sender.id) });
      } catch {
        log.error('IPC call failed.', { channel: name });
        return errorResult('INTERNAL');
      }
    });
  }

  // A closed window's session goes with it. The id is read now: a destroyed webContents cannot be asked.
  app.on('web-contents-created', (_event, contents) => {
    const id = contents.id;
    contents.once('destroyed', () => {
      if (stopped) return;
      core
        .forgetCaller(callerId(id))
        .catch(() => log.error('Could not forget a closed window.', { caller: callerId(id) }));
    });
  });

  // The core locked or ended a window's session by itself (screen lock, sleep, system idle): that window is told
  // at once, and only if it is one of the app's own windows showing the app's page. The message carries nothing;
  // the renderer asks session.current.
  const stopNotices = core.onSessionChange((id) => {
    const contents = contentsOf(id);
    if (!contents || contents.isDestroyed() || !isAppWebContents(contents)) return;
    if (!isAppUrl(contents.getURL(), location)) return;
    contents.send(SESSION_CHANGED_CHANNEL);
  });

  return {
    stop: () => {
      stopped = true;
      stopNotices();
    },
  };
}

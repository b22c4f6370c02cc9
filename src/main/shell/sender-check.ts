// Which IPC senders are the app's own renderer: the main frame of one of our windows, showing our page.
// Pure logic over plain values (no electron import) so it is unit-tested in Node; ipc.ts gathers the facts.

/** Where the app's renderer is loaded from. */
export type AppLocation =
  | { kind: 'file'; /** file:// URL of out/renderer/index.html */ url: string }
  | { kind: 'dev-server'; /** e.g. http://localhost:5173 */ origin: string };

/**
 * The packaged app always loads its own file; the dev server URL from electron-vite is honoured only in an
 * unpackaged run, so an environment variable cannot point a packaged app at another page.
 */
export function resolveAppLocation(options: {
  isPackaged: boolean;
  rendererUrl: string | undefined;
  rendererFileUrl: string;
}): AppLocation {
  if (!options.isPackaged && options.rendererUrl) {
    const url = parseUrl(options.rendererUrl);
    if (url && (url.protocol === 'http:' || url.protocol === 'https:'))
      return { kind: 'dev-server', origin: url.origin };
  }
  return { kind: 'file', url: options.rendererFileUrl };
}

/** Whether `url` is the app's page (any query or fragment: the renderer routes with them). */
export function isAppUrl(url: string, location: AppLocation): boolean {
  const candidate = parseUrl(url);
  if (!candidate) return false;
  if (location.kind === 'dev-server') return candidate.origin === location.origin;
  const expected = parseUrl(location.url);
  if (!expected || expected.protocol !== 'file:') return false;
  if (candidate.protocol !== 'file:' || candidate.host !== expected.host) return false;
  const a = normalizeFilePath(candidate.pathname);
  const b = normalizeFilePath(expected.pathname);
  return a !== undefined && a === b;
}

/** What ipc.ts observed about one IPC event, as plain values. */
export interface SenderFacts {
  /** False when event.senderFrame is null (the frame navigated away or was destroyed). */
  hasFrame: boolean;
  /** event.senderFrame === event.sender.mainFrame, and the frame has no parent. */
  isMainFrame: boolean;
  /** event.senderFrame.url, or '' without a frame. */
  frameUrl: string;
  /** event.sender belongs to a window the app's window factory created. */
  isAppWindow: boolean;
}

export function isTrustedSender(facts: SenderFacts, location: AppLocation): boolean {
  return facts.hasFrame && facts.isMainFrame && facts.isAppWindow && isAppUrl(facts.frameUrl, location);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

// Equivalent spellings of one file path compare equal: percent-encoding, and the case of a Windows drive
// letter (Chromium upper-cases it, Node's pathToFileURL keeps what it was given).
function normalizeFilePath(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  return decoded.replace(/^\/([a-zA-Z]):/, (_m, drive: string) => `/${drive.toUpperCase()}:`);
}

// The Electron shell's kiosk decisions, pure (no electron import) so that they are tested in Node; window.ts and
// index.ts apply them. A kiosk window is full screen without a menu or developer tools, and nobody at the desk
// can close it, quit the app, reload it or leave full screen; only an administrator's exit in the core
// (kiosk.exit) takes the window out of kiosk, and only the operating system ending (shutdown, restart, log off)
// closes a kiosk window.

/** What the window factory needs to know. */
export interface KioskWindowFacts {
  /** The machine policy makes this computer a front-desk kiosk (the core's kiosk.enabled). */
  kioskPolicy: boolean;
  /** A packaged app (developer tools are off there anyway). */
  isPackaged: boolean;
}

/** The BrowserWindow options kiosk mode decides. */
export function kioskWindowOptions(facts: KioskWindowFacts): { kiosk: boolean; devTools: boolean } {
  // A window of a kiosk computer starts in kiosk; developer tools stay off for the whole run, also after an
  // administrator's exit (webPreferences are fixed when the window is made).
  return { kiosk: facts.kioskPolicy, devTools: !facts.isPackaged && !facts.kioskPolicy };
}

/** Whether the window may close now (Alt+F4, Cmd+W, the title bar's button, the taskbar's Close). */
export function mayCloseWindow(state: { windowInKiosk: boolean; systemEnding: boolean }): boolean {
  return !state.windowInKiosk || state.systemEnding;
}

/** Whether the app may quit now (Cmd+Q, the dock's Quit, app.quit() from anywhere). */
export function mayQuit(state: { kioskWindowOpen: boolean; systemEnding: boolean }): boolean {
  return !state.kioskWindowOpen || state.systemEnding;
}

/** What Electron's 'before-input-event' says about a key. */
export interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/**
 * Keys a kiosk swallows: close and quit (Ctrl/Cmd+W, Ctrl/Cmd+Q, Alt+F4, Ctrl+F4), reload (F5, Ctrl/Cmd+R),
 * full screen (F11, Ctrl+Cmd+F), hide and minimize (Cmd+H, Cmd+M), developer tools (F12, Ctrl+Shift+I/J/C,
 * Cmd+Alt+I/J/C) and printing (Ctrl/Cmd+P). Zoom keys stay: people who need larger text use them.
 */
export function isKioskBlockedKey(input: KeyInput): boolean {
  if (input.type !== 'keyDown') return false;
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  const command = input.control || input.meta;
  if (['F4', 'F5', 'F11', 'F12'].includes(key) && (key !== 'F4' || input.alt || input.control)) return true;
  if (command && ['w', 'q', 'r', 'p'].includes(key)) return true;
  if (input.meta && ['h', 'm'].includes(key)) return true;
  if (input.control && input.meta && key === 'f') return true;
  if (command && (input.shift || input.alt) && ['i', 'j', 'c'].includes(key)) return true;
  return false;
}

/** What to do to a window when the core says its kiosk state: null when it already matches. */
export function kioskTransition(windowInKiosk: boolean, coreSaysKiosk: boolean): 'enter' | 'leave' | null {
  if (windowInKiosk === coreSaysKiosk) return null;
  return coreSaysKiosk ? 'enter' : 'leave';
}

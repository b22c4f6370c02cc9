// Who is calling dispatch: one renderer (an Electron window, or a browser preview connection).
// The core keeps that caller's session; the renderer never holds a session secret.

export interface Caller {
  /** Stable for the life of one renderer: e.g. `window:3` or `preview:7f2c…`. */
  id: string;
  /** The network address of a browser-preview connection; none for an Electron window. */
  ipAddress?: string;
}

/** The machine and OS account the app runs under, recorded with every audit event. */
export interface Workstation {
  hostname: string;
  osUser: string;
}

export function describeWorkstation(w: Workstation): string {
  return `${w.osUser}@${w.hostname}`.slice(0, 255);
}

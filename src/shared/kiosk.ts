// The front-desk kiosk's inactivity rule (issue 8, item 7), pure so that it is tested in Node: after two minutes
// without keyboard, pointer or touch input the kiosk starts over, dropping everything typed; a warning shows for the
// last 30 seconds.

export const KIOSK_IDLE_MS = 2 * 60_000;
export const KIOSK_WARNING_MS = 30_000;

/** Where the kiosk stands after `elapsedMs` without input. */
export function inactivityPhase(
  elapsedMs: number,
  idleMs = KIOSK_IDLE_MS,
  warningMs = KIOSK_WARNING_MS,
): 'active' | 'warning' | 'idle' {
  if (elapsedMs >= idleMs) return 'idle';
  return elapsedMs >= idleMs - warningMs ? 'warning' : 'active';
}

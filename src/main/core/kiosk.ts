// Front-desk kiosk (issue 8, item 7), turned on by the machine policy's `kioskMode`. In kiosk, dispatch lets
// through only the channels the contract marks `kiosk` (patient registration, email verification, the start
// screen's status calls, the kiosk's own channels) and refuses every other one with KIOSK_MODE, audited as denied.
//
// An administrator's email and password (and code, with two-step verification) take one window out of kiosk
// (services/kiosk.ts). It stays out only while it is used by staff:
//   - until somebody signs in, for KIOSK_SIGN_IN_GRACE_MS after the exit;
//   - then for as long as that window holds a session that is not locked.
// The kiosk returns when the grace passes with nobody signed in, when the session ends (sign-out, expiry, ended
// elsewhere), when it locks (idle, screen lock, sleep: a locked session is ended, not left behind a kiosk), when
// someone presses "Return to kiosk" (kiosk.enter), or when the app starts again. The state lives in this process
// only, per window: a restart, a new window or a crash always begins in kiosk.
import type { ChannelSpec } from '../../shared/contract';

/** After an administrator's exit, how long the window waits for someone to sign in before the kiosk returns. */
export const KIOSK_SIGN_IN_GRACE_MS = 2 * 60_000;

/** What a window's session is, as far as the kiosk cares. */
export type KioskSessionView = 'none' | 'active' | 'locked';

/** Why a window went back to kiosk: the audit event's details.reason. */
export type KioskReturnReason = 'no_sign_in' | 'session_ended' | 'session_locked' | 'requested';

/** A window out of kiosk after an administrator's exit. */
export interface KioskSuspension {
  /** The administrator who gave their password. */
  adminUserId: number;
  exitedAt: number;
  /** Until then the window may show Sign in without anyone signed in. */
  signInBy: number;
  /** A session has been seen on the window since the exit: once it is gone, the kiosk returns. */
  sawSession: boolean;
}

/** Whether a channel may be called by a window in kiosk. */
export function allowedInKiosk(spec: Pick<ChannelSpec, 'kiosk'>): boolean {
  return spec.kiosk === true;
}

/**
 * Whether a window out of kiosk goes back, given its session now; null while it stays out. Pure: the caller
 * records `sawSession` (see KioskState.observe).
 */
export function kioskReturnReason(
  suspension: Pick<KioskSuspension, 'signInBy' | 'sawSession'>,
  session: KioskSessionView,
  nowMs: number,
): KioskReturnReason | null {
  if (session === 'locked') return 'session_locked';
  if (session === 'active') return null;
  if (suspension.sawSession) return 'session_ended';
  return nowMs >= suspension.signInBy ? 'no_sign_in' : null;
}

export type KioskListener = (callerId: string, active: boolean) => void;

/** The kiosk state of this process's windows (callers): in kiosk unless an administrator's exit suspended it. */
export class KioskState {
  private readonly suspensions = new Map<string, KioskSuspension>();
  private readonly listeners = new Set<KioskListener>();

  /** `enabled`: the machine policy's kioskMode. */
  constructor(readonly enabled: boolean) {}

  /** Whether this window is a kiosk now. */
  isActive(callerId: string): boolean {
    return this.enabled && !this.suspensions.has(callerId);
  }

  suspension(callerId: string): Readonly<KioskSuspension> | undefined {
    return this.suspensions.get(callerId);
  }

  /** Seconds until the kiosk returns by itself, while the window is out of kiosk with nobody signed in yet. */
  returnsInSeconds(callerId: string, nowMs: number): number | null {
    const s = this.suspensions.get(callerId);
    if (!s || s.sawSession) return null;
    return Math.max(0, Math.ceil((s.signInBy - nowMs) / 1000));
  }

  /**
   * Looks at a window's session (at each request, before and after it): remembers that a session was seen, and
   * says whether the kiosk must return. The caller then ends any session, records it, and calls resume().
   */
  observe(callerId: string, session: KioskSessionView, nowMs: number): KioskReturnReason | null {
    const s = this.suspensions.get(callerId);
    if (!s) return null;
    const reason = kioskReturnReason(s, session, nowMs);
    if (!reason && session === 'active') s.sawSession = true;
    return reason;
  }

  /** An administrator's exit: this window leaves kiosk. */
  suspend(callerId: string, adminUserId: number, nowMs: number): void {
    if (!this.enabled) return;
    const wasActive = this.isActive(callerId);
    this.suspensions.set(callerId, {
      adminUserId,
      exitedAt: nowMs,
      signInBy: nowMs + KIOSK_SIGN_IN_GRACE_MS,
      sawSession: false,
    });
    if (wasActive) this.notify(callerId, false);
  }

  /** The window goes back to kiosk; false when it already was. */
  resume(callerId: string): boolean {
    if (!this.suspensions.delete(callerId)) return false;
    this.notify(callerId, true);
    return true;
  }

  /** The window is gone: nothing to return to kiosk (a new window starts in kiosk). */
  forget(callerId: string): void {
    this.suspensions.delete(callerId);
  }

  /** Told whenever a window leaves or re-enters kiosk (the Electron shell sets the window's kiosk mode). */
  onChange(listener: KioskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(callerId: string, active: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(callerId, active);
      } catch {
        // A listener's failure (a window already destroyed) changes nothing in the core.
      }
    }
  }
}

// Which session each caller holds. The token lives only here, in the core's memory; the renderer never sees it.
// These callers are this workstation's renderers: automatic logoff locks exactly their sessions, never another
// workstation's on a shared database.
import type { LockReason } from '../../shared/contract';

export class SessionRegistry {
  private readonly tokens = new Map<string, string>();
  /** Why this core last locked a caller's session; read only while the session is locked. */
  private readonly lockReasons = new Map<string, LockReason>();

  tokenOf(callerId: string): string | undefined {
    return this.tokens.get(callerId);
  }

  set(callerId: string, token: string): void {
    this.tokens.set(callerId, token);
    this.lockReasons.delete(callerId);
  }

  forget(callerId: string): string | undefined {
    const token = this.tokens.get(callerId);
    this.tokens.delete(callerId);
    this.lockReasons.delete(callerId);
    return token;
  }

  /** Every caller that holds a session now. */
  callers(): string[] {
    return [...this.tokens.keys()];
  }

  setLockReason(callerId: string, reason: LockReason): void {
    if (this.tokens.has(callerId)) this.lockReasons.set(callerId, reason);
  }

  lockReasonOf(callerId: string): LockReason | undefined {
    return this.lockReasons.get(callerId);
  }
}

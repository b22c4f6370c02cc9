// Sessions: the database holds only a keyed hash of each token; the core holds the token for its caller.
import type { Knex } from 'knex';
import type { SecuritySettings } from '../../../shared/settings';
import type { ActiveSession } from '../services/handler';
import { type UserRow, isActive, toSessionUser } from './users';

export type SessionEndReason =
  | 'logout'
  | 'expired'
  | 'replaced'
  | 'closed'
  | 'ended_by_user'
  | 'password_changed'
  | 'password_reset'
  | 'account_changed'
  /** Automatic logoff of a sign-in halfway through two-step verification (screen lock, sleep, system idle). */
  | 'auto_logoff';

interface SessionJoinRow extends UserRow {
  session_id: number;
  token_hash: string;
  session_created_at: number;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
  locked_at: number | null;
  session_role: string | null;
  two_factor_state: TwoFactorSessionState;
  authenticated_at: number | null;
}

export type TwoFactorSessionState = 'complete' | 'pending' | 'enroll';

/** A sign-in waiting for its code lasts at most this long; one that must first set up 2FA a little longer. */
export const TWO_FACTOR_PENDING_MS = 5 * 60_000;
export const TWO_FACTOR_ENROLL_MS = 15 * 60_000;
export const TWO_FACTOR_MAX_FAILURES = 5;
/** A sensitive action needs the password given in this session within this time. */
export const REAUTH_WINDOW_MS = 15 * 60_000;

export async function insertSession(
  trx: Knex.Transaction,
  user: { id: number; role: string },
  tokenHash: string,
  workstation: string,
  settings: SecuritySettings,
  twoFactorState: TwoFactorSessionState,
  nowMs: number,
): Promise<number> {
  const rows = (await trx('sessions')
    .insert({
      token_hash: tokenHash,
      user_id: user.id,
      role: user.role,
      two_factor_state: twoFactorState,
      authenticated_at: nowMs,
      created_at: nowMs,
      last_seen_at: nowMs,
      expires_at: nowMs + settings.sessionAbsoluteHours * 60 * 60_000,
      workstation,
    })
    .returning('id')) as Array<{ id: number } | number>;
  const first = rows[0]!;
  return typeof first === 'number' ? first : first.id;
}

export type SessionLookup =
  | { state: 'active'; session: ActiveSession }
  /** Idle too long: only its own user's password, or ending it, goes on. `newly`: this lookup noticed it. */
  | { state: 'locked'; session: ActiveSession; newly: boolean }
  /** Past its lifetime, or its account was deactivated or changed role: it ends. */
  | { state: 'expired'; session: ActiveSession }
  | { state: 'none' };

export async function findSession(
  db: Knex,
  tokenHash: string,
  settings: SecuritySettings,
  nowMs: number,
): Promise<SessionLookup> {
  const row = (await db('sessions')
    .join('users', 'users.id', 'sessions.user_id')
    .where('sessions.token_hash', tokenHash)
    .select(
      'users.*',
      'sessions.id as session_id',
      'sessions.token_hash',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.ended_at',
      'sessions.locked_at',
      'sessions.role as session_role',
      'sessions.two_factor_state',
      'sessions.authenticated_at',
    )
    .first()) as SessionJoinRow | undefined;
  if (!row || row.ended_at != null) return { state: 'none' };
  const idleLockAt = row.last_seen_at + settings.sessionIdleMinutes * 60_000;
  const session: ActiveSession = {
    id: row.session_id,
    tokenHash: row.token_hash,
    user: toSessionUser(row),
    idleLockAt,
    twoFactorState: row.two_factor_state,
    authenticatedAt: row.authenticated_at ?? row.session_created_at,
    mustChangePassword: row.must_change_password === true || (row.must_change_password as unknown) === 1,
  };
  const roleChanged = row.session_role != null && row.session_role !== row.role;
  if (!isActive(row) || roleChanged || row.expires_at <= nowMs) return { state: 'expired', session };
  // A sign-in halfway through two-step verification does not wait for long, and is never idle-locked.
  if (row.two_factor_state !== 'complete') {
    const limit = row.two_factor_state === 'pending' ? TWO_FACTOR_PENDING_MS : TWO_FACTOR_ENROLL_MS;
    return row.session_created_at + limit <= nowMs ? { state: 'expired', session } : { state: 'active', session };
  }
  if (row.locked_at != null) return { state: 'locked', session, newly: false };
  if (idleLockAt <= nowMs) return { state: 'locked', session, newly: true };
  return { state: 'active', session };
}

export async function touchSession(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<void> {
  await trx('sessions')
    .where({ id: sessionId })
    .whereNull('ended_at')
    .whereNull('locked_at')
    .update({ last_seen_at: nowMs });
}

/** Locks an open session; false when it was already locked or has ended (someone else got there first). */
export async function lockSession(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<boolean> {
  const changed = await trx('sessions')
    .where({ id: sessionId })
    .whereNull('locked_at')
    .whereNull('ended_at')
    .update({ locked_at: nowMs });
  return changed > 0;
}

export async function unlockSession(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<void> {
  await trx('sessions').where({ id: sessionId }).update({ locked_at: null, last_seen_at: nowMs });
}

export async function endSession(
  trx: Knex.Transaction,
  sessionId: number,
  reason: SessionEndReason,
  nowMs: number,
): Promise<void> {
  await trx('sessions').where({ id: sessionId }).whereNull('ended_at').update({ ended_at: nowMs, end_reason: reason });
}

/** Ends every open session of a user, but one; returns how many ended. */
export async function endSessionsOfUser(
  trx: Knex.Transaction,
  userId: number,
  reason: SessionEndReason,
  nowMs: number,
  exceptSessionId?: number,
): Promise<number> {
  const query = trx('sessions').where({ user_id: userId }).whereNull('ended_at');
  if (exceptSessionId !== undefined) query.whereNot({ id: exceptSessionId });
  return query.update({ ended_at: nowMs, end_reason: reason });
}

export interface SessionListing {
  id: number;
  workstation: string | null;
  created_at: number;
  last_seen_at: number;
}

export async function openSessionsOfUser(
  db: Knex | Knex.Transaction,
  userId: number,
  nowMs: number,
): Promise<SessionListing[]> {
  return (await db('sessions')
    .where({ user_id: userId })
    .whereNull('ended_at')
    .where('expires_at', '>', nowMs)
    .orderBy('last_seen_at', 'desc')
    .select('id', 'workstation', 'created_at', 'last_seen_at')) as SessionListing[];
}

export async function completeTwoFactor(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<void> {
  await trx('sessions')
    .where({ id: sessionId })
    .update({ two_factor_state: 'complete', two_factor_failures: 0, last_seen_at: nowMs });
}

/** Counts a wrong code on a pending sign-in; returns how many there have been. */
export async function recordTwoFactorFailure(trx: Knex.Transaction, sessionId: number): Promise<number> {
  await trx('sessions').where({ id: sessionId }).increment('two_factor_failures', 1);
  const row = (await trx('sessions').where({ id: sessionId }).first('two_factor_failures')) as {
    two_factor_failures: number;
  };
  return row.two_factor_failures;
}

/** The password was given again in this session (a sensitive action's confirmation). */
export async function markAuthenticated(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<void> {
  await trx('sessions').where({ id: sessionId }).update({ authenticated_at: nowMs });
}

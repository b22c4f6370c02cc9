// Sessions: the database holds only a keyed hash of each token; the core holds the token for its caller.
import type { Knex } from 'knex';
import type { ActiveSession } from '../services/handler';
import { type UserRow, isActive, toSessionUser } from './users';

export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
export const SESSION_IDLE_MS = 30 * 60_000;

export type SessionEndReason = 'logout' | 'expired' | 'replaced' | 'closed';

interface SessionJoinRow extends UserRow {
  session_id: number;
  token_hash: string;
  session_created_at: number;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
}

export async function insertSession(
  trx: Knex.Transaction,
  userId: number,
  tokenHash: string,
  workstation: string,
  nowMs: number,
): Promise<number> {
  const rows = (await trx('sessions')
    .insert({
      token_hash: tokenHash,
      user_id: userId,
      created_at: nowMs,
      last_seen_at: nowMs,
      expires_at: nowMs + SESSION_ABSOLUTE_MS,
      workstation,
    })
    .returning('id')) as Array<{ id: number } | number>;
  const first = rows[0]!;
  return typeof first === 'number' ? first : first.id;
}

export type SessionLookup =
  { state: 'active'; session: ActiveSession } | { state: 'expired'; session: ActiveSession } | { state: 'none' };

export async function findSession(db: Knex, tokenHash: string, nowMs: number): Promise<SessionLookup> {
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
    )
    .first()) as SessionJoinRow | undefined;
  if (!row || row.ended_at != null) return { state: 'none' };
  const session: ActiveSession = { id: row.session_id, tokenHash: row.token_hash, user: toSessionUser(row) };
  if (!isActive(row) || row.expires_at <= nowMs || row.last_seen_at + SESSION_IDLE_MS <= nowMs) {
    return { state: 'expired', session };
  }
  return { state: 'active', session };
}

export async function touchSession(trx: Knex.Transaction, sessionId: number, nowMs: number): Promise<void> {
  await trx('sessions').where({ id: sessionId }).whereNull('ended_at').update({ last_seen_at: nowMs });
}

export async function endSession(
  trx: Knex.Transaction,
  sessionId: number,
  reason: SessionEndReason,
  nowMs: number,
): Promise<void> {
  await trx('sessions').where({ id: sessionId }).whereNull('ended_at').update({ ended_at: nowMs, end_reason: reason });
}

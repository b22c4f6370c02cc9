// Sign-in protection per email (not per IP: a front desk shares one address), and per workstation against
// password spraying. Decided before any password hashing, so a flood of attempts costs no argon2 work.
import type { Knex } from 'knex';
import type { SecuritySettings } from '../../../shared/settings';
import { keyedHash } from '../crypto/hmac';
import { isPostgres } from '../db/connection';

export const WORKSTATION_WINDOW_MS = 15 * 60_000;
const MAX_THROTTLE_SECONDS = 300;

interface GuardRow {
  email_hash: string;
  consecutive_failures: number;
  last_failure_at: number | null;
  locked_until: number | null;
}

export type GuardVerdict =
  { allowed: true } | { allowed: false; reason: 'locked' | 'throttled'; retryAfterSeconds: number };

export function guardKey(key: Buffer, email: string): string {
  return keyedHash(key, `sign-in:${email}`);
}

/** Seconds to wait after `failures` consecutive failures before the next attempt is considered. */
export function throttleSeconds(failures: number, settings: SecuritySettings): number {
  if (failures < settings.signInThrottleAfter) return 0;
  return Math.min(MAX_THROTTLE_SECONDS, 2 ** (failures - settings.signInThrottleAfter));
}

async function readGuard(trx: Knex.Transaction, emailHash: string, lock: boolean): Promise<GuardRow | undefined> {
  const query = trx('sign_in_guards').where({ email_hash: emailHash });
  // On PostgreSQL concurrent attempts for one email queue on the row; SQLite transactions are already serial.
  if (lock && isPostgres(trx)) {
    await trx('sign_in_guards')
      .insert({ email_hash: emailHash, consecutive_failures: 0 })
      .onConflict('email_hash')
      .ignore();
    return (await query.forUpdate().first()) as GuardRow | undefined;
  }
  return (await query.first()) as GuardRow | undefined;
}

/** May an attempt for this email be checked now? */
export async function checkGuard(
  trx: Knex.Transaction,
  emailHash: string,
  settings: SecuritySettings,
  nowMs: number,
): Promise<GuardVerdict> {
  const row = await readGuard(trx, emailHash, true);
  if (!row) return { allowed: true };
  if (row.locked_until != null && row.locked_until > nowMs) {
    return { allowed: false, reason: 'locked', retryAfterSeconds: Math.ceil((row.locked_until - nowMs) / 1000) };
  }
  const waitMs = throttleSeconds(row.consecutive_failures, settings) * 1000;
  if (waitMs > 0 && row.last_failure_at != null && nowMs < row.last_failure_at + waitMs) {
    return {
      allowed: false,
      reason: 'throttled',
      retryAfterSeconds: Math.ceil((row.last_failure_at + waitMs - nowMs) / 1000),
    };
  }
  return { allowed: true };
}

/** Counts a failure; returns true when this failure locked the account. */
export async function recordGuardFailure(
  trx: Knex.Transaction,
  emailHash: string,
  settings: SecuritySettings,
  nowMs: number,
): Promise<{ lockedNow: boolean; lockedUntil: number | null }> {
  await trx.raw(
    `INSERT INTO sign_in_guards (email_hash, consecutive_failures, last_failure_at, locked_until)
     VALUES (?, 1, ?, NULL)
     ON CONFLICT (email_hash) DO UPDATE
       SET consecutive_failures = sign_in_guards.consecutive_failures + 1, last_failure_at = excluded.last_failure_at`,
    [emailHash, nowMs],
  );
  const row = (await trx('sign_in_guards').where({ email_hash: emailHash }).first()) as GuardRow;
  if (row.consecutive_failures >= settings.lockoutThreshold) {
    const lockedUntil = nowMs + settings.lockoutMinutes * 60_000;
    await trx('sign_in_guards').where({ email_hash: emailHash }).update({ locked_until: lockedUntil });
    return { lockedNow: true, lockedUntil };
  }
  return { lockedNow: false, lockedUntil: null };
}

/** A success, a password reset or an admin's unlock: the count starts again. Returns whether anything was held. */
export async function clearGuard(trx: Knex.Transaction, emailHash: string): Promise<boolean> {
  const row = (await trx('sign_in_guards').where({ email_hash: emailHash }).first()) as GuardRow | undefined;
  await trx('sign_in_guards').where({ email_hash: emailHash }).delete();
  return row !== undefined && (row.consecutive_failures > 0 || row.locked_until != null);
}

export async function isLocked(db: Knex | Knex.Transaction, emailHash: string, nowMs: number): Promise<boolean> {
  const row = (await db('sign_in_guards').where({ email_hash: emailHash }).first()) as GuardRow | undefined;
  return row?.locked_until != null && row.locked_until > nowMs;
}

/** Failed sign-ins from this workstation in the current window exceed the limit: a spraying attack. */
export async function workstationLimited(
  trx: Knex.Transaction,
  workstation: string,
  settings: SecuritySettings,
  nowMs: number,
): Promise<number | null> {
  const row = (await trx('rate_limits')
    .where({ key: `sign-in-failures:${workstation}` })
    .first()) as { window_start: number; count: number } | undefined;
  if (!row || row.window_start + WORKSTATION_WINDOW_MS <= nowMs || row.count < settings.workstationFailureLimit)
    return null;
  return Math.ceil((row.window_start + WORKSTATION_WINDOW_MS - nowMs) / 1000);
}

export async function recordWorkstationFailure(
  trx: Knex.Transaction,
  workstation: string,
  nowMs: number,
): Promise<void> {
  const windowStartBefore = nowMs - WORKSTATION_WINDOW_MS;
  await trx.raw(
    `INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits.window_start <= ? THEN 1 ELSE rate_limits.count + 1 END,
       window_start = CASE WHEN rate_limits.window_start <= ? THEN excluded.window_start ELSE rate_limits.window_start END`,
    [`sign-in-failures:${workstation}`, nowMs, windowStartBefore, windowStartBefore],
  );
}

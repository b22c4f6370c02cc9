// One-time email codes: stored only as a keyed hash; single use; a new code replaces the old one.
import type { Knex } from 'knex';
import { hashesEqual, keyedHash } from '../crypto/hmac';
import { generateEmailCode } from '../crypto/random';

import type { SecuritySettings } from '../../../shared/settings';
import { isPostgres } from '../db/connection';

export type CodePurpose = 'verify_email' | 'reset_password';

interface CodeRow {
  id: number;
  code_hash: string;
  created_at: number;
  expires_at: number;
  failed_attempts: number;
  consumed_at: number | null;
}

function hashCode(key: Buffer, userId: number, purpose: CodePurpose, code: string): string {
  // Bound to the user and purpose: a code for one account or use is worthless for another.
  return keyedHash(key, `${purpose}:${userId}:${code}`);
}

/** Issues a fresh code, retiring every earlier one of the same purpose. Returns the code to mail. */
export async function issueCode(
  trx: Knex.Transaction,
  key: Buffer,
  userId: number,
  purpose: CodePurpose,
  validMs: number,
  nowMs: number,
): Promise<string> {
  await trx('email_codes').where({ user_id: userId, purpose }).whereNull('consumed_at').update({ consumed_at: nowMs });
  const code = generateEmailCode();
  await trx('email_codes').insert({
    user_id: userId,
    purpose,
    code_hash: hashCode(key, userId, purpose, code),
    created_at: nowMs,
    expires_at: nowMs + validMs,
    failed_attempts: 0,
    consumed_at: null,
  });
  return code;
}

/**
 * Whether another code may be mailed now: at most one per interval and a few per hour for each account,
 * so nobody can flood a mailbox through the resend button.
 */
export async function mayIssueCode(
  db: Knex | Knex.Transaction,
  userId: number,
  purpose: CodePurpose,
  settings: SecuritySettings,
  nowMs: number,
): Promise<boolean> {
  const recent = (await db('email_codes')
    .where({ user_id: userId, purpose })
    .where('created_at', '>', nowMs - 60 * 60_000)
    .select('created_at')) as Array<{ created_at: number }>;
  if (recent.length >= settings.codeResendPerHour) return false;
  const last = Math.max(0, ...recent.map((r) => Number(r.created_at)));
  return nowMs - last >= settings.codeResendIntervalSeconds * 1000;
}

/**
 * Checks a code and spends it when right. A wrong code counts an attempt; after the last allowed
 * attempt the code is dead, and even the right code then fails. Wrong, expired, used and dead all look alike.
 */
export async function consumeCode(
  trx: Knex.Transaction,
  key: Buffer,
  userId: number,
  purpose: CodePurpose,
  code: string,
  maxAttempts: number,
  nowMs: number,
  spend = true,
): Promise<boolean> {
  const query = trx('email_codes').where({ user_id: userId, purpose }).whereNull('consumed_at').orderBy('id', 'desc');
  // On PostgreSQL, guesses from many workstations queue on the code's row: five tries means five, not five plus
  // however many arrive at once. SQLite transactions are serial already.
  const row = (await (isPostgres(trx) ? query.forUpdate() : query).first()) as CodeRow | undefined;
  if (!row || row.expires_at <= nowMs || row.failed_attempts >= maxAttempts) return false;
  if (!hashesEqual(row.code_hash, hashCode(key, userId, purpose, code))) {
    await trx('email_codes').where({ id: row.id }).increment('failed_attempts', 1);
    return false;
  }
  if (!spend) return true;
  // Conditional update: of two requests racing with the same code, only one spends it.
  const spent = await trx('email_codes').where({ id: row.id }).whereNull('consumed_at').update({ consumed_at: nowMs });
  return spent === 1;
}

/** Counts a failure against the live code of this purpose (a wrong second factor during a reset). */
export async function countCodeFailure(trx: Knex.Transaction, userId: number, purpose: CodePurpose): Promise<void> {
  await trx('email_codes').where({ user_id: userId, purpose }).whereNull('consumed_at').increment('failed_attempts', 1);
}

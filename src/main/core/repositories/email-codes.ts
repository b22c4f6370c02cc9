// One-time email codes: stored only as a keyed hash; single use; a new code replaces the old one.
import type { Knex } from 'knex';
import { hashesEqual, keyedHash } from '../crypto/hmac';
import { generateEmailCode } from '../crypto/random';

export type CodePurpose = 'verify_email';

export const CODE_VALID_MS = 10 * 60_000;
export const CODE_MAX_FAILED_ATTEMPTS = 5;
/** A new code for the same account at most this often. */
export const CODE_RESEND_INTERVAL_MS = 60_000;

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
  nowMs: number,
): Promise<string> {
  await trx('email_codes').where({ user_id: userId, purpose }).whereNull('consumed_at').update({ consumed_at: nowMs });
  const code = generateEmailCode();
  await trx('email_codes').insert({
    user_id: userId,
    purpose,
    code_hash: hashCode(key, userId, purpose, code),
    created_at: nowMs,
    expires_at: nowMs + CODE_VALID_MS,
    failed_attempts: 0,
    consumed_at: null,
  });
  return code;
}

/** When the latest code of this purpose was issued, to limit how often a new one is sent. */
export async function lastCodeIssuedAt(
  db: Knex | Knex.Transaction,
  userId: number,
  purpose: CodePurpose,
): Promise<number | null> {
  const row = (await db('email_codes').where({ user_id: userId, purpose }).max({ at: 'created_at' }).first()) as
    { at: number | null } | undefined;
  return row?.at == null ? null : Number(row.at);
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
  nowMs: number,
): Promise<boolean> {
  const row = (await trx('email_codes')
    .where({ user_id: userId, purpose })
    .whereNull('consumed_at')
    .orderBy('id', 'desc')
    .first()) as CodeRow | undefined;
  if (!row || row.expires_at <= nowMs || row.failed_attempts >= CODE_MAX_FAILED_ATTEMPTS) return false;
  if (!hashesEqual(row.code_hash, hashCode(key, userId, purpose, code))) {
    await trx('email_codes').where({ id: row.id }).increment('failed_attempts', 1);
    return false;
  }
  // Conditional update: of two requests racing with the same code, only one spends it.
  const spent = await trx('email_codes').where({ id: row.id }).whereNull('consumed_at').update({ consumed_at: nowMs });
  return spent === 1;
}

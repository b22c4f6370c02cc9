// Two-step verification records: the encrypted TOTP secret with its last used step, and backup codes.
import type { Knex } from 'knex';
import { generateBackupCodes, hashBackupCode } from '../crypto/backup-codes';
import { decrypt, encrypt } from '../crypto/encryption';
import { hashesEqual } from '../crypto/hmac';

const SECRET_CONTEXT = 'two_factor.secret';

interface TwoFactorRow {
  user_id: number;
  secret_encrypted: string;
  enabled_at: number | null;
  last_used_step: number | null;
}

export interface TwoFactorRecord {
  secret: string;
  enabled: boolean;
  lastUsedStep: number | null;
}

export async function findTwoFactor(
  db: Knex | Knex.Transaction,
  key: Buffer,
  userId: number,
): Promise<TwoFactorRecord | null> {
  const row = (await db('two_factor').where({ user_id: userId }).first()) as TwoFactorRow | undefined;
  if (!row) return null;
  return {
    // Bound to its user: a secret copied onto another user's row does not decrypt.
    secret: decrypt(key, row.secret_encrypted, `${SECRET_CONTEXT}:${userId}`),
    enabled: row.enabled_at != null,
    lastUsedStep: row.last_used_step,
  };
}

export async function isTwoFactorEnabled(db: Knex | Knex.Transaction, userId: number): Promise<boolean> {
  const row = (await db('two_factor')
    .where({ user_id: userId })
    .whereNotNull('enabled_at')
    .first('user_id')) as unknown;
  return row !== undefined;
}

/** Starts (or restarts) enrollment with a new secret; an enabled 2FA is not touched. */
export async function startEnrollment(
  trx: Knex.Transaction,
  key: Buffer,
  userId: number,
  secret: string,
  nowMs: number,
): Promise<void> {
  await trx('two_factor').where({ user_id: userId }).whereNull('enabled_at').delete();
  await trx('two_factor').insert({
    user_id: userId,
    secret_encrypted: encrypt(key, secret, `${SECRET_CONTEXT}:${userId}`),
    enabled_at: null,
    last_used_step: null,
    created_at: nowMs,
  });
}

/**
 * Records that a time step was used, only if it is later than any used before. Of two requests racing with
 * the same code, exactly one succeeds: the conditional update is the replay check.
 */
export async function claimTimeStep(trx: Knex.Transaction, userId: number, step: number): Promise<boolean> {
  const updated = await trx('two_factor')
    .where({ user_id: userId })
    .andWhere((q) => q.whereNull('last_used_step').orWhere('last_used_step', '<', step))
    .update({ last_used_step: step });
  return updated === 1;
}

export async function enableTwoFactor(trx: Knex.Transaction, userId: number, nowMs: number): Promise<void> {
  await trx('two_factor').where({ user_id: userId }).update({ enabled_at: nowMs });
}

/** Removes 2FA and its backup codes; returns whether there was any. */
export async function removeTwoFactor(trx: Knex.Transaction, userId: number): Promise<boolean> {
  await trx('backup_codes').where({ user_id: userId }).delete();
  return (await trx('two_factor').where({ user_id: userId }).delete()) > 0;
}

/** A new set of backup codes; every earlier code of the user stops working. Returns the codes to show once. */
export async function replaceBackupCodes(
  trx: Knex.Transaction,
  key: Buffer,
  userId: number,
  nowMs: number,
): Promise<string[]> {
  await trx('backup_codes').where({ user_id: userId }).delete();
  const codes = generateBackupCodes();
  await trx('backup_codes').insert(
    codes.map((code) => ({
      user_id: userId,
      code_hash: hashBackupCode(key, userId, code),
      created_at: nowMs,
      used_at: null,
    })),
  );
  return codes;
}

export async function remainingBackupCodes(db: Knex | Knex.Transaction, userId: number): Promise<number> {
  const rows = (await db('backup_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' })) as Array<{
    n: number | string;
  }>;
  return Number(rows[0]?.n ?? 0);
}

/** Spends a backup code if it is one of the user's unused ones; each works once. */
export async function useBackupCode(
  trx: Knex.Transaction,
  key: Buffer,
  userId: number,
  code: string,
  nowMs: number,
): Promise<boolean> {
  const wanted = hashBackupCode(key, userId, code);
  const unused = (await trx('backup_codes')
    .where({ user_id: userId })
    .whereNull('used_at')
    .select('id', 'code_hash')) as Array<{
    id: number;
    code_hash: string;
  }>;
  // Every candidate is compared, in constant time, so the answer's timing says nothing about which matched.
  let match: number | null = null;
  for (const row of unused) if (hashesEqual(row.code_hash, wanted)) match = row.id;
  if (match === null) return false;
  const spent = await trx('backup_codes').where({ id: match }).whereNull('used_at').update({ used_at: nowMs });
  return spent === 1;
}

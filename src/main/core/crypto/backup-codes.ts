// Backup codes: 10 a set, 10 characters each from an alphabet without look-alikes (no 0/O, 1/I/L),
// shown once as XXXXX-XXXXX and stored only as keyed hashes.
import { randomInt } from 'node:crypto';
import { keyedHash } from './hmac';

export const BACKUP_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const BACKUP_CODES_PER_SET = 10;
const LENGTH = 10;

export function generateBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODES_PER_SET }, () => {
    const raw = Array.from({ length: LENGTH }, () => BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)]).join(
      '',
    );
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

/** The stored form of a code, typed in any case, with or without the dash. */
export function hashBackupCode(key: Buffer, userId: number, code: string): string {
  return keyedHash(key, `backup:${userId}:${code.replace(/[\s-]/g, '').toUpperCase()}`);
}

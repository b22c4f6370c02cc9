// Secrets from the CSPRNG: one-time email codes and session tokens.
import { randomBytes, randomInt } from 'node:crypto';

/** A 6-digit code, uniformly distributed, leading zeros kept. */
export function generateEmailCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, '0');
}

/** A 256-bit session token, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

// TOTP (RFC 6238): SHA-1, 6 digits, 30-second steps, what Google Authenticator, Microsoft Authenticator and
// Authy use. The current step and one either side are accepted; a step at or before the last one used is not.
import { generateSecret, generateURI, verify } from 'otplib';

export const TOTP_ISSUER = 'HealthSphere';
const PERIOD_SECONDS = 30;
const SECRET_BYTES = 20; // 160 bits, as RFC 4226 recommends

export function generateTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

export function otpauthUri(email: string, secret: string): string {
  return generateURI({
    issuer: TOTP_ISSUER,
    label: email,
    secret,
    algorithm: 'sha1',
    digits: 6,
    period: PERIOD_SECONDS,
  });
}

/** The base32 key in groups of four, for typing into an app by hand. */
export function groupKey(secret: string): string {
  return secret.match(/.{1,4}/g)!.join(' ');
}

/**
 * Checks a code at `nowMs`. Returns the time step it matched, or null when it is wrong, outside the window,
 * or from a step already used (`afterTimeStep`).
 */
export async function verifyTotp(
  secret: string,
  code: string,
  nowMs: number,
  afterTimeStep: number | null,
): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: PERIOD_SECONDS,
    ...(afterTimeStep != null ? { afterTimeStep } : {}),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

// Password hashing with argon2id. The parameters come from the security settings (OWASP minimum by default:
// 19 MiB, 2 passes, 1 lane); a hash made with weaker parameters is replaced at the next successful sign-in.
import argon2 from 'argon2';

export interface Argon2Params {
  memoryKiB: number;
  iterations: number;
}

export const DEFAULT_ARGON2: Argon2Params = { memoryKiB: 19 * 1024, iterations: 2 };

let verifications = 0;

function options(params: Argon2Params) {
  return { type: argon2.argon2id, memoryCost: params.memoryKiB, timeCost: params.iterations, parallelism: 1 } as const;
}

export function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2): Promise<string> {
  return argon2.hash(password, options(params));
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  verifications++;
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** Whether the hash was made with other parameters than those now in force. */
export function needsRehash(hash: string, params: Argon2Params): boolean {
  try {
    return argon2.needsRehash(hash, options(params));
  } catch {
    return true;
  }
}

/** How many argon2 verifications this process has run: lets tests and benchmarks see the work a flood caused. */
export function passwordVerificationCount(): number {
  return verifications;
}

let dummyHash: Promise<string> | undefined;

/** Makes the dummy hash ahead of the first sign-in, so that sign-in is not the slow one. */
export function prepareDummyHash(): void {
  dummyHash ??= hashPassword('healthsphere-dummy-password-for-timing');
  dummyHash.catch(() => (dummyHash = undefined));
}

/**
 * Spends the same argon2 work as a real verification, for an email that has no account,
 * so the time of an answer does not reveal whether the account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('healthsphere-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}

// The one way a password is checked for a signed-in or signing-in user: behind the workstation's limit and
// the email's lockout and throttle, all decided before any argon2 work.
import type { ErrorCode } from '../../../shared/errors';
import { verifyAgainstDummy, verifyPassword } from '../crypto/password';
import { accountLockedMail } from '../mail/templates';
import {
  checkGuard,
  clearGuard,
  guardKey,
  recordGuardFailure,
  recordWorkstationFailure,
  workstationLimited,
} from '../repositories/sign-in-guards';
import type { UserRow } from '../repositories/users';
import { type CommittedFailure, type HandlerContext, committedFailure } from './handler';

/**
 * Checks a password behind every protection, in this order: the workstation's limit on failures, the email's
 * lockout and throttle (all before any argon2 work), then the password itself. A failure is counted, and the
 * failure that reaches the threshold locks the account, mails its owner and is audited as ACCOUNT_LOCKED.
 * Returns null when the password is right.
 */
export async function guardedPasswordCheck(
  ctx: HandlerContext,
  email: string,
  user: UserRow | undefined,
  password: string,
  wrongPassword: ErrorCode,
): Promise<CommittedFailure | null> {
  const { settings, trx, nowMs } = ctx;
  const sprayWait = await workstationLimited(trx, ctx.workstation, settings, nowMs);
  if (sprayWait !== null) return committedFailure('RATE_LIMITED', { retryAfterSeconds: sprayWait });
  const key = guardKey(ctx.keys.signInGuard, email);
  const verdict = await checkGuard(trx, key, settings, nowMs);
  if (!verdict.allowed) {
    return committedFailure(verdict.reason === 'locked' ? 'ACCOUNT_LOCKED' : 'RATE_LIMITED', {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  // An unknown email costs the same argon2 work and gets the same answer as a wrong password.
  const ok = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDummy(password);
  if (ok) {
    await clearGuard(trx, key);
    return null;
  }
  await recordWorkstationFailure(trx, ctx.workstation, nowMs);
  const failure = await recordGuardFailure(trx, key, settings, nowMs);
  if (!failure.lockedNow) return committedFailure(wrongPassword);
  await ctx.audit({
    action: 'ACCOUNT_LOCKED',
    outcome: 'success',
    actor: { userId: user?.id ?? null, email, role: user?.role ?? null },
    resourceType: 'user',
    resourceId: user?.id ?? null,
    details: { failures: settings.lockoutThreshold, lockoutMinutes: settings.lockoutMinutes },
  });
  if (user) await ctx.queueMail(accountLockedMail(user.email, settings.lockoutMinutes));
  return committedFailure('ACCOUNT_LOCKED', { retryAfterSeconds: settings.lockoutMinutes * 60 });
}

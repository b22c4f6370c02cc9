// The front-desk kiosk's channels (see ../kiosk.ts): its status, an administrator's exit, and going back.
import { keyedHash } from '../crypto/hmac';
import { DomainError } from '../domain-error';
import { KIOSK_SIGN_IN_GRACE_MS, type KioskState } from '../kiosk';
import { endSession } from '../repositories/sessions';
import { checkGuard, clearGuard, recordGuardFailure, recordWorkstationFailure } from '../repositories/sign-in-guards';
import { isTwoFactorEnabled, useBackupCode } from '../repositories/two-factor';
import { type UserRow, findUserByEmail, isActive } from '../repositories/users';
import type { SessionRegistry } from '../session-registry';
import { type Handler, type HandlerContext, committedFailure } from './handler';
import { guardedPasswordCheck } from './password-check';
import { checkTotp } from './two-factor';

/** Only an active administrator with a verified email may end kiosk mode. */
function mayExitKiosk(user: UserRow | undefined): user is UserRow {
  return user !== undefined && isActive(user) && user.role === 'admin' && user.email_verified_at != null;
}

/**
 * Wrong second factors at the kiosk count on their own guard row (throttle and lockout, as for passwords): the
 * right password just cleared the email's row, so counting there would start again from one at every attempt.
 */
function codeGuardKey(ctx: HandlerContext, email: string): string {
  return keyedHash(ctx.keys.signInGuard, `kiosk-second-factor:${email}`);
}

export function kioskHandlers(kiosk: KioskState, registry: SessionRegistry) {
  const status: Handler<'kiosk.status'> = async (ctx) => ({
    enabled: kiosk.enabled,
    active: kiosk.isActive(ctx.caller.id),
    returnsInSeconds: kiosk.returnsInSeconds(ctx.caller.id, ctx.nowMs),
  });

  /**
   * An administrator's email and password, behind every protection of sign-in (the workstation's limit, the
   * email's throttle and lockout, argon2), and their second factor when they have two-step verification: leaving
   * kiosk takes the window out of full screen and lets it be closed, which opens the computer's desktop, so a
   * password seen over a shoulder at a busy desk must not be enough. The exit signs nobody in.
   */
  const exit: Handler<'kiosk.exit'> = async (ctx, input) => {
    if (!kiosk.isActive(ctx.caller.id)) throw new DomainError('FORBIDDEN');
    const user = await findUserByEmail(ctx.trx, input.email);
    ctx.setAuditSubject({
      actor: { userId: user?.id ?? null, email: input.email, role: user?.role ?? null },
      resourceId: user?.id ?? null,
    });
    // Anyone but an active administrator is checked like an unknown email: the same argon2 work, the same
    // answer as a wrong password (the kiosk does not tell who is an administrator), and a failure counted
    // towards the lockout of that email and the workstation's limit.
    const eligible = mayExitKiosk(user);
    const refused = await guardedPasswordCheck(
      ctx,
      input.email,
      eligible ? user : undefined,
      input.password,
      'INVALID_CREDENTIALS',
    );
    if (refused) {
      if (!eligible) ctx.setAuditSubject({ details: { refused: 'not an active administrator' } });
      return refused;
    }
    if (!eligible) throw new Error('unreachable: a password matched without an eligible account');

    const twoFactor = await isTwoFactorEnabled(ctx.trx, user.id);
    if (twoFactor) {
      const key = codeGuardKey(ctx, user.email);
      const verdict = await checkGuard(ctx.trx, key, ctx.settings, ctx.nowMs);
      if (!verdict.allowed) {
        return committedFailure(verdict.reason === 'locked' ? 'ACCOUNT_LOCKED' : 'RATE_LIMITED', {
          retryAfterSeconds: verdict.retryAfterSeconds,
        });
      }
      if (!input.code) {
        return committedFailure('TWO_FACTOR_REQUIRED', {
          fields: { code: 'Enter the code from your authenticator app, or a backup code.' },
        });
      }
      const ok = /^\d{6}$/.test(input.code)
        ? await checkTotp(ctx, user.id, input.code)
        : await useBackupCode(ctx.trx, ctx.keys.backupCode, user.id, input.code, ctx.nowMs);
      if (!ok) {
        await recordWorkstationFailure(ctx.trx, ctx.workstation, ctx.nowMs);
        const failure = await recordGuardFailure(ctx.trx, key, ctx.settings, ctx.nowMs);
        ctx.setAuditSubject({ details: { secondFactor: 'wrong' } });
        return failure.lockedNow
          ? committedFailure('ACCOUNT_LOCKED', { retryAfterSeconds: ctx.settings.lockoutMinutes * 60 })
          : committedFailure('INVALID_TWO_FACTOR_CODE', { fields: { code: 'This code is not valid.' } });
      }
      await clearGuard(ctx.trx, key);
    }
    ctx.setAuditSubject({
      details: { twoFactor, signInWithinSeconds: KIOSK_SIGN_IN_GRACE_MS / 1000 },
    });
    ctx.afterCommit(() => kiosk.suspend(ctx.caller.id, user.id, ctx.nowMs));
    return { returnsInSeconds: KIOSK_SIGN_IN_GRACE_MS / 1000 };
  };

  /** "Return to kiosk": anyone may (it only takes rights away); the window's session, if any, ends with it. */
  const enter: Handler<'kiosk.enter'> = async (ctx) => {
    if (!kiosk.enabled) throw new DomainError('FORBIDDEN');
    if (kiosk.isActive(ctx.caller.id)) {
      ctx.setAuditSubject({ details: { reason: 'requested', alreadyInKiosk: true } });
      return { active: true };
    }
    const { session } = ctx;
    if (session) {
      await endSession(ctx.trx, session.id, 'logout', ctx.nowMs);
      ctx.afterCommit(() => void registry.forget(ctx.caller.id));
    }
    ctx.setAuditSubject({ resourceId: session?.id ?? null, details: { reason: 'requested', sessionEnded: !!session } });
    ctx.afterCommit(() => void kiosk.resume(ctx.caller.id));
    return { active: true };
  };

  return { status, exit, enter };
}

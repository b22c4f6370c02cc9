// Two-step verification: enrollment with a QR code, sign-in with a code or a backup code, new backup codes,
// turning it off, and an admin's reset. A time step is never accepted twice.
import QRCode from 'qrcode';
import { BACKUP_CODES_PER_SET } from '../crypto/backup-codes';
import { generateTotpSecret, groupKey, otpauthUri, verifyTotp } from '../crypto/totp';
import { DomainError } from '../domain-error';
import { twoFactorNoticeMail } from '../mail/templates';
import {
  TWO_FACTOR_MAX_FAILURES,
  completeTwoFactor,
  endSession,
  endSessionsOfUser,
  recordTwoFactorFailure,
} from '../repositories/sessions';
import {
  claimTimeStep,
  enableTwoFactor,
  findTwoFactor,
  remainingBackupCodes,
  removeTwoFactor,
  replaceBackupCodes,
  startEnrollment,
  useBackupCode,
} from '../repositories/two-factor';
import { findUserByEmail, findUserById } from '../repositories/users';
import type { SessionRegistry } from '../session-registry';
import { type Handler, type HandlerContext, committedFailure } from './handler';
import { guardedPasswordCheck } from './password-check';

/** Whether the user's role must use two-step verification under the settings in force. */
export function roleRequiresTwoFactor(ctx: HandlerContext, role: string): boolean {
  return (ctx.settings.twoFactorRequiredRoles as string[]).includes(role);
}

/** Checks a current TOTP code of an enabled (or enrolling) secret and claims its time step. */
export async function checkTotp(
  ctx: HandlerContext,
  userId: number,
  code: string,
  requireEnabled = true,
): Promise<boolean> {
  const record = await findTwoFactor(ctx.trx, ctx.keys.totpSecret, userId);
  if (!record || (requireEnabled && !record.enabled)) return false;
  const step = await verifyTotp(record.secret, code, ctx.nowMs, record.lastUsedStep);
  return step !== null && (await claimTimeStep(ctx.trx, userId, step));
}

export function twoFactorHandlers(registry: SessionRegistry) {
  /** A wrong code on a pending sign-in: after the fifth, the pending sign-in ends. */
  async function failPending(ctx: HandlerContext) {
    const session = ctx.session!;
    const failures = await recordTwoFactorFailure(ctx.trx, session.id);
    if (failures >= TWO_FACTOR_MAX_FAILURES) {
      await endSession(ctx.trx, session.id, 'expired', ctx.nowMs);
      ctx.afterCommit(() => void registry.forget(ctx.caller.id));
      ctx.setAuditSubject({ details: { failures, signInEnded: true } });
      return committedFailure('SESSION_EXPIRED');
    }
    ctx.setAuditSubject({ details: { failures } });
    return committedFailure('INVALID_TWO_FACTOR_CODE');
  }

  const status: Handler<'twoFactor.status'> = async (ctx) => {
    const user = ctx.session!.user;
    const record = await findTwoFactor(ctx.trx, ctx.keys.totpSecret, user.id);
    return {
      enabled: record?.enabled ?? false,
      required: roleRequiresTwoFactor(ctx, user.role),
      backupCodesRemaining: record?.enabled ? await remainingBackupCodes(ctx.trx, user.id) : 0,
    };
  };

  const beginEnrollment: Handler<'twoFactor.beginEnrollment'> = async (ctx) => {
    const user = ctx.session!.user;
    const existing = await findTwoFactor(ctx.trx, ctx.keys.totpSecret, user.id);
    if (existing?.enabled) throw new DomainError('FORBIDDEN');
    const secret = generateTotpSecret();
    await startEnrollment(ctx.trx, ctx.keys.totpSecret, user.id, secret, ctx.nowMs);
    const uri = otpauthUri(user.email, secret);
    // Drawn in memory and handed to the screen: the QR code is never written to disk.
    const qrCodeDataUrl = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
    return { otpauthUri: uri, qrCodeDataUrl, manualKey: groupKey(secret) };
  };

  const confirmEnrollment: Handler<'twoFactor.confirmEnrollment'> = async (ctx, input) => {
    const session = ctx.session!;
    const record = await findTwoFactor(ctx.trx, ctx.keys.totpSecret, session.user.id);
    if (!record || record.enabled) throw new DomainError('FORBIDDEN');
    if (!(await checkTotp(ctx, session.user.id, input.code, false))) return committedFailure('INVALID_TWO_FACTOR_CODE');
    await enableTwoFactor(ctx.trx, session.user.id, ctx.nowMs);
    const backupCodes = await replaceBackupCodes(ctx.trx, ctx.keys.backupCode, session.user.id, ctx.nowMs);
    if (session.twoFactorState !== 'complete') await completeTwoFactor(ctx.trx, session.id, ctx.nowMs);
    await ctx.queueMail(twoFactorNoticeMail(session.user.email, 'enabled'));
    ctx.setAuditSubject({ resourceId: session.user.id, details: { backupCodes: BACKUP_CODES_PER_SET } });
    return { backupCodes };
  };

  const verify: Handler<'twoFactor.verify'> = async (ctx, input) => {
    const session = ctx.session!;
    if (!(await checkTotp(ctx, session.user.id, input.code))) return failPending(ctx);
    await completeTwoFactor(ctx.trx, session.id, ctx.nowMs);
    return { user: session.user };
  };

  const useBackup: Handler<'twoFactor.useBackupCode'> = async (ctx, input) => {
    const session = ctx.session!;
    if (!(await useBackupCode(ctx.trx, ctx.keys.backupCode, session.user.id, input.code, ctx.nowMs)))
      return failPending(ctx);
    await completeTwoFactor(ctx.trx, session.id, ctx.nowMs);
    const remaining = await remainingBackupCodes(ctx.trx, session.user.id);
    await ctx.queueMail(twoFactorNoticeMail(session.user.email, 'backup_code_used', remaining));
    ctx.setAuditSubject({ details: { backupCodesRemaining: remaining } });
    return { user: session.user, backupCodesRemaining: remaining };
  };

  const regenerateBackupCodes: Handler<'twoFactor.regenerateBackupCodes'> = async (ctx, input) => {
    const user = ctx.session!.user;
    if (!(await checkTotp(ctx, user.id, input.code))) return committedFailure('INVALID_TWO_FACTOR_CODE');
    const backupCodes = await replaceBackupCodes(ctx.trx, ctx.keys.backupCode, user.id, ctx.nowMs);
    await ctx.queueMail(twoFactorNoticeMail(user.email, 'backup_codes_regenerated'));
    return { backupCodes };
  };

  const disable: Handler<'twoFactor.disable'> = async (ctx, input) => {
    const user = ctx.session!.user;
    if (roleRequiresTwoFactor(ctx, user.role)) throw new DomainError('TWO_FACTOR_ENFORCED');
    const row = await findUserById(ctx.trx, user.id);
    const refused = await guardedPasswordCheck(ctx, user.email, row, input.password, 'PASSWORD_MISMATCH');
    if (refused) {
      return refused.code === 'PASSWORD_MISMATCH'
        ? committedFailure('PASSWORD_MISMATCH', { fields: { password: 'This is not your password.' } })
        : refused;
    }
    if (!(await checkTotp(ctx, user.id, input.code))) return committedFailure('INVALID_TWO_FACTOR_CODE');
    await removeTwoFactor(ctx.trx, user.id);
    await ctx.queueMail(twoFactorNoticeMail(user.email, 'disabled'));
    return { disabled: true };
  };

  const adminReset: Handler<'users.resetTwoFactor'> = async (ctx, input) => {
    const user = await findUserByEmail(ctx.trx, input.email);
    if (!user) return { reset: false };
    const removed = await removeTwoFactor(ctx.trx, user.id);
    // Whoever is signed in as that user signs in again, and enrolls again if their role requires it.
    const ended = await endSessionsOfUser(ctx.trx, user.id, 'account_changed', ctx.nowMs);
    ctx.setAuditSubject({
      resourceId: user.id,
      details: { email: user.email, hadTwoFactor: removed, sessionsEnded: ended },
    });
    if (removed) await ctx.queueMail(twoFactorNoticeMail(user.email, 'reset'));
    return { reset: removed };
  };

  return { status, beginEnrollment, confirmEnrollment, verify, useBackup, regenerateBackupCodes, disable, adminReset };
}

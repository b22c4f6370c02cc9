// Patient self-registration, email verification, new codes and password reset, plus accounts made by the
// admin command line. No answer here reveals whether an email has an account.
import type { Knex } from 'knex';
import { passwordProblem, type PasswordPolicy } from '../../../shared/password-policy';
import type { Role } from '../../../shared/roles';
import type { SecuritySettings } from '../../../shared/settings';
import { type AuditStamp, writeAuditEvent } from '../audit/audit-writer';
import type { DerivedKeys } from '../crypto/keys';
import { hashPassword } from '../crypto/password';
import { DomainError } from '../domain-error';
import {
  passwordChangedMail,
  passwordResetCodeMail,
  registrationAttemptMail,
  verificationCodeMail,
  welcomeMail,
} from '../mail/templates';
import { type CodePurpose, consumeCode, countCodeFailure, issueCode, mayIssueCode } from '../repositories/email-codes';
import { isTwoFactorEnabled, useBackupCode } from '../repositories/two-factor';
import { writeProfile } from '../repositories/profiles';
import { endSessionsOfUser } from '../repositories/sessions';
import { clearGuard, guardKey } from '../repositories/sign-in-guards';
import { findUserByEmail, insertUser, isActive, markEmailVerified, setPassword } from '../repositories/users';
import { type Handler, type HandlerContext, committedFailure } from './handler';
import { checkTotp } from './two-factor';
import { NO_PASSWORD_YET } from './users-admin';

export function passwordPolicyOf(settings: SecuritySettings): PasswordPolicy {
  return { minLength: settings.passwordMinLength, requireComposition: settings.passwordRequireComposition };
}

export function argon2Of(settings: SecuritySettings) {
  return { memoryKiB: settings.argon2MemoryKiB, iterations: settings.argon2Iterations };
}

/** Refuses a new password that breaks the policy, naming the field it came from. */
export function assertPasswordPolicy(
  password: string,
  context: { email?: string; firstName?: string; lastName?: string },
  settings: SecuritySettings,
  field = 'password',
): void {
  const problem = passwordProblem(password, context, passwordPolicyOf(settings));
  if (problem) throw new DomainError('WEAK_PASSWORD', { [field]: problem });
}

/** Mails a fresh code unless the account had one too recently or too often. */
async function sendCode(ctx: HandlerContext, user: { id: number; email: string }, purpose: CodePurpose): Promise<void> {
  const { settings } = ctx;
  if (!(await mayIssueCode(ctx.trx, user.id, purpose, settings, ctx.nowMs))) return;
  const validMs = settings.codeValidMinutes * 60_000;
  const code = await issueCode(ctx.trx, ctx.keys.emailCode, user.id, purpose, validMs, ctx.nowMs);
  const mail =
    purpose === 'verify_email'
      ? verificationCodeMail(user.email, code, settings.codeValidMinutes)
      : passwordResetCodeMail(user.email, code, settings.codeValidMinutes);
  await ctx.queueMail(mail);
}

export const passwordPolicy: Handler<'account.passwordPolicy'> = async (ctx) => passwordPolicyOf(ctx.settings);

export const register: Handler<'account.register'> = async (ctx, input) => {
  assertPasswordPolicy(input.password, input, ctx.settings);
  // Hash before looking the email up, so both answers below cost the same argon2 work.
  const passwordHash = await hashPassword(input.password, argon2Of(ctx.settings));
  const existing = await findUserByEmail(ctx.trx, input.email);
  if (existing) {
    // Same answer as a new registration: the response never says the address is taken. Its owner hears of it by mail.
    ctx.setAuditSubject({ resourceId: existing.id, details: { existingAccount: true } });
    if (existing.email_verified_at == null) {
      await sendCode(ctx, existing, 'verify_email');
    } else {
      await ctx.queueMail(registrationAttemptMail(existing.email));
    }
    return { email: input.email };
  }
  const userId = await insertUser(
    ctx.trx,
    ctx.keys.signInGuard,
    {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      role: 'patient',
      passwordHash,
      emailVerifiedAt: null,
    },
    ctx.nowMs,
  );
  if (userId === null) return { email: input.email }; // taken by a concurrent registration a moment ago
  ctx.setAuditSubject({ actor: { userId, email: input.email, role: 'patient' }, resourceId: userId });
  // The phone is PHI once linked to a clinic's patient: it lives encrypted in the profile.
  await writeProfile(ctx.trx, ctx.keys, userId, { phi: { phone: input.phone } }, ctx.nowMs);
  await sendCode(ctx, { id: userId, email: input.email }, 'verify_email');
  return { email: input.email };
};

export const verifyEmail: Handler<'account.verifyEmail'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  if (!user) return committedFailure('INVALID_CODE');
  ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
  const ok = await consumeCode(
    ctx.trx,
    ctx.keys.emailCode,
    user.id,
    'verify_email',
    input.code,
    ctx.settings.codeMaxAttempts,
    ctx.nowMs,
  );
  if (!ok) return committedFailure('INVALID_CODE');
  const firstVerification = user.email_verified_at == null;
  await markEmailVerified(ctx.trx, user.id, ctx.nowMs);
  // A patient's account is ready once the address is confirmed; staff are invited and never come this way.
  if (firstVerification && user.role === 'patient') await ctx.queueMail(welcomeMail(user.email, 'patient'));
  return { verified: true };
};

export const resendCode: Handler<'account.resendCode'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  // Unknown and already verified addresses get the same answer, and no mail.
  if (user && user.email_verified_at == null) {
    ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
    await sendCode(ctx, user, 'verify_email');
  }
  return { email: input.email };
};

export const requestPasswordReset: Handler<'account.requestPasswordReset'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  // An unknown or deactivated address gets the same answer, and no mail.
  if (user && isActive(user)) {
    ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
    await sendCode(ctx, user, 'reset_password');
  } else {
    ctx.setAuditSubject({ actor: { userId: null, email: input.email, role: null } });
  }
  return { email: input.email };
};

export const resetPassword: Handler<'account.resetPassword'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  // The policy first: a refused password must not spend the code.
  assertPasswordPolicy(
    input.newPassword,
    { email: input.email, firstName: user?.first_name, lastName: user?.last_name },
    ctx.settings,
    'newPassword',
  );
  if (!user || !isActive(user)) return committedFailure('INVALID_CODE');
  ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
  const codeArgs = [
    ctx.trx,
    ctx.keys.emailCode,
    user.id,
    'reset_password',
    input.code,
    ctx.settings.codeMaxAttempts,
    ctx.nowMs,
  ] as const;
  if (await isTwoFactorEnabled(ctx.trx, user.id)) {
    // The mailbox alone is not enough when the account has 2FA: the code is checked, then the second factor,
    // and only then spent. A wrong second factor counts against the emailed code's attempts.
    if (!(await consumeCode(...codeArgs, false))) return committedFailure('INVALID_CODE');
    if (!input.secondFactor) return committedFailure('TWO_FACTOR_REQUIRED');
    const secondOk = /^\d{6}$/.test(input.secondFactor)
      ? await checkTotp(ctx, user.id, input.secondFactor)
      : await useBackupCode(ctx.trx, ctx.keys.backupCode, user.id, input.secondFactor, ctx.nowMs);
    if (!secondOk) {
      await countCodeFailure(ctx.trx, user.id, 'reset_password');
      return committedFailure('INVALID_TWO_FACTOR_CODE');
    }
  }
  if (!(await consumeCode(...codeArgs))) return committedFailure('INVALID_CODE');
  // An invited staff member choosing their first password: the account is ready, and nothing was "changed".
  const firstPassword = user.password_hash === NO_PASSWORD_YET;
  await setPassword(ctx.trx, user.id, await hashPassword(input.newPassword, argon2Of(ctx.settings)), ctx.nowMs);
  // The code came to this mailbox, so the address is proven; a temporary lockout ends; every session ends.
  await markEmailVerified(ctx.trx, user.id, ctx.nowMs);
  await clearGuard(ctx.trx, guardKey(ctx.keys.signInGuard, user.email));
  const ended = await endSessionsOfUser(ctx.trx, user.id, 'password_reset', ctx.nowMs);
  ctx.setAuditSubject({ details: { sessionsEnded: ended } });
  await ctx.queueMail(firstPassword ? welcomeMail(user.email, 'staff') : passwordChangedMail(user.email, 'reset'));
  return { reset: true };
};

export interface StaffAccount {
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  role: Role;
}

/** Creates a verified staff account from the admin command line; audited as the command line's act. */
export async function createStaffAccount(
  knex: Knex,
  stamp: () => AuditStamp,
  settings: SecuritySettings,
  keys: DerivedKeys,
  account: StaffAccount,
): Promise<number> {
  assertPasswordPolicy(account.password, account, settings);
  const passwordHash = await hashPassword(account.password, argon2Of(settings));
  return knex.transaction(async (trx) => {
    const s = stamp();
    const id = await insertUser(
      trx,
      keys.signInGuard,
      {
        ...account,
        passwordHash,
        emailVerifiedAt: s.nowMs,
      },
      s.nowMs,
    );
    if (id === null)
      throw new DomainError('INVALID_INPUT', { email: 'An account with this email address already exists.' });
    await writeAuditEvent(trx, s, {
      action: 'USER_CREATED',
      outcome: 'success',
      channel: 'cli.create-admin',
      actor: { userId: null, email: null, role: null },
      resourceType: 'user',
      resourceId: id,
      details: { role: account.role, via: 'healthsphere-admin' },
    });
    return id;
  });
}

// Patient self-registration, email verification and new codes, plus accounts made by the admin command line.
import type { Knex } from 'knex';
import { passwordProblem } from '../../../shared/password-policy';
import type { Role } from '../../../shared/roles';
import { type AuditStamp, writeAuditEvent } from '../audit/audit-writer';
import { hashPassword } from '../crypto/password';
import { DomainError } from '../domain-error';
import { registrationAttemptMail, verificationCodeMail } from '../mail/templates';
import {
  CODE_RESEND_INTERVAL_MS,
  CODE_VALID_MS,
  consumeCode,
  issueCode,
  lastCodeIssuedAt,
} from '../repositories/email-codes';
import { findUserByEmail, insertUser, markEmailVerified } from '../repositories/users';
import { type Handler, type HandlerContext, committedFailure } from './handler';

function weakPassword(reason: string): DomainError {
  return new DomainError('WEAK_PASSWORD', { password: reason });
}

/** Mails a fresh verification code unless one went out less than a minute ago. */
async function sendVerificationCode(ctx: HandlerContext, user: { id: number; email: string }): Promise<void> {
  const last = await lastCodeIssuedAt(ctx.trx, user.id, 'verify_email');
  if (last !== null && ctx.nowMs - last < CODE_RESEND_INTERVAL_MS) return;
  const code = await issueCode(ctx.trx, ctx.keys.emailCode, user.id, 'verify_email', ctx.nowMs);
  await ctx.queueMail(verificationCodeMail(user.email, code, CODE_VALID_MS / 60_000));
}

export const register: Handler<'account.register'> = async (ctx, input) => {
  const problem = passwordProblem(input.password, input);
  if (problem) throw weakPassword(problem);
  // Hash before looking the email up, so both answers below cost the same argon2 work.
  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(ctx.trx, input.email);
  if (existing) {
    // Same answer as a new registration: the response never says the address is taken. Its owner hears of it by mail.
    ctx.setAuditSubject({ resourceId: existing.id, details: { existingAccount: true } });
    if (existing.email_verified_at == null) {
      await sendVerificationCode(ctx, existing);
    } else {
      await ctx.queueMail(registrationAttemptMail(existing.email));
    }
    return { email: input.email };
  }
  const userId = await insertUser(
    ctx.trx,
    {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone === '' ? null : input.phone,
      role: 'patient',
      passwordHash,
      emailVerifiedAt: null,
    },
    ctx.nowMs,
  );
  if (userId === null) return { email: input.email }; // taken by a concurrent registration a moment ago
  ctx.setAuditSubject({ actor: { userId, email: input.email, role: 'patient' }, resourceId: userId });
  await sendVerificationCode(ctx, { id: userId, email: input.email });
  return { email: input.email };
};

export const verifyEmail: Handler<'account.verifyEmail'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  if (!user) return committedFailure('INVALID_CODE');
  ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
  const ok = await consumeCode(ctx.trx, ctx.keys.emailCode, user.id, 'verify_email', input.code, ctx.nowMs);
  if (!ok) return committedFailure('INVALID_CODE');
  await markEmailVerified(ctx.trx, user.id, ctx.nowMs);
  return { verified: true };
};

export const resendCode: Handler<'account.resendCode'> = async (ctx, input) => {
  const user = await findUserByEmail(ctx.trx, input.email);
  // Unknown and already verified addresses get the same answer, and no mail.
  if (user && user.email_verified_at == null) {
    ctx.setAuditSubject({ actor: { userId: user.id, email: user.email, role: user.role }, resourceId: user.id });
    await sendVerificationCode(ctx, user);
  }
  return { email: input.email };
};

export interface StaffAccount {
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  role: Role;
}

/** Creates a verified staff account from the admin command line; audited as the command line's act. */
export async function createStaffAccount(knex: Knex, stamp: () => AuditStamp, account: StaffAccount): Promise<number> {
  const problem = passwordProblem(account.password, account);
  if (problem) throw weakPassword(problem);
  const passwordHash = await hashPassword(account.password);
  return knex.transaction(async (trx) => {
    const s = stamp();
    const id = await insertUser(trx, { ...account, phone: null, passwordHash, emailVerifiedAt: s.nowMs }, s.nowMs);
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

// User administration: list and filter with keyset pagination, invite staff, change role, deactivate and
// reactivate, require a new password, see and end sessions. The last active admin always stays.
import type { Knex } from 'knex';
import { DomainError } from '../domain-error';
import { invitationMail } from '../mail/templates';
import { issueCode } from '../repositories/email-codes';
import { endSession, endSessionsOfUser, openSessionsOfUser } from '../repositories/sessions';
import { findUserByEmail, findUserById, insertUser, isActive, startsWithAny } from '../repositories/users';
import type { Handler, HandlerContext } from './handler';
import { isPostgres } from '../db/connection';

/** An invitation stays valid longer than a reset code: the person may read the mail days later. */
export const INVITATION_VALID_MS = 72 * 60 * 60_000;
/** Matches no argon2 hash: an invited account cannot sign in until its person chooses a password. */
export const NO_PASSWORD_YET = '!invited';

async function userOr404(ctx: HandlerContext, userId: number) {
  const user = await findUserById(ctx.trx, userId);
  if (!user) throw new DomainError('NOT_FOUND');
  return user;
}

/**
 * How many active admins there are, with their rows locked on PostgreSQL so two admins demoting each other
 * at once cannot both succeed.
 */
async function activeAdminCount(trx: Knex.Transaction): Promise<number> {
  const query = trx('users').where({ role: 'admin', is_active: true }).select('id');
  const rows = (isPostgres(trx) ? await query.forUpdate() : await query) as unknown[];
  return rows.length;
}

export const listUsers: Handler<'users.list'> = async (ctx, input) => {
  const after = input.cursor ? Number.parseInt(input.cursor, 10) : 0;
  if (!Number.isSafeInteger(after) || after < 0)
    throw new DomainError('INVALID_INPUT', { cursor: 'This list position is not valid.' });
  const query = ctx
    .trx('users')
    .leftJoin('sign_in_guards', 'sign_in_guards.email_hash', 'users.guard_key')
    .leftJoin('two_factor', 'two_factor.user_id', 'users.id')
    .where('users.id', '>', after)
    .orderBy('users.id', 'asc')
    .limit(input.limit + 1)
    .select(
      'users.id',
      'users.email',
      'users.first_name',
      'users.last_name',
      'users.role',
      'users.is_active',
      'users.email_verified_at',
      'users.must_change_password',
      'sign_in_guards.locked_until',
      'two_factor.enabled_at',
    );
  if (input.role) query.where('users.role', input.role);
  if (input.status !== 'all') query.where('users.is_active', input.status === 'active');
  if (input.locked === true) query.where('sign_in_guards.locked_until', '>', ctx.nowMs);
  if (input.locked === false)
    query.where((q) =>
      q.whereNull('sign_in_guards.locked_until').orWhere('sign_in_guards.locked_until', '<=', ctx.nowMs),
    );
  if (input.twoFactor === 'enrolled') query.whereNotNull('two_factor.enabled_at');
  if (input.twoFactor === 'not_enrolled') query.whereNull('two_factor.enabled_at');
  if (input.search) startsWithAny(query, ['users.email', 'users.first_name', 'users.last_name'], input.search);
  const rows = (await query) as Array<{
    id: number;
    email: string;
    first_name: string;
    last_name: string;
    role: 'admin' | 'doctor' | 'nurse' | 'patient';
    is_active: boolean | number;
    email_verified_at: number | null;
    must_change_password: boolean | number;
    locked_until: number | null;
    enabled_at: number | null;
  }>;
  const page = rows.slice(0, input.limit);
  ctx.setAuditSubject({ details: { results: page.length } });
  return {
    users: page.map((r) => ({
      id: r.id,
      email: r.email,
      firstName: r.first_name,
      lastName: r.last_name,
      role: r.role,
      active: r.is_active === true || r.is_active === 1,
      emailVerified: r.email_verified_at != null,
      locked: r.locked_until != null && r.locked_until > ctx.nowMs,
      twoFactorEnabled: r.enabled_at != null,
      mustChangePassword: r.must_change_password === true || r.must_change_password === 1,
    })),
    nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.id) : null,
  };
};

export const createUser: Handler<'users.create'> = async (ctx, input) => {
  if (await findUserByEmail(ctx.trx, input.email)) {
    // Admins may know which addresses have accounts: they manage them.
    throw new DomainError('INVALID_INPUT', { email: 'An account with this email address already exists.' });
  }
  const userId = await insertUser(
    ctx.trx,
    ctx.keys.signInGuard,
    {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      role: input.role,
      passwordHash: NO_PASSWORD_YET,
      emailVerifiedAt: null,
    },
    ctx.nowMs,
  );
  if (userId === null)
    throw new DomainError('INVALID_INPUT', { email: 'An account with this email address already exists.' });
  // The invitation is a password-setting code: the person chooses their own password with it.
  const code = await issueCode(ctx.trx, ctx.keys.emailCode, userId, 'reset_password', INVITATION_VALID_MS, ctx.nowMs);
  await ctx.queueMail(invitationMail(input.email, code, INVITATION_VALID_MS / 3_600_000));
  ctx.setAuditSubject({ resourceId: userId, details: { role: input.role, email: input.email } });
  return { userId };
};

export const changeRole: Handler<'users.changeRole'> = async (ctx, input) => {
  const user = await userOr404(ctx, input.userId);
  const me = ctx.session!.user;
  if (user.id === me.id && input.role !== user.role) {
    throw new DomainError('FORBIDDEN', { role: 'You cannot change your own role. Ask another administrator.' });
  }
  if (user.role === 'admin' && input.role !== 'admin' && isActive(user) && (await activeAdminCount(ctx.trx)) <= 1) {
    throw new DomainError('LAST_ADMIN');
  }
  await ctx.trx('users').where({ id: user.id }).update({ role: input.role, updated_at: ctx.nowMs });
  // The person signs in again under the new role (and enrolls in 2FA if it now requires it).
  const ended = await endSessionsOfUser(ctx.trx, user.id, 'account_changed', ctx.nowMs);
  ctx.setAuditSubject({ resourceId: user.id, details: { from: user.role, to: input.role, sessionsEnded: ended } });
  return { role: input.role };
};

export const deactivateUser: Handler<'users.deactivate'> = async (ctx, input) => {
  const user = await userOr404(ctx, input.userId);
  // The command line acts without a session (and so as no user): only the last-admin rule applies to it.
  if (ctx.session && user.id === ctx.session.user.id)
    throw new DomainError('FORBIDDEN', { userId: 'You cannot deactivate your own account.' });
  if (user.role === 'admin' && isActive(user) && (await activeAdminCount(ctx.trx)) <= 1)
    throw new DomainError('LAST_ADMIN');
  await ctx.trx('users').where({ id: user.id }).update({ is_active: false, updated_at: ctx.nowMs });
  const ended = await endSessionsOfUser(ctx.trx, user.id, 'account_changed', ctx.nowMs);
  ctx.setAuditSubject({ resourceId: user.id, details: { sessionsEnded: ended } });
  return { active: false };
};

export const reactivateUser: Handler<'users.reactivate'> = async (ctx, input) => {
  const user = await userOr404(ctx, input.userId);
  await ctx.trx('users').where({ id: user.id }).update({ is_active: true, updated_at: ctx.nowMs });
  ctx.setAuditSubject({ resourceId: user.id });
  return { active: true };
};

export const requirePasswordChange: Handler<'users.requirePasswordChange'> = async (ctx, input) => {
  const user = await userOr404(ctx, input.userId);
  await ctx.trx('users').where({ id: user.id }).update({ must_change_password: true, updated_at: ctx.nowMs });
  ctx.setAuditSubject({ resourceId: user.id });
  return { required: true };
};

export const userSessions: Handler<'users.sessions'> = async (ctx, input) => {
  const user = await userOr404(ctx, input.userId);
  ctx.setAuditSubject({ resourceId: user.id });
  const rows = await openSessionsOfUser(ctx.trx, user.id, ctx.nowMs);
  return {
    sessions: rows.map((r) => ({
      id: r.id,
      workstation: r.workstation ?? 'unknown workstation',
      startedAt: r.created_at,
      lastActiveAt: r.last_seen_at,
    })),
  };
};

export const endUserSession: Handler<'users.endSession'> = async (ctx, input) => {
  const row = (await ctx.trx('sessions').where({ id: input.sessionId }).whereNull('ended_at').first('user_id')) as
    { user_id: number } | undefined;
  if (!row) return { ended: false };
  await endSession(ctx.trx, input.sessionId, 'account_changed', ctx.nowMs);
  ctx.setAuditSubject({ resourceId: input.sessionId, details: { userId: row.user_id } });
  return { ended: true };
};

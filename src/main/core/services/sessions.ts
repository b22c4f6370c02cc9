// Sign-in with its protections, the current session, the idle lock, sign-out, password change and the
// user's list of sessions.
import { keyedHash } from '../crypto/hmac';
import { hashPassword, needsRehash } from '../crypto/password';
import { generateToken } from '../crypto/random';
import { DomainError } from '../domain-error';
import { passwordChangedMail } from '../mail/templates';
import {
  type TwoFactorSessionState,
  endSession,
  endSessionsOfUser,
  REAUTH_WINDOW_MS,
  insertSession,
  markAuthenticated,
  openSessionsOfUser,
  unlockSession,
} from '../repositories/sessions';
import { isTwoFactorEnabled } from '../repositories/two-factor';
import { findUserById, findUserByEmail, isActive, setPassword, toSessionUser } from '../repositories/users';
import type { SessionRegistry } from '../session-registry';
import { argon2Of, assertPasswordPolicy } from './accounts';
import { type Handler, committedFailure } from './handler';
import { guardedPasswordCheck } from './password-check';
import { roleRequiresTwoFactor } from './two-factor';

export function sessionHandlers(registry: SessionRegistry) {
  const signIn: Handler<'session.signIn'> = async (ctx, input) => {
    const user = await findUserByEmail(ctx.trx, input.email);
    ctx.setAuditSubject({
      actor: { userId: user?.id ?? null, email: input.email, role: user?.role ?? null },
      resourceId: user?.id ?? null,
    });
    const refused = await guardedPasswordCheck(ctx, input.email, user, input.password, 'INVALID_CREDENTIALS');
    if (refused) return refused;
    if (!user) throw new Error('unreachable: a password matched without an account');
    if (!isActive(user)) return committedFailure('ACCOUNT_DISABLED');
    if (user.email_verified_at == null) return committedFailure('EMAIL_NOT_VERIFIED');

    const argon2 = argon2Of(ctx.settings);
    if (needsRehash(user.password_hash, argon2)) {
      await setPassword(ctx.trx, user.id, await hashPassword(input.password, argon2), ctx.nowMs);
    }
    if (ctx.session) await endSession(ctx.trx, ctx.session.id, 'replaced', ctx.nowMs);
    const token = generateToken();
    const tokenHash = keyedHash(ctx.keys.sessionToken, token);
    // With 2FA the password alone opens only a pending sign-in; a role that requires 2FA without it must enroll.
    const twoFactor: TwoFactorSessionState = (await isTwoFactorEnabled(ctx.trx, user.id))
      ? 'pending'
      : roleRequiresTwoFactor(ctx, user.role)
        ? 'enroll'
        : 'complete';
    const sessionId = await insertSession(
      ctx.trx,
      user,
      tokenHash,
      ctx.workstation,
      ctx.settings,
      twoFactor,
      ctx.nowMs,
    );
    ctx.setAuditSubject({ resourceId: sessionId, sessionTokenHash: tokenHash, details: { twoFactor } });
    ctx.afterCommit(() => registry.set(ctx.caller.id, token));
    return {
      user: toSessionUser(user),
      twoFactor,
      mustChangePassword: user.must_change_password === true || user.must_change_password === 1,
    };
  };

  const current: Handler<'session.current'> = async (ctx) => {
    const { session } = ctx;
    if (!session)
      return { user: null, locked: false, idleLockInSeconds: null, twoFactor: null, mustChangePassword: false };
    return {
      user: session.user,
      twoFactor: session.twoFactorState,
      mustChangePassword: session.mustChangePassword,
      locked: ctx.sessionLocked,
      ...(ctx.sessionLocked ? { lockReason: registry.lockReasonOf(ctx.caller.id) } : {}),
      idleLockInSeconds: ctx.sessionLocked ? null : Math.max(0, Math.ceil((session.idleLockAt - ctx.nowMs) / 1000)),
    };
  };

  const unlock: Handler<'session.unlock'> = async (ctx, input) => {
    const session = ctx.session!;
    const user = await findUserById(ctx.trx, session.user.id);
    const refused = await guardedPasswordCheck(ctx, session.user.email, user, input.password, 'PASSWORD_MISMATCH');
    if (refused) return refused;
    await unlockSession(ctx.trx, session.id, ctx.nowMs);
    return { user: session.user };
  };

  const signOut: Handler<'session.signOut'> = async (ctx) => {
    const session = ctx.session!;
    await endSession(ctx.trx, session.id, 'logout', ctx.nowMs);
    ctx.afterCommit(() => void registry.forget(ctx.caller.id));
    return { signedOut: true };
  };

  const changePassword: Handler<'session.changePassword'> = async (ctx, input) => {
    const session = ctx.session!;
    const user = (await findUserById(ctx.trx, session.user.id))!;
    assertPasswordPolicy(
      input.newPassword,
      { email: user.email, firstName: user.first_name, lastName: user.last_name },
      ctx.settings,
      'newPassword',
    );
    if (input.newPassword === input.currentPassword) {
      throw new DomainError('WEAK_PASSWORD', { newPassword: 'Choose a password different from your current one.' });
    }
    const refused = await guardedPasswordCheck(ctx, user.email, user, input.currentPassword, 'PASSWORD_MISMATCH');
    if (refused)
      return refused.code === 'PASSWORD_MISMATCH'
        ? committedFailure('PASSWORD_MISMATCH', { fields: { currentPassword: 'This is not your current password.' } })
        : refused;
    await setPassword(ctx.trx, user.id, await hashPassword(input.newPassword, argon2Of(ctx.settings)), ctx.nowMs);
    const ended = await endSessionsOfUser(ctx.trx, user.id, 'password_changed', ctx.nowMs, session.id);
    ctx.setAuditSubject({ resourceId: user.id, details: { otherSessionsEnded: ended } });
    await ctx.queueMail(passwordChangedMail(user.email, 'changed'));
    return { changed: true, otherSessionsEnded: ended };
  };

  const list: Handler<'session.list'> = async (ctx) => {
    const session = ctx.session!;
    const rows = await openSessionsOfUser(ctx.trx, session.user.id, ctx.nowMs);
    return {
      sessions: rows.map((r) => ({
        id: r.id,
        workstation: r.workstation ?? 'unknown workstation',
        startedAt: r.created_at,
        lastActiveAt: r.last_seen_at,
        current: r.id === session.id,
      })),
    };
  };

  const end: Handler<'session.end'> = async (ctx, input) => {
    const session = ctx.session!;
    const own = await openSessionsOfUser(ctx.trx, session.user.id, ctx.nowMs);
    // Another user's session, or one already over: refused alike.
    if (!own.some((s) => s.id === input.sessionId)) throw new DomainError('FORBIDDEN');
    await endSession(ctx.trx, input.sessionId, 'ended_by_user', ctx.nowMs);
    ctx.setAuditSubject({ resourceId: input.sessionId });
    if (input.sessionId === session.id) ctx.afterCommit(() => void registry.forget(ctx.caller.id));
    return { ended: true };
  };

  const reauthenticate: Handler<'session.reauthenticate'> = async (ctx, input) => {
    const session = ctx.session!;
    const user = await findUserById(ctx.trx, session.user.id);
    const refused = await guardedPasswordCheck(ctx, session.user.email, user, input.password, 'PASSWORD_MISMATCH');
    if (refused) return refused;
    await markAuthenticated(ctx.trx, session.id, ctx.nowMs);
    return { confirmedUntil: ctx.nowMs + REAUTH_WINDOW_MS };
  };

  return { signIn, current, unlock, signOut, changePassword, list, end, reauthenticate };
}

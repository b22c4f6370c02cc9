// Sign-in, the current session and sign-out.
import { keyedHash } from '../crypto/hmac';
import { verifyAgainstDummy, verifyPassword } from '../crypto/password';
import { generateToken } from '../crypto/random';
import { DomainError } from '../domain-error';
import { endSession, insertSession } from '../repositories/sessions';
import { findUserByEmail, isActive, toSessionUser } from '../repositories/users';
import type { SessionRegistry } from '../session-registry';
import type { Handler } from './handler';

export function sessionHandlers(registry: SessionRegistry, workstation: string) {
  const signIn: Handler<'session.signIn'> = async (ctx, input) => {
    const user = await findUserByEmail(ctx.trx, input.email);
    ctx.setAuditSubject({
      actor: { userId: user?.id ?? null, email: input.email, role: user?.role ?? null },
      resourceId: user?.id ?? null,
    });
    // An unknown email costs the same argon2 work and gets the same answer as a wrong password.
    const passwordOk = user
      ? await verifyPassword(user.password_hash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!user || !passwordOk) throw new DomainError('INVALID_CREDENTIALS');
    if (!isActive(user)) throw new DomainError('ACCOUNT_DISABLED');
    if (user.email_verified_at == null) throw new DomainError('EMAIL_NOT_VERIFIED');

    if (ctx.session) await endSession(ctx.trx, ctx.session.id, 'replaced', ctx.nowMs);
    const token = generateToken();
    const tokenHash = keyedHash(ctx.keys.sessionToken, token);
    const sessionId = await insertSession(ctx.trx, user.id, tokenHash, workstation, ctx.nowMs);
    ctx.setAuditSubject({ resourceId: sessionId, sessionTokenHash: tokenHash });
    ctx.afterCommit(() => registry.set(ctx.caller.id, token));
    return { user: toSessionUser(user) };
  };

  const current: Handler<'session.current'> = async (ctx) => ({ user: ctx.session?.user ?? null });

  const signOut: Handler<'session.signOut'> = async (ctx) => {
    const session = ctx.session!;
    await endSession(ctx.trx, session.id, 'logout', ctx.nowMs);
    ctx.afterCommit(() => void registry.forget(ctx.caller.id));
    return { signedOut: true };
  };

  return { signIn, current, signOut };
}

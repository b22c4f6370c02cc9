// First run: while no administrator exists, the setup screen creates the first one (two-step verification
// enrollment follows at their sign-in, as for every admin). Afterwards it refuses.
import { DomainError } from '../domain-error';
import { hashPassword } from '../crypto/password';
import { insertUser } from '../repositories/users';
import { argon2Of, assertPasswordPolicy } from './accounts';
import type { Handler } from './handler';

export const setupStatus: Handler<'setup.status'> = async (ctx) => {
  const admin = (await ctx.trx('users').where({ role: 'admin' }).first('id')) as unknown;
  return { needsSetup: admin === undefined };
};

export const createFirstAdmin: Handler<'setup.createFirstAdmin'> = async (ctx, input) => {
  assertPasswordPolicy(input.password, input, ctx.settings);
  if ((await ctx.trx('users').where({ role: 'admin' }).first('id')) !== undefined) throw new DomainError('SETUP_DONE');
  // Two setup screens racing: the second insert of this row collides, and its transaction rolls back.
  const claimed = (await ctx
    .trx('setup')
    .insert({ step: 'first_admin', done_at: ctx.nowMs })
    .onConflict('step')
    .ignore()
    .returning('step')) as unknown[];
  if (claimed.length === 0) throw new DomainError('SETUP_DONE');
  const userId = await insertUser(
    ctx.trx,
    ctx.keys.signInGuard,
    {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      role: 'admin',
      passwordHash: await hashPassword(input.password, argon2Of(ctx.settings)),
      // The person at the screen is the clinic's own administrator installing the app: no mail round trip.
      emailVerifiedAt: ctx.nowMs,
    },
    ctx.nowMs,
  );
  if (userId === null)
    throw new DomainError('INVALID_INPUT', { email: 'An account with this email address already exists.' });
  ctx.setAuditSubject({
    actor: { userId, email: input.email, role: 'admin' },
    resourceId: userId,
    details: { via: 'setup screen' },
  });
  return { email: input.email };
};

// `users list | unlock | reset-2fa | deactivate`: the admin screen's user administration from the command line.
// Each runs the screen's own channel handler (same input schema, same rules: the last active admin stays,
// a deactivated user's sessions end, a 2FA reset removes the secret and the backup codes), in one transaction
// with its audit event, recorded as the command line (channel `cli.users-…`, this host name and OS user).
import { parseArgs } from 'node:util';
import { type ChannelName, type ChannelOutput, contract } from '../../shared/contract';
import { ERROR_MESSAGES } from '../../shared/errors';
import { ROLES, type Role } from '../../shared/roles';
import { emailSchema } from '../../shared/schemas';
import type { CoreConfig } from '../core/config';
import { DomainError } from '../core/domain-error';
import { findUserByEmail, isActive } from '../core/repositories/users';
import type { HandlerContext } from '../core/services/handler';
import { argumentProblem, type CliIo, type Core, EXIT, type Speaker, printable, withCore } from './io';

export const USERS_USAGE = {
  list: 'users list [--role admin|doctor|nurse|patient] [--status active|inactive|all] [--json]',
  unlock: 'users unlock <email>',
  'reset-2fa': 'users reset-2fa <email>',
  deactivate: 'users deactivate <email>',
} as const;

type Sub = keyof typeof USERS_USAGE;

/** A user as `users list` shows it. */
export interface UserListing {
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  status: 'active' | 'inactive';
  emailVerified: boolean;
  locked: boolean;
  twoFactorEnabled: boolean;
  mustChangePassword: boolean;
  /** When the person last signed in with their password (a session began), ISO 8601 UTC; null: never. */
  lastSignInAt: string | null;
}

const PAGE = 100;

const LIST_OPTIONS = {
  role: { type: 'string' },
  status: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** How the command line records a channel it runs: the screen's action and resource, its own channel name. */
function auditOf(channel: ChannelName, cliChannel: string) {
  const { action, resourceType } = contract[channel].audit;
  return { action, resourceType, channel: cliChannel };
}

export async function runUsers(argv: string[], io: CliIo, config: CoreConfig, out: Speaker): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || !(sub in USERS_USAGE))
    return out.usage(
      sub ? `unknown users command "${sub}".` : 'which users command?',
      Object.values(USERS_USAGE).join(`\n       ${out.program} `),
    );
  const usageLine = USERS_USAGE[sub as Sub];
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: sub === 'list' ? LIST_OPTIONS : {},
      allowPositionals: sub !== 'list',
      strict: true,
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (err) {
    return out.usage(argumentProblem(err), usageLine);
  }

  if (sub === 'list') {
    const role = values['role'] as string | undefined;
    const status = (values['status'] as string | undefined) ?? 'all';
    if (role !== undefined && !(ROLES as readonly string[]).includes(role))
      return out.usage(`--role: one of ${ROLES.join(', ')}.`, usageLine);
    if (!['active', 'inactive', 'all'].includes(status))
      return out.usage('--status: active, inactive or all.', usageLine);
    return withCore(config, io, (core) => listUsers(core, io, out, { role, status, json: values['json'] === true }));
  }

  if (positionals.length !== 1)
    return out.usage(
      positionals.length ? 'one email address only.' : 'which user? Give their email address.',
      usageLine,
    );
  const email = emailSchema.safeParse(positionals[0]);
  if (!email.success) return out.usage(`"${printable(positionals[0]!)}": ${email.error.issues[0]!.message}`, usageLine);
  return withCore(config, io, async (core) => {
    try {
      switch (sub as Exclude<Sub, 'list'>) {
        case 'unlock':
          return await unlock(core, out, email.data);
        case 'reset-2fa':
          return await resetTwoFactor(core, out, email.data);
        case 'deactivate':
          return await deactivate(core, out, email.data);
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'NOT_FOUND')
        return out.usage(`no account has the email address ${email.data}. Nothing was changed.`, usageLine);
      if (err.code === 'INVALID_INPUT')
        return out.usage(Object.values(err.fields ?? {}).join(' ') || ERROR_MESSAGES.INVALID_INPUT, usageLine);
      const detail =
        err.code === 'LAST_ADMIN' ? ` ${email.data} is the last active administrator: make another one first.` : '';
      return out.fail(`refused: ${ERROR_MESSAGES[err.code]}${detail} Nothing was changed.`);
    }
  });
}

/** Finds the account or refuses (audited as a failure of the command, with nothing changed). */
async function userNamed(ctx: HandlerContext, email: string) {
  const user = await findUserByEmail(ctx.trx, email);
  if (!user) {
    ctx.setAuditSubject({ details: { email } });
    throw new DomainError('NOT_FOUND', { email: 'No account has this email address.' });
  }
  return user;
}

async function unlock(core: Core, out: Speaker, email: string): Promise<number> {
  const { unlocked } = await core.commandLine.run(auditOf('users.unlock', 'cli.users-unlock'), async (call, ctx) => {
    await userNamed(ctx, email);
    return call('users.unlock', { email });
  });
  out.say(
    unlocked
      ? `Unlocked ${email}: the failed sign-ins are forgotten and they can sign in now.`
      : `${email} was not locked and had no failed sign-ins to forget; nothing to do.`,
  );
  return EXIT.ok;
}

async function resetTwoFactor(core: Core, out: Speaker, email: string): Promise<number> {
  let sessions = 0;
  const { reset } = await core.commandLine.run(
    auditOf('users.resetTwoFactor', 'cli.users-reset-2fa'),
    async (call, ctx) => {
      const user = await userNamed(ctx, email);
      sessions = await openSessionCount(ctx.trx, user.id);
      return call('users.resetTwoFactor', { email });
    },
  );
  out.say(
    reset
      ? `Reset two-step verification of ${email}: the authenticator secret and every backup code are removed` +
          `${sessions ? `, ${sessions} open session${sessions === 1 ? '' : 's'} ended` : ''}. ` +
          'They set it up again at their next sign-in if their role requires it; a notice mail is queued for them.'
      : `${email} had no two-step verification to reset.` +
          (sessions ? ` Their ${sessions} open session${sessions === 1 ? '' : 's'} ended.` : ''),
  );
  return EXIT.ok;
}

async function deactivate(core: Core, out: Speaker, email: string): Promise<number> {
  let sessions = 0;
  let wasActive = true;
  await core.commandLine.run(auditOf('users.deactivate', 'cli.users-deactivate'), async (call, ctx) => {
    const user = await userNamed(ctx, email);
    wasActive = isActive(user);
    sessions = await openSessionCount(ctx.trx, user.id);
    return call('users.deactivate', { userId: user.id });
  });
  out.say(
    (wasActive ? `Deactivated ${email}: they can no longer sign in` : `${email} was already deactivated`) +
      (sessions ? `; ${sessions} open session${sessions === 1 ? '' : 's'} ended.` : '.') +
      ' An administrator can reactivate the account in Users.',
  );
  return EXIT.ok;
}

async function openSessionCount(trx: HandlerContext['trx'], userId: number): Promise<number> {
  const row = (await trx('sessions').where({ user_id: userId }).whereNull('ended_at').count({ n: '*' }).first()) as
    { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

async function listUsers(
  core: Core,
  io: CliIo,
  out: Speaker,
  filters: { role: string | undefined; status: string; json: boolean },
): Promise<number> {
  const users = await core.commandLine.run(auditOf('users.list', 'cli.users-list'), async (call, ctx) => {
    const listed: UserListing[] = [];
    let cursor: string | null = null;
    do {
      const page: ChannelOutput<'users.list'> = await call('users.list', {
        ...(filters.role ? { role: filters.role } : {}),
        status: filters.status,
        cursor,
        limit: PAGE,
      });
      const ids = page.users.map((u) => u.id);
      const lastSignIns = new Map(
        (
          (await ctx
            .trx('sessions')
            .whereIn('user_id', ids)
            .groupBy('user_id')
            .select('user_id')
            .max({ at: 'created_at' })) as Array<{ user_id: number; at: number | string | null }>
        ).map((r) => [Number(r.user_id), r.at === null ? null : Number(r.at)]),
      );
      for (const u of page.users) {
        const at = lastSignIns.get(u.id) ?? null;
        listed.push({
          email: u.email,
          firstName: u.firstName,
          lastName: u.lastName,
          role: u.role,
          status: u.active ? 'active' : 'inactive',
          emailVerified: u.emailVerified,
          locked: u.locked,
          twoFactorEnabled: u.twoFactorEnabled,
          mustChangePassword: u.mustChangePassword,
          lastSignInAt: at === null ? null : new Date(at).toISOString(),
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    // One event for the whole listing: who looked (this OS user on this host), with which filters, how many.
    ctx.setAuditSubject({
      details: { results: listed.length, role: filters.role ?? 'any', status: filters.status },
    });
    return listed;
  });

  if (filters.json) {
    io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
    return EXIT.ok;
  }
  if (users.length === 0) {
    out.say('No user matches.');
    return EXIT.ok;
  }
  const rows = users.map((u) => [
    printable(u.email),
    printable(`${u.firstName} ${u.lastName}`),
    u.role,
    u.status + (u.emailVerified ? '' : ' (unverified)'),
    u.locked ? 'yes' : 'no',
    u.twoFactorEnabled ? 'on' : 'off',
    u.lastSignInAt ? `${u.lastSignInAt.slice(0, 16).replace('T', ' ')} UTC` : 'never',
  ]);
  io.stdout.write(formatTable(['EMAIL', 'NAME', 'ROLE', 'STATUS', 'LOCKED', '2FA', 'LAST SIGN-IN'], rows));
  out.say(`${users.length} user${users.length === 1 ? '' : 's'}.`);
  return EXIT.ok;
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}

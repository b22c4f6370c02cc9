// The commands of healthsphere-admin (and of `HealthSphere --admin` in the installed app).
// Exit status: 0 done, 1 refused or failed, 2 wrong usage.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { type AuditFilters, auditFiltersSchema, checkpointSchema } from '../../shared/audit';
import { emailSchema, personNameSchema } from '../../shared/schemas';
import { ConfigError, loadConfig } from '../core/config';
import { migrateToLatest, openDatabase } from '../core/db/connection';
import { DomainError } from '../core/domain-error';
import { KeyFileError } from '../core/crypto/keys';
import { ArchiveRefused } from '../core/audit/audit-archive';
import { describeVerificationProblem } from '../core/backup';
import { ERROR_MESSAGES } from '../../shared/errors';
import { BACKUP_USAGE, RESTORE_USAGE, runBackup, runRestore } from './backup-commands';
import { type CliIo, type Speaker, speaker, startCoreFor, withCore } from './io';
import { USERS_USAGE, runUsers } from './users-commands';
import { runPolicyCommand } from './policy-command';

export type { CliIo } from './io';

export function usage(program = 'healthsphere-admin'): string {
  return `Usage: ${program} <command> [options]

Commands:
  migrate        Bring the database up to date.
  create-admin   Create a verified administrator account.
                   --email E --first-name F --last-name L --password-stdin
                 The password is read from standard input, never from the command line.

  ${USERS_USAGE.list}
                 List the accounts: email, name, role, status, locked, 2FA, last sign-in (audited).
  ${USERS_USAGE.unlock}
                 Forget the failed sign-ins that locked an account.
  ${USERS_USAGE['reset-2fa']}
                 Remove an account's two-step verification (secret and backup codes); they set it up again.
  ${USERS_USAGE.deactivate}
                 Stop an account from signing in and end its sessions (never the last active administrator).

  audit verify   Recompute the audit chain; exit 1 and name the first altered event if it does not verify.
                   [--checkpoint FILE]  also prove the trail still reaches a checkpoint kept elsewhere
  audit checkpoint   Print a signed checkpoint of the trail (keep it off this machine).
                   [--out FILE]
  audit export   Write the trail to a file.
                   --out FILE [--format csv|json] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                   [--action A] [--outcome success|failure|denied] [--user EMAIL] [--patient ID|EMAIL]
  audit archive  Move events older than the retention period (6 years at least) to a verified JSON file,
                 then remove them from the database.  --before YYYY-MM-DD --out FILE

  ${BACKUP_USAGE}
                 Copy the SQLite database to a file, consistent even while HealthSphere is running (mode 0600;
                 never over an existing file without --force). On PostgreSQL: use the server's own backups.
  ${RESTORE_USAGE}
                 Check a backup (SQLite integrity, a HealthSphere schema, this computer's data key, its audit
                 chain) and, with HealthSphere closed, make it the database; the previous one is kept as
                 healthsphere.db.before-restore-<time>. --check-only checks and changes nothing.

  policy check [--file FILE]
                 Check the machine policy file and show what it sets.

The database and data folder come from HEALTHSPHERE_DATA_DIR / HEALTHSPHERE_DATABASE_URL, as for the app.
Exit status: 0 done, 1 refused or failed, 2 wrong usage.
`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const out = speaker(io);
  const { fail } = out;
  const USAGE = usage(out.program);
  if (!command || command === '--help' || command === 'help') {
    io.stdout.write(USAGE);
    return command ? 0 : 2;
  }

  // Before loadConfig: `policy check` reports a broken machine policy itself.
  if (command === 'policy') return runPolicyCommand(rest, io);
  let config;
  try {
    config = loadConfig(io.env, io.defaultDataDir);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }

  try {
    return await runCommand(command, rest, io, config, out, USAGE);
  } catch (err) {
    // A key that cannot be read, or a database under another key: said plainly, as the app's start says it.
    if (err instanceof KeyFileError) return fail(err.message);
    throw err;
  }
}

async function runCommand(
  command: string,
  rest: string[],
  io: CliIo,
  config: ReturnType<typeof loadConfig>,
  out: Speaker,
  USAGE: string,
): Promise<number> {
  const { say, fail } = out;
  switch (command) {
    case 'migrate': {
      const db = openDatabase(config);
      try {
        const applied = await migrateToLatest(db);
        say(
          applied.length
            ? `Applied ${applied.length} migration(s) to ${db.location}: ${applied.join(', ')}`
            : `The database at ${db.location} is up to date.`,
        );
        return 0;
      } finally {
        await db.knex.destroy();
      }
    }
    case 'create-admin': {
      let values;
      try {
        ({ values } = parseArgs({
          args: rest,
          options: {
            email: { type: 'string' },
            'first-name': { type: 'string' },
            'last-name': { type: 'string' },
            'password-stdin': { type: 'boolean' },
          },
          strict: true,
        }));
      } catch (err) {
        return fail(`${(err as Error).message}\n\n${USAGE}`, 2);
      }
      if (!values['password-stdin']) return fail('give the password on standard input with --password-stdin.', 2);
      const email = emailSchema.safeParse(values.email ?? '');
      const firstName = personNameSchema.safeParse(values['first-name'] ?? '');
      const lastName = personNameSchema.safeParse(values['last-name'] ?? '');
      if (!email.success) return fail(`--email: ${email.error.issues[0]!.message}`, 2);
      if (!firstName.success) return fail(`--first-name: ${firstName.error.issues[0]!.message}`, 2);
      if (!lastName.success) return fail(`--last-name: ${lastName.error.issues[0]!.message}`, 2);
      const password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
      const core = await startCoreFor(config, io);
      try {
        const id = await core.admin.createStaffAccount({
          email: email.data,
          firstName: firstName.data,
          lastName: lastName.data,
          password,
          role: 'admin',
        });
        say(`Created administrator ${email.data} (user ${id}). They can sign in now.`);
        return 0;
      } catch (err) {
        if (err instanceof DomainError) {
          const detail = err.fields ? Object.values(err.fields).join(' ') : '';
          return fail(`${ERROR_MESSAGES[err.code]} ${detail}`.trim());
        }
        throw err;
      } finally {
        await core.close();
      }
    }
    case 'users':
      return runUsers(rest, io, config, out);
    case 'backup':
      return runBackup(rest, io, config, out);
    case 'restore':
      return runRestore(rest, io, config, out);
    case 'audit':
      return runAudit(rest, io, config, say, fail, USAGE);
    default:
      return out.usage(`unknown command "${command}".`);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date as UTC epoch milliseconds: its first or its last millisecond. */
function dateMs(text: string, end: boolean): number | null {
  if (!DATE.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  return Number.isNaN(ms) ? null : end ? ms + 24 * 60 * 60_000 - 1 : ms;
}

function progressTo(stream: NodeJS.WritableStream, label: string) {
  let last = 0;
  return (processed: number, total: number) => {
    const now = Date.now();
    if (now - last < 1000) return;
    last = now;
    stream.write(`${label}: ${processed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events\n`);
  };
}

async function runAudit(
  argv: string[],
  io: CliIo,
  config: ReturnType<typeof loadConfig>,
  say: (text: string) => void,
  fail: (text: string, status?: number) => number,
  USAGE: string,
): Promise<number> {
  const [sub, ...rest] = argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        checkpoint: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        before: { type: 'string' },
        action: { type: 'string' },
        outcome: { type: 'string' },
        user: { type: 'string' },
        patient: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);

  switch (sub) {
    case 'verify': {
      let checkpoint = null;
      const file = str('checkpoint');
      if (file) {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch {
          parsed = null;
        }
        const result = checkpointSchema.safeParse(parsed);
        if (!result.success) return fail(`--checkpoint: ${file} is not a HealthSphere audit checkpoint.`, 2);
        checkpoint = result.data;
      }
      return withCore(config, io, async (core) => {
        const v = await core.admin.verifyAudit(checkpoint, progressTo(io.stderr, 'verified'));
        if (v.ok) {
          say(
            v.checked === 0
              ? 'The audit trail is empty: nothing to verify.'
              : `Verified ${v.checked.toLocaleString('en-US')} event${v.checked === 1 ? '' : 's'} (#${v.firstSeq} to #${v.lastSeq}): the chain is intact.` +
                  (checkpoint ? ` It still reaches checkpoint #${checkpoint.seq}.` : ''),
          );
          return 0;
        }
        return fail(describeVerificationProblem(v.problem, v.firstBadSeq));
      });
    }
    case 'checkpoint':
      return withCore(config, io, async (core) => {
        const point = await core.admin.checkpointAudit();
        const text = `${JSON.stringify(point, null, 2)}\n`;
        const out = str('out');
        if (out) {
          fs.writeFileSync(out, text, { mode: 0o600, flag: 'wx' });
          say(`Wrote checkpoint #${point.seq} to ${out}. Keep a copy off this machine.`);
        } else io.stdout.write(text);
        return 0;
      });
    case 'export': {
      const out = str('out');
      if (!out) return fail('give the file to write with --out.', 2);
      const format = str('format') ?? (out.endsWith('.json') ? 'json' : 'csv');
      if (format !== 'csv' && format !== 'json') return fail('--format: csv or json.', 2);
      const raw: Record<string, unknown> = {
        action: str('action'),
        outcome: str('outcome'),
        actor: str('user'),
        patient: str('patient'),
      };
      for (const [key, end] of [
        ['from', false],
        ['to', true],
      ] as const) {
        const text = str(key);
        if (text === undefined) continue;
        const ms = dateMs(text, end);
        if (ms === null) return fail(`--${key}: a date as YYYY-MM-DD.`, 2);
        raw[key] = ms;
      }
      const filters = auditFiltersSchema.safeParse(
        Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
      );
      if (!filters.success)
        return fail(`${filters.error.issues[0]!.path.join('.')}: ${filters.error.issues[0]!.message}`, 2);
      if (fs.existsSync(out)) return fail(`${out} exists already; choose a new file.`);
      return withCore(config, io, async (core) => {
        const written = await core.admin.exportAudit(
          { format, filters: filters.data as AuditFilters, file: out },
          progressTo(io.stderr, 'exported'),
        );
        say(
          `Exported ${written.events.toLocaleString('en-US')} event${written.events === 1 ? '' : 's'} to ${out} (${written.bytes.toLocaleString('en-US')} bytes).`,
        );
        return 0;
      });
    }
    case 'archive': {
      const out = str('out');
      const before = dateMs(str('before') ?? '', false);
      if (!out || before === null) return fail('give --before YYYY-MM-DD and --out FILE.', 2);
      return withCore(config, io, async (core) => {
        try {
          const done = await core.admin.archiveAudit({ before, file: out }, progressTo(io.stderr, 'archived'));
          if (!done) {
            say('No event is both before that date and older than the retention period: nothing was archived.');
            return 0;
          }
          say(
            `Archived ${done.events.toLocaleString('en-US')} events (through #${done.throughSeq}) to ${done.file}, ` +
              `sha256 ${done.sha256}. Keep the file; the events are no longer in the database.`,
          );
          return 0;
        } catch (err) {
          if (err instanceof ArchiveRefused) return fail(`archive refused: ${err.message}`);
          throw err;
        }
      });
    }
    default:
      return fail(`unknown audit command "${sub ?? ''}".\n\n${USAGE}`, 2);
  }
}

// The commands of healthsphere-admin. Exit status: 0 done, 1 refused or failed, 2 wrong usage.
import { parseArgs } from 'node:util';
import { emailSchema, personNameSchema } from '../../shared/schemas';
import { startCore } from '../core';
import { ConfigError, loadConfig } from '../core/config';
import { migrateToLatest, openDatabase } from '../core/db/connection';
import { DomainError } from '../core/domain-error';
import { silentLogger } from '../core/log';
import { ERROR_MESSAGES } from '../../shared/errors';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: healthsphere-admin <command> [options]

Commands:
  migrate        Bring the database up to date.
  create-admin   Create a verified administrator account.
                   --email E --first-name F --last-name L --password-stdin
                 The password is read from standard input, never from the command line.

The database and data folder come from HEALTHSPHERE_DATA_DIR / HEALTHSPHERE_DATABASE_URL, as for the app.
`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const fail = (text: string, status = 1) => {
    io.stderr.write(`healthsphere-admin: ${text}\n`);
    return status;
  };
  if (!command || command === '--help' || command === 'help') {
    io.stdout.write(USAGE);
    return command ? 0 : 2;
  }

  let config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }

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
      const core = await startCore({ config, log: silentLogger, sendMail: false });
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
    default:
      return fail(`unknown command "${command}".\n\n${USAGE}`, 2);
  }
}

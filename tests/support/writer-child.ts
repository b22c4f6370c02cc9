// A running app, as far as the database can tell: the real core on a SQLite data dir, in its own process, writing
// through dispatch without pause while tests/integration/backup-restore.test.ts takes backups of the same file.
// Most requests are cheap audited reads (one audit event each); every 20th registers a patient (a user, a profile,
// an email code, an outbox row and USER_CREATED in one transaction), so a torn copy would show.
//
// stdout: `ready` once the core started; `progress <requests>` every 200 requests; `refused <channel> <code>` for
// a request the core did not answer with success; `done <requests> <registered>` after `stop` on stdin (or stdin
// closing), when the core is closed and the database file is released.
//
// Usage: node --import tsx tests/support/writer-child.ts <dataDir>, with WRITER_MASTER_KEY (base64, 32 bytes).
// The test runs it bundled by esbuild, as the fault test runs its child.
import { randomBytes } from 'node:crypto';
import { startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const [dataDir] = process.argv.slice(2);
  const masterKey = Buffer.from(process.env.WRITER_MASTER_KEY ?? '', 'base64');
  if (!dataDir || masterKey.length !== 32) throw new Error('usage: writer-child <dataDir> with WRITER_MASTER_KEY');
  let stopping = false;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (chunk.includes('stop')) stopping = true;
  });
  process.stdin.on('end', () => {
    stopping = true;
  });
  const core = await startCore({
    config: { dataDir, masterKey, appVersion: APP_VERSION },
    log: silentLogger,
    sendMail: false,
    workstation: { hostname: 'writer-host', osUser: 'tester' },
  });
  say('ready');
  const caller = { id: 'writer' };
  let requests = 0;
  let registered = 0;
  while (!stopping) {
    requests += 1;
    if (requests % 20 === 0) {
      const email = `writer-${requests}-${randomBytes(3).toString('hex')}@example.org`;
      const password = 'correct horse battery staple';
      const result = await core.dispatch(
        'account.register',
        { email, firstName: 'Writer', lastName: 'Child', phone: '', password, confirmPassword: password },
        caller,
      );
      if (result.ok) registered += 1;
      else say(`refused account.register ${result.error.code}`);
    } else {
      const result = await core.dispatch('account.passwordPolicy', {}, caller);
      if (!result.ok) say(`refused account.passwordPolicy ${result.error.code}`);
    }
    if (requests % 200 === 0) say(`progress ${requests}`);
  }
  await core.close();
  say(`done ${requests} ${registered}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

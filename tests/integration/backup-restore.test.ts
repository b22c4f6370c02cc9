// `healthsphere-admin backup` and `restore`, run as IT runs them: the real bin under plain Node.
//
// SQLite: backups are taken while another process (tests/support/writer-child.ts, the real core bundled by esbuild)
// keeps writing to the same file, and each one must pass SQLite's integrity check, the audit chain's verification
// and a consistency check across tables (every registered patient with its USER_CREATED event, no more, no less).
// A good backup restores and the app's core opens it; every refusal (audit row changed in the sqlite3 shell,
// another data key, not a database, damaged, a newer schema, not HealthSphere's, database in use) leaves the live
// database byte for byte as it was.
// PostgreSQL: both commands explain that the server's own tools do this, and exit 1.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Sqlite from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore } from '../../src/main/core';
import { restoreDatabase } from '../../src/main/core/backup';
import { APP_VERSION } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import { createPostgresDatabase, postgresUrl } from '../support/test-core';

const BIN = path.resolve('bin/healthsphere-admin.js');
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-backup-'));
const dataDir = path.join(workDir, 'data');
const liveDb = path.join(dataDir, 'healthsphere.db');
const masterKey = randomBytes(32).toString('base64');
const PASSWORD = 'quiet harbour lantern 42';

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

function admin(args: string[], env: Record<string, string> = {}, input = '') {
  return spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      HEALTHSPHERE_DATA_DIR: dataDir,
      HEALTHSPHERE_MASTER_KEY: masterKey,
      HEALTHSPHERE_DATABASE_URL: '',
      ...env,
    },
  });
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The live database as bytes, and the data folder's file names (no -wal, -shm or leftover staging folder). */
function liveState() {
  return { sha256: sha256(liveDb), files: fs.readdirSync(dataDir).sort() };
}

function sqlite3(file: string, sql: string) {
  return spawnSync('sqlite3', [file, sql], { encoding: 'utf8' });
}

/** The tables of a backup that must agree with each other, read straight from the file. */
function contentsOf(file: string) {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    return {
      integrity: (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check),
      writerUsers: one("SELECT count(*) AS n FROM users WHERE email LIKE 'writer-%'"),
      writerUserEvents: one(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'USER_CREATED' AND channel = 'account.register' AND outcome = 'success'",
      ),
      events: one('SELECT count(*) AS n FROM audit_events'),
      headSeq: one('SELECT last_seq AS n FROM audit_chain WHERE id = 1'),
      journalMode: String(db.pragma('journal_mode', { simple: true })),
    };
  } finally {
    db.close();
  }
}

class Writer {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(bundle: string) {
    this.process = spawn(process.execPath, [bundle, dataDir], {
      // The bundle lives in a temporary folder: its external packages (knex, better-sqlite3) load from here.
      env: { ...process.env, WRITER_MASTER_KEY: masterKey, NODE_PATH: path.resolve('node_modules') },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves when a line satisfies `test`. */
  async waitFor(test: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(test);
      if (found) return found;
      if (this.process.exitCode !== null) throw new Error(`writer exited (${this.process.exitCode})`);
      if (Date.now() > deadline) throw new Error('writer timed out');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  requests(): number {
    const last = [...this.lines].reverse().find((l) => l.startsWith('progress '));
    return last ? Number(last.split(' ')[1]) : 0;
  }

  async stop(): Promise<{ requests: number; registered: number }> {
    this.process.stdin!.write('stop\n');
    const done = await this.waitFor((l) => l.startsWith('done '));
    await new Promise((resolve) => (this.process.exitCode !== null ? resolve(null) : this.process.on('exit', resolve)));
    const [, requests, registered] = done.split(' ');
    return { requests: Number(requests), registered: Number(registered) };
  }
}

describe('backup and restore on SQLite', () => {
  let writer: Writer | undefined;
  const backups: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const created = admin(
      [
        'create-admin',
        '--email',
        'admin@clinic.example',
        '--first-name',
        'Grace',
        '--last-name',
        'Hopper',
        '--password-stdin',
      ],
      {},
      `${PASSWORD}\n`,
    );
    expect(created.stderr).toBe('');
    const bundle = path.join(workDir, 'writer-child.js');
    await build({
      entryPoints: [path.resolve('tests/support/writer-child.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['better-sqlite3', 'argon2', 'knex', 'pg', 'pg-native'],
      logLevel: 'warning',
    });
    writer = new Writer(bundle);
    await writer.waitFor((l) => l === 'ready');
    await writer.waitFor((l) => l.startsWith('progress '));
  }, 120_000);

  afterAll(async () => {
    if (writer && writer.process.exitCode === null) writer.process.kill();
  });

  it('takes consistent backups while another process keeps writing, mode 0600, never over a file unless --force', async () => {
    const first = path.join(workDir, 'first.db');
    const before = writer!.requests();
    const taken = admin(['backup', first]);
    expect(taken.stderr).toBe('');
    expect(taken.status).toBe(0);
    expect(taken.stdout).toMatch(/Backed up the database to .*first\.db \([\d,]+ bytes, sha256 [0-9a-f]{64}\)/);
    backups.push(first);
    expect((fs.statSync(first).mode & 0o777).toString(8)).toBe('600');
    // No temporary file is left in the folder, and the writer went on writing meanwhile.
    expect(fs.readdirSync(workDir).filter((f) => f.includes('partial'))).toEqual([]);
    await writer!.waitFor((l) => l.startsWith('progress ') && Number(l.split(' ')[1]) > before + 200);

    // More copies in a row, straight through the core module, while the writer runs: each one a moment's state.
    const { backupDatabase } = await import('../../src/main/core/backup');
    for (let i = 0; i < 5; i++) {
      const file = path.join(workDir, `loop-${i}.db`);
      await backupDatabase({ dataDir, file, force: false });
      backups.push(file);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }

    for (const file of backups) {
      const c = contentsOf(file);
      expect(c.integrity).toEqual(['ok']);
      expect(c.journalMode).toBe('delete'); // self-contained: no -wal belongs to it
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
      expect(c.headSeq).toBe(c.events); // the chain's head row and its events are from one moment
      expect(c.writerUsers).toBe(c.writerUserEvents); // every patient with its event, and no event without one
      // Integrity check, schema, data key and the audit chain, as `restore --check-only` checks it.
      const checked = await restoreDatabase({
        dataDir,
        file,
        dataKey: Buffer.from(masterKey, 'base64'),
        checkOnly: true,
        nowMs: Date.now(),
      });
      expect(checked.candidate.auditEvents).toBe(c.events);
      expect(checked.keptAs).toBeNull();
    }
    expect(contentsOf(backups[backups.length - 1]!).events).toBeGreaterThan(contentsOf(first).events);

    // Never over an existing file without --force; over it with --force; never over the database itself.
    const firstSha = sha256(first);
    const again = admin(['backup', first]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect(sha256(first)).toBe(firstSha);
    const forced = admin(['backup', first, '--force']);
    expect(forced.status).toBe(0);
    expect(contentsOf(first).integrity).toEqual(['ok']);
    const overLive = admin(['backup', liveDb, '--force']);
    expect(overLive.status).toBe(1);
    expect(overLive.stderr).toContain('cannot be written over the database itself');
    expect(admin(['backup']).status).toBe(2);
    expect(admin(['backup', first, '--frobnicate']).status).toBe(2);
    expect(admin(['backup', path.join(workDir, 'no-such-folder', 'x.db')]).status).toBe(1);
  }, 300_000);

  it('checks a backup with the audit verification, and refuses to restore while the database is open', async () => {
    const good = backups[0]!;
    const checked = admin(['restore', good, '--check-only']);
    expect(checked.stderr).not.toMatch(/healthsphere-admin:/); // progress lines only
    expect(checked.status).toBe(0);
    expect(checked.stdout).toMatch(
      /can be restored: a HealthSphere database \(schema 008_mail_delivery_log\).*verified.*Nothing was changed\./,
    );

    // The writer has the database open: restore says so and leaves everything as it is.
    const refused = admin(['restore', good]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is open in HealthSphere');
    expect(fs.readdirSync(dataDir).filter((f) => f.includes('before-restore') || f.startsWith('.restore'))).toEqual([]);

    const { requests, registered } = await writer!.stop();
    expect(requests).toBeGreaterThan(400);
    expect(registered).toBeGreaterThan(10);
    // What the app answered while the command line ran beside it: nothing refused. (knex opens SQLite transactions
    // as deferred, so an app request that read before a command-line write committed gets SQLITE_BUSY_SNAPSHOT;
    // dispatch runs such a transaction again, db/retry.ts.)
    expect(writer!.lines.filter((l) => l.startsWith('refused '))).toEqual([]);
    // The backups were taken in the middle of the writing, not after it.
    expect(contentsOf(good).writerUsers).toBeLessThan(registered);
  }, 300_000);

  it('refuses a changed audit row, another data key, a non-database, a damaged file, a newer or foreign schema, a file in use: the live database untouched', async () => {
    const good = backups[0]!;
    const copy = (name: string) => {
      const file = path.join(workDir, name);
      fs.copyFileSync(good, file);
      return file;
    };
    const cases: Array<{ file: string; message: RegExp | string }> = [];

    // An audit row changed in the real sqlite3 shell, after dropping the trigger that refuses it.
    const tampered = copy('tampered.db');
    expect(sqlite3(tampered, "UPDATE audit_events SET outcome = 'failure' WHERE seq = 5").stderr).toContain(
      'the audit trail cannot be changed',
    );
    const changed = sqlite3(
      tampered,
      "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor_email = 'x@y' WHERE seq = 5;",
    );
    expect(changed.status).toBe(0);
    cases.push({ file: tampered, message: 'event #5 was changed' });

    // A row removed from the middle of the trail.
    const removed = copy('removed.db');
    expect(
      sqlite3(removed, 'DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq = 7;').status,
    ).toBe(0);
    cases.push({ file: removed, message: 'event #7 is missing' });

    // A backup of another installation, with another data key.
    const otherDir = path.join(workDir, 'other');
    const otherKey = randomBytes(32).toString('base64');
    const otherEnv = { HEALTHSPHERE_DATA_DIR: otherDir, HEALTHSPHERE_MASTER_KEY: otherKey };
    expect(admin(['migrate'], otherEnv).status).toBe(0);
    const foreignKey = path.join(workDir, 'other-key.db');
    expect(admin(['backup', foreignKey], otherEnv).status).toBe(0);
    cases.push({ file: foreignKey, message: 'written under another data key' });

    // Not a database at all.
    const text = path.join(workDir, 'notes.db');
    fs.writeFileSync(text, 'these are not the droids you are looking for\n');
    cases.push({ file: text, message: 'not a SQLite database' });

    // A SQLite file damaged in the middle: pages overwritten.
    const damaged = copy('damaged.db');
    const fd = fs.openSync(damaged, 'r+');
    fs.writeSync(fd, randomBytes(8192), 0, 8192, 4096 * 3);
    fs.closeSync(fd);
    cases.push({ file: damaged, message: /damaged/ });

    // A schema from a newer version of HealthSphere.
    const newer = copy('newer.db');
    expect(
      sqlite3(newer, "INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('099_from_the_future', 9, 0)")
        .status,
    ).toBe(0);
    cases.push({ file: newer, message: 'written by a newer version of HealthSphere' });

    // Some other program's SQLite database.
    const foreign = path.join(workDir, 'foreign.db');
    expect(sqlite3(foreign, 'CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES (1);').status).toBe(0);
    cases.push({ file: foreign, message: 'not a HealthSphere database' });

    const state = liveState();
    for (const c of cases) {
      const result = admin(['restore', c.file]);
      expect(result.status, c.file).toBe(1);
      expect(result.stderr).toMatch(c.message);
      expect(result.stderr).toContain('Nothing was changed.');
      expect(liveState(), c.file).toEqual(state);
    }
    // The same refusals without touching anything at all with --check-only.
    expect(admin(['restore', tampered, '--check-only']).status).toBe(1);

    // A good backup, but the database is open in the app's core: refused. (This process must not open the file
    // itself while the core has it open: closing any descriptor of a file drops the process's POSIX locks on it.)
    const core = await startCore({
      config: { dataDir, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    try {
      const inUse = admin(['restore', good]);
      expect(inUse.status).toBe(1);
      expect(inUse.stderr).toContain('is open in HealthSphere');
      expect(inUse.stderr).toContain('Nothing was changed.');
    } finally {
      await core.close();
    }
    expect(liveState()).toEqual(state);
  }, 300_000);

  it('restores a good backup atomically, keeps the previous file, and the app opens the result', async () => {
    const good = backups[0]!;
    const expected = contentsOf(good);
    const previous = sha256(liveDb);
    const restored = admin(['restore', good]);
    expect(restored.stderr).not.toMatch(/healthsphere-admin:/);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(
      /Restored .*first\.db: .*The database it replaced is kept as .*before-restore-\d{8}T\d{6}Z/,
    );

    const files = fs.readdirSync(dataDir);
    const kept = files.filter((f) => f.startsWith('healthsphere.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(sha256(path.join(dataDir, kept[0]!))).toBe(previous);
    expect(files.filter((f) => f.endsWith('-wal') || f.endsWith('-shm') || f.startsWith('.restore'))).toEqual([]);
    expect((fs.statSync(liveDb).mode & 0o777).toString(8)).toBe('600');

    // The app's core opens it, the admin signs in, the trail verifies and ends with the restore.
    const core = await startCore({
      config: { dataDir, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    try {
      const users = (await core.db.knex('users').where('email', 'like', 'writer-%').count({ n: '*' }).first()) as {
        n: number;
      };
      expect(Number(users.n)).toBe(expected.writerUsers);
      const signedIn = await core.dispatch(
        'session.signIn',
        { email: 'admin@clinic.example', password: PASSWORD },
        { id: 'after-restore' },
      );
      expect(signedIn.ok).toBe(true);
      const event = await core.db.knex('audit_events').where({ action: 'DATABASE_RESTORED' }).first();
      expect(event.seq).toBe(expected.headSeq + 1);
      expect(event.channel).toBe('cli.restore');
      expect(event.actor_user_id).toBeNull();
      expect(event.os_user).toBe(os.userInfo().username);
      const details = JSON.parse(event.details as string);
      expect(details.sha256).toBe(sha256(good));
      expect(details.previousKeptAs).toBe(kept[0]);
      expect(details.previousAuditSeq).toBeGreaterThan(expected.headSeq);
    } finally {
      await core.close();
    }
    const verified = admin(['audit', 'verify']);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('the chain is intact');

    // The backup itself was recorded in the trail it was taken from (now kept as the previous file).
    const keptDb = new Sqlite(path.join(dataDir, kept[0]!), { readonly: true });
    try {
      const backupsRecorded = keptDb
        .prepare("SELECT outcome, channel, details FROM audit_events WHERE action = 'BACKUP_CREATED'")
        .all() as Array<{ outcome: string; channel: string; details: string }>;
      expect(backupsRecorded.some((e) => e.outcome === 'success' && JSON.parse(e.details).sha256)).toBe(true);
      expect(backupsRecorded.every((e) => e.channel === 'cli.backup')).toBe(true);
    } finally {
      keptDb.close();
    }
  }, 300_000);
});

describe('backup and restore on PostgreSQL', () => {
  it('explain that the database server backs up and restores, and exit 1 without writing anything', async (ctx) => {
    if (!postgresUrl()) ctx.skip('no PostgreSQL server for this run');
    const databaseUrl = await createPostgresDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-backup-pg-'));
    try {
      const env = { HEALTHSPHERE_DATA_DIR: dir, HEALTHSPHERE_DATABASE_URL: databaseUrl };
      expect(admin(['migrate'], env).status).toBe(0);
      const file = path.join(dir, 'pg-backup.db');
      const backup = admin(['backup', file], env);
      expect(backup.status).toBe(1);
      expect(backup.stderr).toContain('pg_dump');
      expect(backup.stderr).toContain('docs/postgresql-for-it.md');
      expect(fs.existsSync(file)).toBe(false);
      const restore = admin(['restore', file], env);
      expect(restore.status).toBe(1);
      expect(restore.stderr).toContain('pg_restore');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

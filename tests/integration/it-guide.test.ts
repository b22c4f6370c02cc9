// docs/postgresql-for-it.md followed on a fresh cluster: its certificates, postgresql.conf and pg_hba.conf, its
// SQL exactly as written (read from the markdown at test time), migrations by the owner role through the real
// healthsphere-admin, the real core as the least-privilege application role over verify-full TLS, the audit
// tables refused to that role by privilege, backups restored and verified, and a standby that follows and
// takes over. The guide's own steps are run through tests/support/guide-steps.ts; read its header for the
// conventions (labelled blocks, <placeholders>, system paths moved into a temporary folder).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, startCore } from '../../src/main/core';
import { ManualClock } from '../../src/main/core/clock';
import { APP_VERSION } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import {
  PG_BIN,
  type ServerAccess,
  asPostgres,
  block,
  fillIn,
  guideUrl,
  movePaths,
  openssl,
  psql,
  readGuide,
  runShell,
  superQuery,
} from '../support/guide-steps';
import { type Cluster, freePort, postgresBinariesPresent, startCluster } from '../support/postgres-cluster';

const BIN = path.resolve('bin/healthsphere-admin.js');
const YEAR_MS = 365.25 * 24 * 60 * 60_000;
const asRoot = process.getuid?.() === 0;
const runuserPresent = spawnSync('runuser', ['--version']).status === 0;
const opensslPresent = spawnSync('openssl', ['version']).status === 0;
const canRun = postgresBinariesPresent() && asRoot && runuserPresent && opensslPresent;

if (!canRun)
  console.warn(
    '\n*** The IT guide test is SKIPPED: it needs the PostgreSQL 15 binaries under ' +
      `${PG_BIN}, openssl, and root (the guide's commands run as root and as the postgres user). ***\n`,
  );

const { markdown, blocks } = readGuide();

// The test's values for the guide's placeholders.
const secrets = {
  'owner-password': randomBytes(24).toString('hex'),
  'app-password': randomBytes(24).toString('hex'),
  'replica-password': randomBytes(24).toString('hex'),
  'data-key': randomBytes(32).toString('base64'),
};
const masterKey = Buffer.from(secrets['data-key'], 'base64');
const SERVER_NAME = 'db.clinic.test';
/** Where a server's files live in the guide → where they live in this test. */
let paths: Record<string, string> = {};

let work = '';
let cluster: Cluster | undefined;
let primary: ServerAccess;
let standbyData = '';
let standbyStarted = false;
let ownerUrl = '';
let appUrl = '';
let restoreUrl = '';
let core: Core | undefined;
const ADMIN = { email: 'admin@clinic.example', password: 'quiet harbour lantern 42' };

function admin(args: string[], url: string, key = secrets['data-key']) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      HEALTHSPHERE_DATA_DIR: path.join(work, 'it-machine'),
      HEALTHSPHERE_DATABASE_URL: url,
      HEALTHSPHERE_MASTER_KEY: key,
    },
  });
}

function workstation(url: string, name: string, clock?: ManualClock): Promise<Core> {
  return startCore({
    config: { dataDir: path.join(work, name), databaseUrl: url, masterKey, appVersion: APP_VERSION },
    workstation: { hostname: name, osUser: 'frontdesk' },
    log: silentLogger,
    sendMail: false,
    ...(clock ? { clock } : {}),
  });
}

/** One statement on a fresh connection; resolves to the error it raised, or null. */
async function attempt(url: string, sql: string): Promise<(Error & { code?: string }) | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query(sql);
    return null;
  } catch (err) {
    return err as Error & { code?: string };
  } finally {
    await client.end().catch(() => {});
  }
}

async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs a labelled ```sh block of the guide; the server's port 5432 becomes the throwaway cluster's. */
const shell = (label: string, extra: Record<string, string> = {}, env?: Record<string, string>) => {
  const script = movePaths(fillIn(block(blocks, 'sh', label), { ...placeholders(), ...extra }), paths);
  return runShell(label, script.replace(/\bport=5432\b/g, `port=${primary.port}`), {
    cwd: work,
    home: work,
    server: primary,
    env,
  });
};

/** The guide's placeholders as the test fills them in: the server is 127.0.0.1 on the cluster's port. */
function placeholders(): Record<string, string> {
  return {
    ...secrets,
    'db-host': SERVER_NAME,
    'db-ip': '127.0.0.1',
    'clinic-network': '127.0.0.1/32',
    'admin-ip': '127.0.0.1',
    'standby-ip': '127.0.0.1',
  };
}

/** Runs a guide ```sql block as `sudo -u postgres psql -v ON_ERROR_STOP=1` does. */
function sqlStep(label: string, database = 'postgres', extraArgs: string[] = []): string {
  const file = path.join(work, `${label}.sql`);
  fs.writeFileSync(file, fillIn(block(blocks, 'sql', label), placeholders()), { mode: 0o644 });
  return psql(primary, ['-d', database, ...extraArgs, '-f', file]).stdout;
}

describe.skipIf(!canRun)('the IT guide (docs/postgresql-for-it.md), followed on a fresh cluster', () => {
  const started = Date.now();
  const timings: string[] = [];
  const lap = (what: string) => timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)}s`);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-it-guide-'));
    fs.chmodSync(work, 0o755); // the postgres user reads the certificates and SQL files below it
    fs.mkdirSync(path.join(work, 'etc'), { mode: 0o755 });
    paths = {
      '/etc/postgresql/15/main/': `${work}/etc/`,
      '/etc/healthsphere/ca.crt': `${work}/healthsphere-ca/ca.crt`,
      '/var/backups/healthsphere': `${work}/backups`,
      '/var/lib/postgresql/15/main': `${work}/standby`,
    };
    standbyData = `${work}/standby`;

    cluster = await startCluster();
    const settings = await query<Record<string, string>>(
      cluster.url,
      `SELECT current_setting('unix_socket_directories') AS socket, current_setting('config_file') AS conf,
              current_setting('hba_file') AS hba, current_setting('port') AS port`,
    );
    const { socket, conf, hba, port } = settings[0]!;
    primary = { socketDir: socket!, port: Number(port) };
    lap('cluster');

    // Section 2: the CA and server certificate, made and installed by the guide's own commands.
    shell('certificates');
    shell('install-certificates');
    expect(fs.statSync(`${work}/etc/server.key`).mode & 0o777).toBe(0o600);

    // Section 3: postgresql.conf, then pg_hba.conf, as written, each followed by a reload (the guide restarts once;
    // the throwaway cluster's command line still sets port, listen address and socket, which outrank the file).
    const reload = async () => {
      superQuery(primary, 'postgres', 'SELECT pg_reload_conf()');
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    fs.appendFileSync(conf!, `\n${movePaths(block(blocks, 'conf', 'postgresql'), paths)}\n`);
    await reload();
    expect(
      superQuery(primary, 'postgres', "SELECT current_setting('ssl'), current_setting('password_encryption')"),
    ).toEqual([['on', 'scram-sha-256']]);
    fs.writeFileSync(hba!, `${fillIn(block(blocks, 'conf', 'pg_hba'), placeholders())}\n`);
    expect(
      superQuery(primary, 'postgres', 'SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL'),
    ).toEqual([]);
    await reload();

    // Section 4: the database and both roles.
    sqlStep('roles');

    // The URLs of sections 6 and 7, from the guide. Workstations may name the server by address: the
    // certificate names both, and verify-full checks the address here.
    const urlValues = { ...placeholders(), 'db-host': '127.0.0.1' };
    const move = (url: string) => url.replace('/etc/healthsphere/ca.crt', paths['/etc/healthsphere/ca.crt']!);
    ownerUrl = move(
      guideUrl(markdown, /postgres:\/\/healthsphere_owner:[^'"\s]*\/healthsphere\?[^'"\s]*/, urlValues, primary.port),
    );
    restoreUrl = move(
      guideUrl(
        markdown,
        /postgres:\/\/healthsphere_owner:[^'"\s]*\/healthsphere_restore\?[^'"\s]*/,
        urlValues,
        primary.port,
      ),
    );
    appUrl = move(
      guideUrl(
        markdown,
        /postgres:\/\/healthsphere_app:[^'"\s]*sslrootcert=\/etc\/healthsphere\/ca\.crt/,
        urlValues,
        primary.port,
      ),
    );
    for (const url of [ownerUrl, restoreUrl, appUrl]) expect(url).toContain('sslmode=verify-full&sslrootcert=');

    // Section 6: the owner migrates, then the application role gets its grants.
    const migrated = admin(['migrate'], ownerUrl);
    expect(migrated.stderr).toBe('');
    expect(migrated.status).toBe(0);
    expect(migrated.stdout).toMatch(/Applied \d+ migration\(s\) to 127\.0\.0\.1:\d+\/healthsphere: 001_initial/);
    sqlStep('grants');
    lap('server set up and migrated');
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    if (standbyStarted) {
      try {
        asPostgres('pg_ctl', ['-D', standbyData, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    cluster?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    console.log(`IT guide test timings: ${timings.join(', ')}`);
  });

  it('runs every sql block of the guide (none is left untested)', () => {
    const labels = blocks.filter((b) => b.language === 'sql').map((b) => b.label);
    expect(labels).toEqual(['roles', 'grants', 'check', 'replication']);
  });

  it('lets the application role read and append to the audit tables and nothing more (the check block)', () => {
    const rows = psql(primary, ['-d', 'healthsphere', '-At', '-F', '|', '-c', block(blocks, 'sql', 'check')])
      .stdout.trim()
      .split('\n')
      .map((line) => line.split('|') as [string, string]);
    const grants = Object.fromEntries(rows);
    expect(grants).toMatchObject({
      audit_events: 'INSERT, SELECT',
      audit_checkpoints: 'INSERT, SELECT',
      audit_archives: 'INSERT, SELECT',
      audit_chain: 'SELECT, UPDATE',
      knex_migrations: 'SELECT',
      knex_migrations_lock: 'SELECT',
      users: 'DELETE, INSERT, SELECT, UPDATE',
    });
    expect(Object.values(grants).join(' ')).not.toContain('TRUNCATE');
    // Every table has its grants; the old, unsealed events (until the owner seals them) have none.
    const tables = superQuery(
      primary,
      'healthsphere',
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'audit_events_unsealed'",
    ).map(([t]) => t!);
    expect(Object.keys(grants).sort()).toEqual(tables.sort());
  });

  it('runs the real core as the application role over verify-full TLS: accounts, sign-ins, audit', async () => {
    // A first workstation seven years ago (so that section 6's archive has something old enough to take).
    const past = new ManualClock(Date.now() - 7 * YEAR_MS);
    const old = await workstation(appUrl, 'front-desk-1', past);
    try {
      await old.admin.createStaffAccount({ ...ADMIN, firstName: 'Grace', lastName: 'Hopper', role: 'admin' });
      const signedIn = await old.dispatch('session.signIn', ADMIN, { id: 'w1' });
      expect(signedIn.ok).toBe(true);
      const wrong = await old.dispatch(
        'session.signIn',
        { ...ADMIN, password: 'not the password at all' },
        { id: 'w1' },
      );
      expect(!wrong.ok && wrong.error.code).toBe('INVALID_CREDENTIALS');
    } finally {
      await old.close();
    }

    // Section 6: the owner verifies, which seals the events from before the chain and removes their table.
    const verified = admin(['audit', 'verify'], ownerUrl);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Verified \d+ events \(#1 to #\d+\): the chain is intact\./);
    expect(superQuery(primary, 'healthsphere', "SELECT to_regclass('public.audit_events_unsealed') IS NULL")).toEqual([
      ['t'],
    ]);

    core = await workstation(appUrl, 'front-desk-2');
    const before = Number(superQuery(primary, 'healthsphere', 'SELECT count(*) FROM audit_events')[0]![0]);
    const signedIn = await core.dispatch('session.signIn', ADMIN, { id: 'w2' });
    expect(signedIn.ok && (signedIn.value as { user: { role: string } }).user.role).toBe('admin');
    const rows = await core.db
      .knex('audit_events')
      .where('seq', '>', before)
      .select('action', 'outcome', 'workstation');
    expect(rows).toContainEqual({ action: 'LOGIN', outcome: 'success', workstation: 'front-desk-2' });
    expect(
      superQuery(primary, 'healthsphere', "SELECT count(*) FROM audit_events WHERE action = 'LOGIN_FAILED'"),
    ).toEqual([['1']]);
    const verification = await core.admin.verifyAudit(null);
    expect(verification.ok).toBe(true);
    // The core's own connections are TLS, as the application role.
    expect(
      superQuery(
        primary,
        'healthsphere',
        "SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'healthsphere_app'",
      ),
    ).toEqual([['t']]);
    lap('application role works');
  });

  it('refuses the application role any change to the audit trail and any DDL, by privilege', async () => {
    const denied = /^permission denied for (table|schema) /;
    const notOwner = /^must be owner of (table|relation) /;
    const cases: Array<[string, RegExp]> = [
      ["UPDATE audit_events SET outcome = 'failure' WHERE seq = 1", denied],
      ['DELETE FROM audit_events WHERE seq = 1', denied],
      ['TRUNCATE audit_events', denied],
      ['UPDATE audit_checkpoints SET mac = mac', denied],
      ['DELETE FROM audit_checkpoints', denied],
      ['UPDATE audit_archives SET file_name = file_name', denied],
      ['DELETE FROM audit_archives', denied],
      ['DELETE FROM audit_chain', denied],
      ['TRUNCATE audit_chain', denied],
      ["INSERT INTO audit_chain VALUES (2, 0, 'x', 0)", denied],
      ['TRUNCATE users', denied],
      ['UPDATE knex_migrations SET name = name', denied],
      ['DELETE FROM knex_migrations_lock', denied],
      ['CREATE TABLE shadow (id int)', denied],
      ['DROP TABLE audit_events', notOwner],
      ['ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable', notOwner],
      ['DROP TRIGGER audit_events_immutable ON audit_events', notOwner],
      ['ALTER TABLE users ADD COLUMN note text', notOwner],
      ['DROP TABLE users', notOwner],
    ];
    const client = new pg.Client({ connectionString: appUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      for (const [sql, expected] of cases) {
        const err = (await client.query(sql).then(
          () => null,
          (e: unknown) => e,
        )) as (Error & { code?: string }) | null;
        expect(err?.message, sql).toMatch(expected);
        expect(err?.code, sql).toBe('42501');
      }
    } finally {
      await client.end();
    }
    // The privilege holds by itself: with the trigger switched off by the superuser, still refused.
    superQuery(primary, 'healthsphere', 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable');
    try {
      expect((await attempt(appUrl, "UPDATE audit_events SET outcome = 'failure' WHERE seq = 1"))?.message).toMatch(
        denied,
      );
    } finally {
      superQuery(primary, 'healthsphere', 'ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable');
    }
    // The owner has the privilege; the trigger is what stops it there.
    expect((await attempt(ownerUrl, "UPDATE audit_events SET outcome = 'failure' WHERE seq = 1"))?.message).toMatch(
      /the audit trail cannot be changed: UPDATE on audit_events refused/,
    );
    expect(await query(appUrl, 'SELECT count(*) AS n FROM audit_events')).toHaveLength(1);
    expect((await core!.admin.verifyAudit(null)).ok).toBe(true);
  });

  it('refuses connections without TLS, with a CA other than the clinic’s, or with a wrong password', async () => {
    const plain = appUrl.replace(/sslmode=verify-full&sslrootcert=[^&]*/, 'sslmode=disable');
    expect((await attempt(plain, 'SELECT 1'))?.message).toMatch(/no pg_hba\.conf entry .*no encryption/);

    const other = path.join(work, 'other-ca');
    fs.mkdirSync(other);
    openssl(other, [
      'req',
      '-x509',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=Not the clinic',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    ]);
    const wrongCa = appUrl.replace(/sslrootcert=[^&]*/, `sslrootcert=${other}/ca.crt`);
    expect((await attempt(wrongCa, 'SELECT 1'))?.message).toMatch(
      /self[- ]signed certificate in certificate chain|unable to verify the first certificate/,
    );

    const wrongPassword = appUrl.replace(secrets['app-password'], randomBytes(24).toString('hex'));
    expect((await attempt(wrongPassword, 'SELECT 1'))?.message).toMatch(/password authentication failed/);
    // pg_hba.conf lets the application role into its own database only.
    expect((await attempt(appUrl.replace('/healthsphere?', '/postgres?'), 'SELECT 1'))?.message).toMatch(
      /no pg_hba\.conf entry/,
    );
  });

  it('refuses to start a workstation on a schema that needs migrating, saying what IT must do', async () => {
    const [row] = await query<{ name: string; batch: number; migration_time: Date }>(
      ownerUrl,
      "DELETE FROM knex_migrations WHERE name = '007_audit_chain' RETURNING name, batch, migration_time",
    );
    try {
      await expect(workstation(appUrl, 'front-desk-3')).rejects.toThrow(
        /needs migrating, and this database role may not change its schema: IT runs "HealthSphere --admin migrate" \(or "healthsphere-admin migrate"\)/,
      );
    } finally {
      await query(ownerUrl, 'INSERT INTO knex_migrations (name, batch, migration_time) VALUES ($1, $2, $3)', [
        row!.name,
        row!.batch,
        row!.migration_time,
      ]);
    }
    expect(superQuery(primary, 'healthsphere', 'SELECT is_locked FROM knex_migrations_lock')).toEqual([['0']]);
  });

  it('archives old events as the owner, never as the application role', async () => {
    const before = new Date(Date.now() - 6.5 * YEAR_MS).toISOString().slice(0, 10);
    // The application role's workstation runs the same archive code as the command line, and is refused.
    await expect(
      core!.admin.archiveAudit({ before: Date.parse(before), file: path.join(work, 'archive-app.json') }),
    ).rejects.toThrow(/permission denied for table audit_events/);

    const asOwner = admin(['audit', 'archive', '--before', before, '--out', path.join(work, 'archive.json')], ownerUrl);
    expect(asOwner.stderr).not.toMatch(/healthsphere-admin:/);
    expect(asOwner.status).toBe(0);
    expect(asOwner.stdout).toMatch(/Archived \d+ events \(through #\d+\)/);
    expect(superQuery(primary, 'healthsphere', 'SELECT count(*) > 0 FROM audit_archives')).toEqual([['t']]);
    expect((await core!.admin.verifyAudit(null)).ok).toBe(true);
    lap('archive');
  });

  it('backs up, restores into a new database, and verifies the restored trail with the data key', async () => {
    shell('backup');
    const dumps = fs
      .readdirSync(path.join(work, 'backups'))
      .filter((f) => /^healthsphere-\d{4}-\d\d-\d\d\.dump$/.test(f));
    expect(dumps).toHaveLength(1);
    expect(fs.readdirSync(path.join(work, 'backups')).some((f) => /^roles-.*\.sql$/.test(f))).toBe(true);
    shell('restore', { 'dump-file': path.join(work, 'backups', dumps[0]!) });
    const count = (db: string) => superQuery(primary, db, 'SELECT count(*), max(seq) FROM audit_events')[0];
    expect(count('healthsphere_restore')).toEqual(count('healthsphere'));

    lap('backup restored');
    const verified = admin(['audit', 'verify'], restoreUrl);
    expect(verified.stderr).not.toMatch(/healthsphere-admin:/);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Verified \d+ events \(#\d+ to #\d+\): the chain is intact\./);
    // Without the data key the backup is of no use: HealthSphere will not even start on it.
    await expect(
      startCore({
        config: {
          dataDir: path.join(work, 'it-machine'),
          databaseUrl: restoreUrl,
          masterKey: randomBytes(32),
          appVersion: APP_VERSION,
        },
        log: silentLogger,
        sendMail: false,
      }),
    ).rejects.toThrow(/data key is not the one the database .* was set up with/);
    lap('backup and restore');
  });

  it('builds a streaming standby with pg_basebackup -R that follows the primary and takes over', async () => {
    sqlStep('replication');
    shell('standby', {}, { PGPASSWORD: secrets['replica-password'] });
    expect(fs.readFileSync(path.join(standbyData, 'postgresql.auto.conf'), 'utf8')).toMatch(/primary_conninfo/);

    const socketDir = path.join(work, 'standby-socket');
    fs.mkdirSync(socketDir, { mode: 0o755 });
    spawnSync('chown', ['postgres:postgres', socketDir]);
    const standby: ServerAccess = { socketDir, port: await freePort() };
    asPostgres('pg_ctl', [
      '-D',
      standbyData,
      '-l',
      path.join(socketDir, 'standby.log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${standby.port} -c unix_socket_directories=${socketDir} -c fsync=off`,
    ]);
    standbyStarted = true;
    lap('standby copied and started');
    expect(superQuery(standby, 'postgres', 'SELECT pg_is_in_recovery()')).toEqual([['t']]);

    // A sign-in on the primary arrives on the standby.
    const signedIn = await core!.dispatch('session.signIn', ADMIN, { id: 'w4' });
    expect(signedIn.ok).toBe(true);
    const last = superQuery(primary, 'healthsphere', 'SELECT max(seq) FROM audit_events')[0]![0]!;
    const deadline = Date.now() + 15_000;
    let seen = '';
    while (Date.now() < deadline) {
      seen = superQuery(standby, 'healthsphere', 'SELECT max(seq) FROM audit_events')[0]![0]!;
      if (Number(seen) >= Number(last)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Number(seen)).toBe(Number(last));
    expect(superQuery(primary, 'postgres', "SELECT application_name <> '', state FROM pg_stat_replication")).toEqual([
      ['t', 'streaming'],
    ]);

    lap('standby streaming');

    // Failover, section 9.3: promote, then the owner verifies the trail on the new primary.
    expect(superQuery(standby, 'postgres', 'SELECT pg_promote()')).toEqual([['t']]);
    const onStandby = ownerUrl.replace(`:${primary.port}/`, `:${standby.port}/`);
    const owner = await startCore({
      config: { dataDir: path.join(work, 'it-machine'), databaseUrl: onStandby, masterKey, appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    try {
      expect(await owner.admin.verifyAudit(null)).toMatchObject({ ok: true, lastSeq: Number(last) });
    } finally {
      await owner.close();
    }
    lap('failover verified');
  });
});

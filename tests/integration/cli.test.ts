// healthsphere-admin run as a user runs it: the bin under plain Node, the password on standard input.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, startCore } from '../../src/main/core';
import { ManualClock } from '../../src/main/core/clock';
import { APP_VERSION } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import { signIn } from '../support/accounts';
import { ENGINES, createPostgresDatabase, postgresUrl } from '../support/test-core';
import { enroll } from '../support/totp';

const BIN = path.resolve('bin/healthsphere-admin.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-cli-'));
const masterKey = randomBytes(32).toString('base64');

function admin(args: string[], input = '') {
  return spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      HEALTHSPHERE_DATA_DIR: dataDir,
      HEALTHSPHERE_MASTER_KEY: masterKey,
      HEALTHSPHERE_DATABASE_URL: '',
    },
  });
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('healthsphere-admin', () => {
  it('migrates a new database, then says it is up to date', () => {
    const first = admin(['migrate']);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /Applied \d+ migration\(s\) to .*healthsphere\.db: 001_initial, 002_sign_in_protection, 003_two_factor, 004_profiles_and_administration, 005_avatars, 006_search_indexes, 007_audit_chain, 008_mail_delivery_log/,
    );
    expect((fs.statSync(path.join(dataDir, 'healthsphere.db')).mode & 0o777).toString(8)).toBe('600');
    const second = admin(['migrate']);
    expect(second.stdout).toMatch(/is up to date/);
  });

  it('creates a verified admin from a password on standard input, who can then sign in', async () => {
    const created = admin(
      [
        'create-admin',
        '--email',
        'Admin@Clinic.Example',
        '--first-name',
        'Grace',
        '--last-name',
        'Hopper',
        '--password-stdin',
      ],
      'quiet harbour lantern 42\n',
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Created administrator admin@clinic.example');
    expect(created.stdout + created.stderr).not.toContain('quiet harbour');

    const core = await startCore({
      config: { dataDir, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    try {
      const result = await core.dispatch(
        'session.signIn',
        { email: 'admin@clinic.example', password: 'quiet harbour lantern 42' },
        { id: 't' },
      );
      expect(result.ok && (result.value as { user: { role: string } }).user.role).toBe('admin');
      const audit = await core.db.knex('audit_events').where({ action: 'USER_CREATED' }).first();
      expect(audit.channel).toBe('cli.create-admin');
    } finally {
      await core.close();
    }
  });

  it('refuses a weak password, a taken email and a missing --password-stdin, changing nothing', () => {
    const weak = admin(
      ['create-admin', '--email', 'b@clinic.example', '--first-name', 'B', '--last-name', 'C', '--password-stdin'],
      'short\n',
    );
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('Use at least 12 characters.');
    const taken = admin(
      ['create-admin', '--email', 'admin@clinic.example', '--first-name', 'G', '--last-name', 'H', '--password-stdin'],
      'another calm passphrase\n',
    );
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain('already exists');
    const noStdin = admin(['create-admin', '--email', 'c@clinic.example', '--first-name', 'C', '--last-name', 'D']);
    expect(noStdin.status).toBe(2);
    expect(admin(['frobnicate']).status).toBe(2);
  });

  it('stops with a message naming the key when the configuration is invalid', () => {
    const result = spawnSync(process.execPath, [BIN, 'migrate'], {
      encoding: 'utf8',
      env: { ...process.env, HEALTHSPHERE_DATA_DIR: dataDir, HEALTHSPHERE_DATABASE_URL: 'mysql://nope' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('HEALTHSPHERE_DATABASE_URL');
  });

  it('verifies the audit trail, writes a checkpoint, exports, and catches a row changed in the sqlite3 shell', () => {
    const verified = admin(['audit', 'verify']);
    expect(verified.stderr).not.toMatch(/healthsphere-admin:/);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Verified \d+ events \(#1 to #\d+\): the chain is intact\./);

    const checkpointFile = path.join(dataDir, 'checkpoint.json');
    const checkpoint = admin(['audit', 'checkpoint', '--out', checkpointFile]);
    expect(checkpoint.status).toBe(0);
    const seq = JSON.parse(fs.readFileSync(checkpointFile, 'utf8')).seq as number;
    expect(admin(['audit', 'verify', '--checkpoint', checkpointFile]).stdout).toContain(
      `It still reaches checkpoint #${seq}.`,
    );

    const csv = path.join(dataDir, 'audit.csv');
    const exported = admin(['audit', 'export', '--out', csv, '--action', 'USER_CREATED']);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/Exported 1 event to/);
    expect(fs.readFileSync(csv, 'utf8')).toContain('USER_CREATED');
    expect(admin(['audit', 'export', '--out', csv]).status).toBe(1); // never overwrites
    expect(admin(['audit', 'export', '--out', 'x.csv', '--from', '2026-02-30x']).status).toBe(2);

    // The trigger refuses the change; someone who drops it first gets it past the database, not past verify.
    const db = path.join(dataDir, 'healthsphere.db');
    const refused = spawnSync('sqlite3', [db, "UPDATE audit_events SET outcome = 'failure' WHERE seq = 1"], {
      encoding: 'utf8',
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('the audit trail cannot be changed');
    const tampered = spawnSync(
      'sqlite3',
      [db, "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor_email = 'x@y' WHERE seq = 2;"],
      { encoding: 'utf8' },
    );
    expect(tampered.status).toBe(0);
    const caught = admin(['audit', 'verify']);
    expect(caught.status).toBe(1);
    expect(caught.stderr).toContain('event #2 was changed');
  });
});

// `users list | unlock | reset-2fa | deactivate` on both engines: the screen's own handlers and rules, each change
// audited as the command line (no user; this host and OS user), bad input refused with exit 2 and nothing changed.
describe.each(ENGINES)('healthsphere-admin users on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hs-cli-users-${engine}-`));
  const key = randomBytes(32);
  const password = 'quiet harbour lantern 42';
  let databaseUrl: string | undefined;
  let core: Core;
  let clock: ManualClock;

  const run = (args: string[], input = '') =>
    spawnSync(process.execPath, [BIN, ...args], {
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        HEALTHSPHERE_DATA_DIR: dir,
        HEALTHSPHERE_MASTER_KEY: key.toString('base64'),
        HEALTHSPHERE_DATABASE_URL: databaseUrl ?? '',
      },
    });

  /** Every row the user commands could change: what a refusal must leave as it was. */
  async function accountTables() {
    const tables: Record<string, unknown[]> = {};
    for (const [table, order] of [
      ['users', 'id'],
      ['sessions', 'id'],
      ['two_factor', 'user_id'],
      ['backup_codes', 'id'],
      ['sign_in_guards', 'email_hash'],
      ['mail_outbox', 'id'],
    ] as const)
      tables[table] = await core.db.knex(table).select().orderBy(order);
    return tables;
  }

  const cliEvents = (channel: string) =>
    core.db.knex('audit_events').where({ channel }).orderBy('seq') as Promise<Array<Record<string, unknown>>>;

  beforeAll(async () => {
    if (skip) return;
    if (engine === 'postgres') databaseUrl = await createPostgresDatabase();
    const created = run(
      [
        'create-admin',
        '--email',
        'first@clinic.example',
        '--first-name',
        'Ada',
        '--last-name',
        'Lovelace',
        '--password-stdin',
      ],
      `${password}\n`,
    );
    expect(created.stderr).toBe('');
    // The app on a front-desk workstation, on the same database: a second admin with 2FA and an open session,
    // and a doctor locked out by failed sign-ins.
    clock = new ManualClock(Date.now());
    core = await startCore({
      config: { dataDir: dir, databaseUrl, masterKey: key, appVersion: APP_VERSION },
      clock,
      log: silentLogger,
      sendMail: false,
      workstation: { hostname: 'front-desk', osUser: 'reception' },
    });
    await core.admin.createStaffAccount({
      email: 'second@clinic.example',
      firstName: 'Grace',
      lastName: 'Hopper',
      password,
      role: 'admin',
    });
    expect((await signIn(core, 'second', 'second@clinic.example', password)).ok).toBe(true);
    await enroll(core, 'second', clock.nowMs());
    await core.admin.createStaffAccount({
      email: 'doctor@clinic.example',
      firstName: 'Jonas',
      lastName: 'Salk',
      password,
      role: 'doctor',
    });
    for (let i = 0; i < 10; i++) {
      await signIn(core, `guess-${i}`, 'doctor@clinic.example', 'not the right password');
      clock.advance(301_000); // past the throttle: every guess is counted
    }
  }, 180_000);

  afterAll(async () => {
    if (!skip) await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the accounts as a table and as JSON, with filters, and audits the listing', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    const table = run(['users', 'list']);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+STATUS\s+LOCKED\s+2FA\s+LAST SIGN-IN$/);
    const row = (email: string) => lines.find((l) => l.startsWith(email))!.split(/\s{2,}/);
    expect(row('first@clinic.example')).toEqual([
      'first@clinic.example',
      'Ada Lovelace',
      'admin',
      'active',
      'no',
      'off',
      'never',
    ]);
    expect(row('second@clinic.example').slice(0, 6)).toEqual([
      'second@clinic.example',
      'Grace Hopper',
      'admin',
      'active',
      'no',
      'on',
    ]);
    expect(row('second@clinic.example')[6]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(row('doctor@clinic.example').slice(2, 6)).toEqual(['doctor', 'active', 'yes', 'off']);
    expect(lines[lines.length - 1]).toBe('3 users.');

    const json = run(['users', 'list', '--role', 'admin', '--json']);
    expect(json.status).toBe(0);
    const admins = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(admins.map((u) => u.email)).toEqual(['first@clinic.example', 'second@clinic.example']);
    expect(admins[1]).toMatchObject({ role: 'admin', status: 'active', locked: false, twoFactorEnabled: true });
    expect(typeof admins[1]!.lastSignInAt).toBe('string');
    expect(run(['users', 'list', '--status', 'inactive']).stdout).toBe('No user matches.\n');

    const events = await cliEvents('cli.users-list');
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      action: 'VIEW',
      outcome: 'success',
      resource_type: 'user_list',
      actor_user_id: null,
      actor_email: null,
      os_user: os.userInfo().username,
      workstation: os.hostname(),
    });
    expect(JSON.parse(events[1]!.details as string)).toEqual({ results: 2, role: 'admin', status: 'all' });
  });

  it('refuses bad input with exit 2 and a usage line, changing nothing', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    const before = await accountTables();
    const cases: Array<[string[], RegExp]> = [
      [['users', 'unlock', 'nobody@clinic.example'], /no account has the email address nobody@clinic\.example/],
      [['users', 'deactivate', 'nobody@clinic.example'], /no account has the email address/],
      [['users', 'reset-2fa', 'nobody@clinic.example'], /no account has the email address/],
      [['users', 'deactivate'], /which user\?/],
      [['users', 'unlock', 'not-an-email'], /Enter a valid email address/],
      [['users', 'unlock', 'a@clinic.example', 'b@clinic.example'], /one email address only/],
      [['users', 'unlock', 'doctor@clinic.example', '--force'], /Unknown option '--force'/],
      [['users', 'list', '--role', 'janitor'], /--role: one of admin, doctor, nurse, patient/],
      [['users', 'list', '--status', 'asleep'], /--status: active, inactive or all/],
      [['users', 'list', '--verbose'], /Unknown option '--verbose'/],
      [['users', 'promote', 'doctor@clinic.example'], /unknown users command "promote"/],
      [['users'], /which users command\?/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/Usage: healthsphere-admin users/);
      expect(result.stdout).toBe('');
    }
    expect(await accountTables()).toEqual(before);
    // The unknown account was looked up: each attempt is in the trail, as a failure.
    const refused = await core.db.knex('audit_events').where({ error_code: 'NOT_FOUND' }).orderBy('seq');
    expect(refused.map((e) => e.channel)).toEqual(['cli.users-unlock', 'cli.users-deactivate', 'cli.users-reset-2fa']);
    expect(refused.every((e) => e.outcome === 'failure' && e.actor_user_id === null)).toBe(true);
    expect(JSON.parse(refused[0].details as string)).toMatchObject({ email: 'nobody@clinic.example' });
  });

  it('unlocks a locked account, audited; the person can then sign in', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    expect((await signIn(core, 'doctor-locked', 'doctor@clinic.example', password)).ok).toBe(false);
    const unlocked = run(['users', 'unlock', 'Doctor@Clinic.Example']);
    expect(unlocked.stderr).toBe('');
    expect(unlocked.status).toBe(0);
    expect(unlocked.stdout).toContain('Unlocked doctor@clinic.example');
    expect((await signIn(core, 'doctor-back', 'doctor@clinic.example', password)).ok).toBe(true);
    const [event] = await cliEvents('cli.users-unlock').then((e) => e.filter((x) => x.outcome === 'success'));
    expect(event).toMatchObject({ action: 'ACCOUNT_UNLOCKED', resource_type: 'user', actor_user_id: null });
    expect(JSON.parse(event!.details as string)).toMatchObject({ email: 'doctor@clinic.example', wasLocked: true });
    expect(run(['users', 'unlock', 'first@clinic.example']).stdout).toContain('was not locked');
  });

  it('resets 2FA: secret and backup codes removed, sessions ended, a notice queued, audited', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    const second = await core.db.knex('users').where({ email: 'second@clinic.example' }).first();
    expect(await core.db.knex('two_factor').where({ user_id: second.id })).toHaveLength(1);
    expect((await core.db.knex('backup_codes').where({ user_id: second.id })).length).toBeGreaterThan(0);
    const outboxBefore = (await core.db.knex('mail_outbox').where({ recipient: 'second@clinic.example' })).length;
    const reset = run(['users', 'reset-2fa', 'second@clinic.example']);
    expect(reset.stderr).toBe('');
    expect(reset.status).toBe(0);
    expect(reset.stdout).toMatch(/Reset two-step verification of second@clinic\.example: .* 1 open session ended/);
    expect(await core.db.knex('two_factor').where({ user_id: second.id })).toEqual([]);
    expect(await core.db.knex('backup_codes').where({ user_id: second.id })).toEqual([]);
    expect(await core.db.knex('sessions').where({ user_id: second.id }).whereNull('ended_at')).toEqual([]);
    expect((await core.db.knex('mail_outbox').where({ recipient: 'second@clinic.example' })).length).toBe(
      outboxBefore + 1,
    );
    // The session the app held for them is over: the window is signed out.
    const current = await core.dispatch('session.current', {}, { id: 'second' });
    expect(current.ok && (current.value as { user: unknown }).user).toBeNull();
    const [event] = await cliEvents('cli.users-reset-2fa').then((e) => e.filter((x) => x.outcome === 'success'));
    expect(event).toMatchObject({ action: 'TWO_FACTOR_RESET', resource_id: String(second.id), actor_user_id: null });
    expect(JSON.parse(event!.details as string)).toMatchObject({ hadTwoFactor: true, sessionsEnded: 1 });
  });

  it('deactivates an account and ends its sessions, but never the last active admin', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    expect((await signIn(core, 'second-again', 'second@clinic.example', password)).ok).toBe(true);
    const done = run(['users', 'deactivate', 'second@clinic.example']);
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(done.stdout).toContain(
      'Deactivated second@clinic.example: they can no longer sign in; 1 open session ended.',
    );
    const second = await core.db.knex('users').where({ email: 'second@clinic.example' }).first();
    expect(Boolean(second.is_active)).toBe(false);
    expect(await core.db.knex('sessions').where({ user_id: second.id }).whereNull('ended_at')).toEqual([]);
    const signedIn = await signIn(core, 'second-denied', 'second@clinic.example', password);
    expect(signedIn.ok).toBe(false);

    // Now the first admin is the last active one.
    const before = await accountTables();
    const last = run(['users', 'deactivate', 'first@clinic.example']);
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('This would leave the clinic without an active administrator.');
    expect(last.stderr).toContain('Nothing was changed.');
    expect(await accountTables()).toEqual(before);
    const events = await cliEvents('cli.users-deactivate');
    expect(events.filter((e) => e.outcome === 'success').map((e) => e.resource_id)).toEqual([String(second.id)]);
    expect(events[events.length - 1]).toMatchObject({
      action: 'USER_DEACTIVATED',
      outcome: 'failure',
      error_code: 'LAST_ADMIN',
    });

    // Every change above is in one intact chain.
    const verified = run(['audit', 'verify']);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('the chain is intact');
  });
});

// The machine policy (issue 8, item 3) from real files: validated at start with the key named, winning over the
// environment and the database, enforced by the core on SQLite and PostgreSQL, refused and audited when an admin
// tries to change what it fixes, and checked by `healthsphere-admin policy check` through the real bin.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, policyWarnings } from '../../src/main/core/config';
import { defaultPolicyPath, machinePolicySchema, redactUrl } from '../../src/main/core/policy/machine-policy';
import {
  DEFAULT_SECURITY_SETTINGS,
  SECURITY_SETTING_LABELS,
  type SecuritySettings,
  securitySettingsSchema,
} from '../../src/shared/settings';
import { type Person, person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, startTestCore } from '../support/test-core';
import { enroll } from '../support/totp';

const BIN = path.resolve('bin/healthsphere-admin.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-policy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const DB_PASSWORD = 'Db-Pa55word-never-shown';
const MAIL_PASSWORD = 'Mail-Pa55word-never-shown';

let files = 0;
/** Writes a policy file (an object as JSON, or text as it is) and returns its path. */
function policyFile(content: unknown, name = `policy-${++files}.json`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2), { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  return file;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The ConfigError loadConfig throws for this policy file. */
function refusal(file: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig({ ...env, HEALTHSPHERE_POLICY: file });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('the policy was accepted');
}

describe('the policy file', () => {
  it('is read from the platform’s machine-wide place, or from HEALTHSPHERE_POLICY', () => {
    expect(defaultPolicyPath('win32', { ProgramData: 'D:\\ProgramData' })).toBe(
      'D:\\ProgramData\\HealthSphere\\policy.json',
    );
    expect(defaultPolicyPath('win32', {})).toBe('C:\\ProgramData\\HealthSphere\\policy.json');
    expect(defaultPolicyPath('darwin', {})).toBe('/Library/Application Support/HealthSphere/policy.json');
    expect(defaultPolicyPath('linux', {})).toBe('/etc/healthsphere/policy.json');

    // No file at the machine-wide place: no policy, and the start goes on.
    if (!fs.existsSync('/etc/healthsphere/policy.json')) {
      const config = loadConfig({}, undefined, { platform: 'linux' });
      expect(config.policy).toBeUndefined();
      expect(config.kioskMode).toBe(false);
    }

    const file = policyFile({ settings: { passwordMinLength: 16 }, kioskMode: true });
    const config = loadConfig({ HEALTHSPHERE_POLICY: file });
    expect(config.policy?.file).toBe(file);
    expect(config.policy?.settings).toEqual({ passwordMinLength: 16 });
    expect(config.kioskMode).toBe(true);
    // A blank HEALTHSPHERE_POLICY is unset, like every other variable.
    if (!fs.existsSync('/etc/healthsphere/policy.json')) {
      expect(loadConfig({ HEALTHSPHERE_POLICY: '' }, undefined, { platform: 'linux' }).policy).toBeUndefined();
    }
  });

  it('lets no user swap IT’s machine-wide file for their own through HEALTHSPHERE_POLICY', () => {
    const machineWide = policyFile({ kioskMode: true, settings: { twoFactorRequiredRoles: ['admin', 'doctor'] } });
    const own = policyFile({ kioskMode: false, settings: { twoFactorRequiredRoles: [] } });
    const config = loadConfig({ HEALTHSPHERE_POLICY: own }, undefined, { machineWideFile: machineWide });
    expect(config.policy?.file).toBe(machineWide);
    expect(config.kioskMode).toBe(true);
    expect(config.policy?.settings).toEqual({ twoFactorRequiredRoles: ['admin', 'doctor'] });
    expect(policyWarnings(config).join('\n')).toMatch(/HEALTHSPHERE_POLICY is set in the environment.*ignored/);
    // Where IT put no file, the variable names the policy.
    const elsewhere = path.join(path.dirname(machineWide), 'none-here.json');
    expect(loadConfig({ HEALTHSPHERE_POLICY: own }, undefined, { machineWideFile: elsewhere }).policy?.file).toBe(own);
  });

  it('stops the start naming the file and the key: unknown keys, out-of-range values, wrong types', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ settings: { passwordMinLength: 4 } }, 'settings.passwordMinLength', /must be at least 8/],
      [{ settings: { sessionIdleMinutes: 600 } }, 'settings.sessionIdleMinutes', /must be at most 60/],
      [{ settings: { lockoutTreshold: 5 } }, 'settings.lockoutTreshold', /is not a security setting/],
      [{ kiosk: true }, 'kiosk', /is not a policy key/],
      [{ settings: { passwordRequireComposition: 'yes' } }, 'settings.passwordRequireComposition', /true or false/],
      [{ settings: { sessionAbsoluteHours: 2.5 } }, 'settings.sessionAbsoluteHours', /whole number/],
      [{ settings: { auditRetentionYears: 5 } }, 'settings.auditRetentionYears', /must be at least 6/],
      [{ settings: { twoFactorRequiredRoles: ['admin', 'chief'] } }, 'settings.twoFactorRequiredRoles[1]', /one of/],
      [
        { settings: { twoFactorRequiredRoles: ['admin', 'admin'] } },
        'settings.twoFactorRequiredRoles',
        /each role once/,
      ],
      [{ kioskMode: 'true' }, 'kioskMode', /true or false/],
      [{ dataDirectory: 'relative/folder' }, 'dataDirectory', /absolute path/],
      [{ mailServerUrl: 'http://mail.clinic.lan' }, 'mailServerUrl', /smtp:\/\/ or smtps:\/\//],
      [{ settings: 'strict' }, 'settings', /an object/],
      [{ mail: { password: 'secret' } }, 'mail.password', /is never a policy key: every user of the computer can read/],
      [{ mail: { server: 'smtp.clinic.example' } }, 'mail.server', /is not a mail setting/],
      [
        { mail: { host: 'smtp.clinic.example', security: 'none' } },
        'mail.security',
        /only for a mail server on this computer/,
      ],
      // The URL makes plain text to this computer; the mail key moves the server away: refused as a whole.
      [
        { mailServerUrl: 'smtp://localhost:25', mail: { host: 'smtp.clinic.example' } },
        'mail.security',
        /only for a mail server on this computer/,
      ],
      [{ mail: { portalLink: 'http://portal.clinic.example' } }, 'mail.portalLink', /https:\/\//],
    ];
    for (const [content, key, detail] of cases) {
      const file = policyFile(content);
      const err = refusal(file);
      expect(err.file, key).toBe(file);
      expect(err.key, JSON.stringify(content)).toBe(key);
      expect(err.detail).toMatch(detail);
      expect(err.message).toBe(`Invalid machine policy ${file}: ${key}: ${err.detail}`);
      // The dialog of the app names the file and the key.
      expect(err.explain()).toContain(file);
      expect(err.explain()).toContain(`${key}: ${err.detail}`);
    }
    // Every problem at once, so IT corrects the file in one go.
    const several = refusal(policyFile({ settings: { passwordMinLength: 4, codeMaxAttempts: 99 }, kioskMod: true }));
    expect(several.problems.map((p) => p.key)).toEqual([
      'settings.passwordMinLength',
      'settings.codeMaxAttempts',
      'kioskMod',
    ]);
  });

  it('names the line and column of a JSON syntax error, and never quotes the file', () => {
    const text = `{\n  "databaseUrl": "postgres://app:${DB_PASSWORD}@db.clinic.lan/hs"\n  "kioskMode": true\n}\n`;
    const err = refusal(policyFile(text));
    expect(err.key).toBe('line 3, column 3');
    expect(err.detail).toBe("not valid JSON: expected ',' or '}'");
    expect(err.message).not.toContain(DB_PASSWORD);

    const cases: Array<[string, string, RegExp]> = [
      ['{ "kioskMode": true, }', 'line 1, column 20', /trailing comma/],
      ['{ "settings": { "twoFactorRequiredRoles": ["admin",] } }', 'line 1, column 51', /before \]/],
      ['{\n  // IT: front desk\n  "kioskMode": true\n}', 'line 2, column 3', /no comments/],
      ["{ 'kioskMode': true }", 'line 1, column 3', /double quotes/],
      ['{ "dataDirectory": "C:\\Data" }', 'line 1, column 23', /backslash/],
      ['{ "kioskMode": tru }', 'line 1, column 16', /expected a value/],
      ['{ "settings": { "passwordMinLength": 16 }', 'line 1, column 42', /ends where/],
      ['{} {}', 'line 1, column 4', /more text after the end/],
    ];
    for (const [content, key, detail] of cases) {
      const problem = refusal(policyFile(content));
      expect(problem.key, content).toBe(key);
      expect(problem.detail, content).toMatch(detail);
    }
  });

  it('refuses a missing file named by HEALTHSPHERE_POLICY, an empty one, a folder and one every user may change', () => {
    const missing = path.join(dir, 'not-there.json');
    const err = refusal(missing);
    expect(err.file).toBe(missing);
    expect(err.message).toBe(
      `Invalid machine policy ${missing}: the file does not exist (HEALTHSPHERE_POLICY names it)`,
    );
    expect(refusal(policyFile('  \n')).detail).toMatch(/empty/);
    expect(refusal(policyFile('[]')).detail).toMatch(/must be a JSON object/);
    expect(refusal(dir).detail).toBe('is not a file');
    const open = policyFile({ settings: { passwordMinLength: 16 } });
    fs.chmodSync(open, 0o666);
    expect(refusal(open).detail).toMatch(/every user of this computer may change the file \(mode 666\)/);
    const openFolder = fs.mkdtempSync(path.join(dir, 'open-'));
    fs.chmodSync(openFolder, 0o777);
    const inOpenFolder = path.join(openFolder, 'policy.json');
    fs.writeFileSync(inOpenFolder, '{}', { mode: 0o644 });
    expect(refusal(inOpenFolder).detail).toMatch(/every user of this computer may replace the file: its folder/);
  });

  it('is what docs/policy.md says: its full example is valid and its table has every setting with its bounds', () => {
    const doc = fs.readFileSync('docs/policy.md', 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const config = loadConfig({ HEALTHSPHERE_POLICY: policyFile(example) });
    expect(Object.keys(config.policy!.values).sort()).toEqual(Object.keys(machinePolicySchema.shape).sort());
    expect(config.databaseUrl).toMatch(/^postgresql:\/\/healthsphere_app:/);
    for (const [key, schema] of Object.entries(securitySettingsSchema.shape)) {
      const row = new RegExp(
        `^\\| \`${key}\` \\| ${escape(SECURITY_SETTING_LABELS[key as keyof SecuritySettings])} \\|(.*)$`,
        'm',
      ).exec(doc);
      expect(row, key).not.toBeNull();
      const inner = schema.unwrap();
      if (inner instanceof z.ZodNumber) {
        expect(row![1], key).toContain(
          `whole number ${inner.minValue} to ${inner.maxValue} | ${String(DEFAULT_SECURITY_SETTINGS[key as keyof SecuritySettings])} |`,
        );
      }
    }
    for (const key of Object.keys(machinePolicySchema.shape)) expect(doc).toContain(`| \`${key}\` |`);
  });

  it('reads UTF-8 with a byte order mark (Notepad) and UTF-16 (PowerShell)', () => {
    const json = JSON.stringify({ settings: { passwordMinLength: 14 } });
    const bom = policyFile(`\uFEFF${json}`);
    expect(loadConfig({ HEALTHSPHERE_POLICY: bom }).policy?.settings.passwordMinLength).toBe(14);
    const utf16 = path.join(dir, 'utf16.json');
    fs.writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    expect(loadConfig({ HEALTHSPHERE_POLICY: utf16 }).policy?.settings.passwordMinLength).toBe(14);
  });

  it('wins over the environment, says which variable it overrode, and never shows a password', () => {
    const dataDirectory = path.join(dir, 'policy-data');
    const file = policyFile({
      databaseUrl: `postgresql://healthsphere_app:${DB_PASSWORD}@db.clinic.lan/healthsphere?sslmode=verify-full`,
      mailServerUrl: `smtps://hs:${MAIL_PASSWORD}@mail.clinic.lan:465`,
      dataDirectory,
    });
    const env = {
      HEALTHSPHERE_POLICY: file,
      HEALTHSPHERE_DATABASE_URL: 'postgres://someone:env-password@elsewhere/db',
      HEALTHSPHERE_SMTP_URL: 'smtp://127.0.0.1:2525',
      HEALTHSPHERE_DATA_DIR: path.join(dir, 'env-data'),
    };
    const config = loadConfig(env);
    expect(config.databaseUrl).toContain('db.clinic.lan');
    expect(config.smtpUrl).toContain('mail.clinic.lan');
    expect(config.dataDir).toBe(dataDirectory);
    const warnings = policyWarnings(config);
    expect(warnings).toHaveLength(3);
    for (const variable of ['HEALTHSPHERE_DATABASE_URL', 'HEALTHSPHERE_SMTP_URL', 'HEALTHSPHERE_DATA_DIR']) {
      expect(warnings.join('\n')).toContain(`${variable} is set in the environment, but the machine policy ${file}`);
    }
    for (const secret of [DB_PASSWORD, MAIL_PASSWORD, 'env-password'])
      expect(warnings.join('\n')).not.toContain(secret);

    // An environment variable the policy overrides is not used, so it need not even be valid.
    expect(loadConfig({ ...env, HEALTHSPHERE_DATABASE_URL: 'mysql://nope' }).databaseUrl).toContain('db.clinic.lan');
    // One it does not override still is checked.
    expect(() => loadConfig({ ...env, HEALTHSPHERE_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/HEALTHSPHERE_MASTER_KEY/);
    // The same value in both: nothing to warn about.
    expect(policyWarnings(loadConfig({ HEALTHSPHERE_POLICY: file, HEALTHSPHERE_DATA_DIR: dataDirectory }))).toEqual([]);

    // A wrong URL is named by its key; its password is not repeated.
    const wrong = refusal(policyFile({ databaseUrl: `mysql://root:${DB_PASSWORD}@db/hs` }));
    expect(wrong.key).toBe('databaseUrl');
    expect(wrong.message + wrong.explain()).not.toContain(DB_PASSWORD);

    expect(redactUrl(`postgresql://app:${DB_PASSWORD}@db/hs?sslmode=verify-full&password=x`)).toBe(
      'postgresql://app:****@db/hs?sslmode=verify-full&password=****',
    );
  });
});

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

const ADMIN = { email: 'grace@clinic.example', password: 'quiet harbour lantern 42' };
const POLICY = {
  settings: {
    passwordMinLength: 16,
    sessionIdleMinutes: 5,
    twoFactorRequiredRoles: ['admin', 'doctor', 'nurse'],
  },
};

describe.each(ENGINES)('settings fixed by policy, on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    const config = loadConfig({ HEALTHSPHERE_POLICY: policyFile(POLICY) });
    t = await startTestCore(engine, { smtpUrl, policy: config.policy });
    // What an admin saved before IT's policy arrived: a 14-character minimum, a lockout after 7 failures.
    await t.core.db.knex('settings').insert({
      key: 'security',
      value: JSON.stringify({ passwordMinLength: 14, lockoutThreshold: 7 }),
      updated_at: t.clock.nowMs(),
      updated_by: null,
    });
    t.clock.advance(2000); // past the settings cache
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (callerId: string, channel: string, payload: unknown = {}) =>
    t.core.dispatch(channel, payload, { id: callerId });
  const savedRow = async () =>
    JSON.parse((await t.core.db.knex('settings').where({ key: 'security' }).first()).value as string) as Record<
      string,
      unknown
    >;

  async function signedInAdmin(): Promise<string> {
    await t.core.admin.createStaffAccount({ ...ADMIN, firstName: 'Grace', lastName: 'Hopper', role: 'admin' });
    await signIn(t.core, 'admin', ADMIN.email, ADMIN.password);
    await enroll(t.core, 'admin', t.clock.nowMs());
    return 'admin';
  }

  it('enforces the policy over the database: a 14-character password is refused at registration', async () => {
    const policy = await call('anyone', 'account.passwordPolicy');
    expect(policy).toEqual({ ok: true, value: { minLength: 16, requireComposition: false } });

    const fourteen = 'amber kite 4 u'; // 14 characters: enough for the database's 14, not for the policy's 16
    expect(fourteen).toHaveLength(14);
    const refused = await call('desk', 'account.register', {
      email: 'ada@example.org',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '',
      password: fourteen,
      confirmPassword: fourteen,
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'WEAK_PASSWORD', fields: { password: 'Use at least 16 characters.' } },
    });
    expect(await t.core.db.knex('users').where({ email: 'ada@example.org' }).first()).toBeUndefined();

    // A long enough one is taken; so is the command line held to the policy.
    const ada: Person = person('ada');
    await registerVerified(t.core, mailbox, ada);
    await expect(
      t.core.admin.createStaffAccount({
        email: 'nurse@clinic.example',
        firstName: 'Florence',
        lastName: 'Nightingale',
        password: fourteen,
        role: 'nurse',
      }),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });

    // The admin screen sees the values in force and which ones the policy fixes.
    const admin = await signedInAdmin();
    const shown = await call(admin, 'settings.getSecurity');
    expect(shown.ok).toBe(true);
    const value = (shown as { value: { values: Record<string, unknown>; fixedByPolicy: string[] } }).value;
    expect(value.values).toMatchObject({ passwordMinLength: 16, sessionIdleMinutes: 5, lockoutThreshold: 7 });
    expect(value.fixedByPolicy.sort()).toEqual(['passwordMinLength', 'sessionIdleMinutes', 'twoFactorRequiredRoles']);
  });

  it('refuses to change a fixed setting, changes nothing, and audits the refusal', async () => {
    const admin = await signedInAdmin();
    const before = await savedRow();
    const lastSeq = Number((await t.core.db.knex('audit_events').max({ seq: 'seq' }))[0]!.seq);

    const refused = await call(admin, 'settings.updateSecurity', { values: { passwordMinLength: 8 } });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'POLICY_FIXED',
        fields: { 'values.passwordMinLength': 'Set by your organization (machine policy): it cannot be changed here.' },
      },
    });
    // With a setting it does not fix, the whole request is refused: nothing of it is saved.
    const mixed = await call(admin, 'settings.updateSecurity', {
      values: { lockoutThreshold: 9, twoFactorRequiredRoles: ['admin'] },
    });
    expect(mixed).toMatchObject({ ok: false, error: { code: 'POLICY_FIXED' } });
    expect(Object.keys((mixed as { error: { fields: object } }).error.fields)).toEqual([
      'values.twoFactorRequiredRoles',
    ]);
    expect(await savedRow()).toEqual(before);
    t.clock.advance(2000);
    const inForce = await call(admin, 'settings.getSecurity');
    expect((inForce as { value: { values: object } }).value.values).toMatchObject({
      passwordMinLength: 16,
      lockoutThreshold: 7,
      twoFactorRequiredRoles: ['admin', 'doctor', 'nurse'],
    });

    const events = await t.core.db
      .knex('audit_events')
      .where({ action: 'SETTINGS_CHANGED' })
      .andWhere('seq', '>', lastSeq)
      .orderBy('seq');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      outcome: 'failure',
      error_code: 'POLICY_FIXED',
      actor_email: ADMIN.email,
      actor_role: 'admin',
      resource_type: 'settings',
      resource_id: 'security',
    });
    expect(JSON.parse(events[0].details as string)).toEqual({
      passwordMinLength: '16 → 8 (fixed by the machine policy)',
      fields: 'values.passwordMinLength',
    });
    expect(JSON.parse(events[1].details as string)).toMatchObject({
      twoFactorRequiredRoles: 'admin,doctor,nurse → admin (fixed by the machine policy)',
    });
    expect(await t.core.admin.verifyAudit(null)).toMatchObject({ ok: true });
  });

  it('still saves the settings it does not fix, and never writes the policy’s values to the database', async () => {
    const admin = await signedInAdmin();
    // The policy's own value sent back (a screen that sends everything) is not a change, and is not refused.
    const saved = await call(admin, 'settings.updateSecurity', {
      values: { lockoutThreshold: 9, passwordMinLength: 16, twoFactorRequiredRoles: ['nurse', 'doctor', 'admin'] },
    });
    expect(saved.ok).toBe(true);
    expect((saved as { value: { values: object } }).value.values).toMatchObject({
      lockoutThreshold: 9,
      passwordMinLength: 16,
      sessionIdleMinutes: 5,
    });
    // Only the key sent changed in the database; the admin's own 14 stays there, under the policy's 16.
    expect(await savedRow()).toEqual({ passwordMinLength: 14, lockoutThreshold: 9 });
    const event = await t.core.db
      .knex('audit_events')
      .where({ action: 'SETTINGS_CHANGED', outcome: 'success' })
      .orderBy('seq', 'desc')
      .first();
    expect(JSON.parse(event.details as string)).toEqual({ lockoutThreshold: '7 → 9' });
    t.clock.advance(2000);
    const shown = await call(admin, 'settings.getSecurity');
    expect((shown as { value: { values: object } }).value.values).toMatchObject({
      passwordMinLength: 16,
      lockoutThreshold: 9,
    });
  });
});

describe('healthsphere-admin policy check, through the real bin', () => {
  const cliData = fs.mkdtempSync(path.join(dir, 'cli-'));
  function admin(args: string[], env: NodeJS.ProcessEnv = {}) {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        HEALTHSPHERE_DATA_DIR: cliData,
        HEALTHSPHERE_MASTER_KEY: randomBytes(32).toString('base64'),
        HEALTHSPHERE_DATABASE_URL: '',
        HEALTHSPHERE_SMTP_URL: '',
        HEALTHSPHERE_POLICY: '',
        ...env,
      },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, all: result.stdout + result.stderr };
  }

  it('prints where the policy was read from and what is in force, with passwords hidden', () => {
    const file = policyFile({
      databaseUrl: `postgresql://healthsphere_app:${DB_PASSWORD}@db.clinic.lan:5432/healthsphere?sslmode=verify-full`,
      mailServerUrl: `smtps://hs:${MAIL_PASSWORD}@mail.clinic.lan:465`,
      settings: { passwordMinLength: 16, twoFactorRequiredRoles: ['admin', 'doctor', 'nurse'] },
      kioskMode: true,
    });
    const checked = admin(['policy', 'check', '--file', file], {
      HEALTHSPHERE_DATABASE_URL: 'postgres://other:env-secret@elsewhere/db',
    });
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`Machine policy: ${file} (named by --file)`);
    expect(checked.stdout).toContain('The policy is valid');
    expect(checked.stdout).toMatch(
      /database {2,}postgresql:\/\/healthsphere_app:\*\*\*\*@db\.clinic\.lan:5432\/healthsphere\?sslmode=verify-full {2}\[machine policy: databaseUrl\]/,
    );
    expect(checked.stdout).toMatch(
      /mail server {2,}smtps:\/\/hs:\*\*\*\*@mail\.clinic\.lan:465 {2}\[machine policy: mailServerUrl\]/,
    );
    expect(checked.stdout).toMatch(/kiosk mode {2,}on {2}\[machine policy: kioskMode\]/);
    expect(checked.stdout).toContain('passwordMinLength = 16   Minimum password length (characters)');
    expect(checked.stdout).toContain('twoFactorRequiredRoles = admin, doctor, nurse');
    expect(checked.stderr).toContain('warning: HEALTHSPHERE_DATABASE_URL is set in the environment');
    for (const secret of [DB_PASSWORD, MAIL_PASSWORD, 'env-secret']) expect(checked.all).not.toContain(secret);

    // HEALTHSPHERE_POLICY, as the app reads it.
    const named = admin(['policy', 'check'], { HEALTHSPHERE_POLICY: file });
    expect(named.status).toBe(0);
    expect(named.stdout).toContain(`Machine policy: ${file} (named by HEALTHSPHERE_POLICY)`);
    expect(named.all).not.toContain(DB_PASSWORD);
  });

  it('names the key of an invalid policy and exits 1; wrong usage exits 2', () => {
    const bad = policyFile({
      databaseUrl: `postgresql://app:${DB_PASSWORD}@db/hs`,
      settings: { passwordMinLength: 4, lockoutTreshold: 5 },
    });
    const checked = admin(['policy', 'check', '--file', bad]);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toContain(`the machine policy ${bad} is not valid:`);
    expect(checked.stderr).toContain('settings.passwordMinLength: must be at least 8');
    expect(checked.stderr).toContain('settings.lockoutTreshold: is not a security setting');
    expect(checked.all).not.toContain(DB_PASSWORD);

    const syntax = policyFile(`{\n  "databaseUrl": "postgres://app:${DB_PASSWORD}@db/hs",\n}\n`);
    const broken = admin(['policy', 'check', '--file', syntax]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(
      'line 2, column 64: not valid JSON: a comma before } (JSON allows no trailing comma)',
    );
    expect(broken.all).not.toContain(DB_PASSWORD);

    const missing = admin(['policy', 'check', '--file', path.join(dir, 'nowhere.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('the file does not exist (--file names it)');

    // The machine's own policy is broken, and IT checks the corrected file before copying it over.
    const good = policyFile({ settings: { passwordMinLength: 16 } });
    expect(admin(['policy', 'check', '--file', good], { HEALTHSPHERE_POLICY: bad }).status).toBe(0);

    expect(admin(['policy']).status).toBe(2);
    expect(admin(['policy', 'check', '--nope']).status).toBe(2);
  });

  it('stops every other command, as it stops the app, when the policy is invalid', () => {
    const bad = policyFile({ settings: { passwordMinLength: 4 } });
    const migrate = admin(['migrate'], { HEALTHSPHERE_POLICY: bad });
    expect(migrate.status).toBe(1);
    expect(migrate.stderr).toContain(`Invalid machine policy ${bad}: settings.passwordMinLength: must be at least 8`);
  });

  it('stops the browser preview with the same message', () => {
    const bad = policyFile({ settings: { sessionIdleMinutes: 0 } });
    const preview = spawnSync(process.execPath, ['scripts/preview-browser.js', '--no-build', '--port', '0'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HEALTHSPHERE_POLICY: bad, HEALTHSPHERE_DATA_DIR: cliData },
    });
    expect(preview.status).toBe(1);
    expect(preview.stderr).toContain(
      `HealthSphere preview could not start: Invalid machine policy ${bad}: settings.sessionIdleMinutes: must be at least 1`,
    );
  });
});

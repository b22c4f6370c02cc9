// The walking skeleton's journey through dispatch, on SQLite and on PostgreSQL, with mail read back over SMTP.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../../src/shared/errors';
import { sqliteFile } from '../../src/main/core/db/connection';
import { type ReceivedMail, TestMailbox, codeIn } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, snapshotDomainTables, startTestCore } from '../support/test-core';

const caller = { id: 'window:1' };
const patient = {
  email: 'Ada.Lovelace@Example.org ',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+44 20 7946 0958',
  password: 'correct horse battery staple',
  confirmPassword: 'correct horse battery staple',
};
const normalizedEmail = 'ada.lovelace@example.org';
const SIGNED_OUT = {
  ok: true,
  value: { user: null, locked: false, idleLockInSeconds: null, twoFactor: null, mustChangePassword: false },
};

let mailbox: TestMailbox;
let smtpUrl: string;

beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

describe.each(ENGINES)('on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    mailbox.refuse = false;
    t = await startTestCore(engine, { smtpUrl });
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (channel: string, payload: unknown, who = caller) => t.core.dispatch(channel, payload, who);

  async function registerAndReadCode(email = normalizedEmail): Promise<{ mail: ReceivedMail; code: string }> {
    const result = await call('account.register', { ...patient, email });
    expect(result).toEqual({ ok: true, value: { email } });
    await t.core.mail.kick();
    const mail = await mailbox.waitFor(email);
    return { mail, code: codeIn(mail) };
  }

  it('registers, verifies by emailed code, signs in to the patient portal and signs out, auditing each step', async () => {
    const { mail, code } = await registerAndReadCode();
    expect(mail.subject).toBe('Your HealthSphere verification code');
    expect(mail.text).not.toContain('Ada'); // no names or health information in mail

    expect(await call('account.verifyEmail', { email: patient.email, code })).toEqual({
      ok: true,
      value: { verified: true },
    });

    const signIn = await call('session.signIn', { email: patient.email, password: patient.password });
    expect(signIn).toEqual({
      ok: true,
      value: {
        user: {
          id: expect.any(Number),
          email: normalizedEmail,
          firstName: 'Ada',
          lastName: 'Lovelace',
          role: 'patient',
        },
        twoFactor: 'complete',
        mustChangePassword: false,
      },
    });
    const current = await call('session.current', {});
    expect(current.ok && (current.value as { user: { role: string } }).user.role).toBe('patient');
    // The session is the caller's own: another window is not signed in.
    expect(await call('session.current', {}, { id: 'window:2' })).toEqual(SIGNED_OUT);

    expect(await call('session.signOut', {})).toEqual({ ok: true, value: { signedOut: true } });
    expect(await call('session.current', {})).toEqual(SIGNED_OUT);
    expect((await call('session.signOut', {})).ok).toBe(false);

    const audit = await t.core.db
      .knex('audit_events')
      .orderBy('seq')
      .select('action', 'outcome', 'actor_email', 'error_code');
    expect(audit.map((a) => `${a.action}:${a.outcome}`)).toEqual([
      'USER_CREATED:success',
      'EMAIL_VERIFIED:success',
      'LOGIN:success',
      'VIEW:success',
      'VIEW:success',
      'LOGOUT:success',
      'VIEW:success',
      'LOGOUT:denied',
    ]);
    expect(audit[2]!.actor_email).toBe(normalizedEmail);
    expect(audit[7]!.error_code).toBe('NOT_SIGNED_IN');
  });

  it('keeps no secret readable at rest: not the password, the code, the session token or the queued mail', async () => {
    const { code } = await registerAndReadCode();
    const outbox = await t.core.db.knex('mail_outbox').select();
    expect(outbox).toHaveLength(1);
    expect(outbox[0].sent_at).not.toBeNull();
    expect(outbox[0].body_encrypted).toBeNull(); // erased once sent
    const codes = await t.core.db.knex('email_codes').select('code_hash');
    expect(codes[0].code_hash).toMatch(/^[0-9a-f]{64}$/);
    const user = await t.core.db.knex('users').first();
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/); // OWASP: 19 MiB, 2 passes, 1 lane
    if (engine === 'sqlite') {
      await t.core.db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
      const file = fs.readFileSync(sqliteFile(t.dataDir)).toString('latin1');
      expect(file).not.toContain(patient.password);
      expect(file).not.toContain(`code is ${code}`);
    }
    const audit = JSON.stringify(await t.core.db.knex('audit_events').select());
    expect(audit).not.toContain(patient.password);
    expect(audit).not.toContain(code);
  });

  it('answers a wrong, an expired and a reused code with the same INVALID_CODE', async () => {
    const { code } = await registerAndReadCode();
    const wrong = code === '000000' ? '111111' : '000000';
    const invalid = { ok: false, error: { code: 'INVALID_CODE', message: ERROR_MESSAGES.INVALID_CODE } };

    expect(await call('account.verifyEmail', { email: normalizedEmail, code: wrong })).toEqual(invalid);
    t.clock.advance(10 * 60_000 + 1);
    expect(await call('account.verifyEmail', { email: normalizedEmail, code })).toEqual(invalid);

    // A new code after the old one expired; it works once, and never again.
    t.clock.advance(60_000);
    expect((await call('account.resendCode', { email: normalizedEmail })).ok).toBe(true);
    await t.core.mail.kick();
    const fresh = codeIn(await mailbox.waitFor(normalizedEmail, 2));
    expect(await call('account.verifyEmail', { email: normalizedEmail, code: fresh })).toEqual({
      ok: true,
      value: { verified: true },
    });
    expect(await call('account.verifyEmail', { email: normalizedEmail, code: fresh })).toEqual(invalid);
    // An email without an account gets the very same answer.
    expect(await call('account.verifyEmail', { email: 'nobody@example.org', code: fresh })).toEqual(invalid);
  });

  it('kills a code after five wrong attempts: the right code then fails too', async () => {
    const { code } = await registerAndReadCode();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect((await call('account.verifyEmail', { email: normalizedEmail, code: wrong })).ok).toBe(false);
    }
    const right = await call('account.verifyEmail', { email: normalizedEmail, code });
    expect(right.ok === false && right.error.code).toBe('INVALID_CODE');
    const user = await t.core.db.knex('users').first();
    expect(user.email_verified_at).toBeNull();
  });

  it('does not reveal that an email is registered, and tells the owner by mail', async () => {
    const { code } = await registerAndReadCode();
    await call('account.verifyEmail', { email: normalizedEmail, code });
    const again = await call('account.register', {
      ...patient,
      firstName: 'Mallory',
      password: 'another long passphrase',
      confirmPassword: 'another long passphrase',
    });
    const fresh = await call('account.register', { ...patient, email: 'grace@example.org' });
    expect(again).toEqual({ ok: true, value: { email: normalizedEmail } });
    expect(fresh).toEqual({ ok: true, value: { email: 'grace@example.org' } });
    await t.core.mail.kick();
    const notice = await mailbox.waitFor(normalizedEmail, 3); // after the code and the welcome
    expect(notice.subject).toBe('Someone tried to register with your email address');
    expect(notice.text).not.toMatch(/\d{6}/);
    expect(await t.core.db.knex('users').where({ email: normalizedEmail }).count({ n: '*' })).toEqual([{ n: 1 }]);
    // The original password still works; the attempt changed nothing.
    expect((await call('session.signIn', { email: normalizedEmail, password: patient.password })).ok).toBe(true);
  });

  it('answers an unknown email exactly like a wrong password, and an unverified email with EMAIL_NOT_VERIFIED', async () => {
    await registerAndReadCode();
    const unverified = await call('session.signIn', { email: normalizedEmail, password: patient.password });
    expect(unverified).toEqual({
      ok: false,
      error: { code: 'EMAIL_NOT_VERIFIED', message: ERROR_MESSAGES.EMAIL_NOT_VERIFIED },
    });
    const wrongPassword = await call('session.signIn', { email: normalizedEmail, password: 'not the password at all' });
    const unknown = await call('session.signIn', { email: 'nobody@example.org', password: 'not the password at all' });
    expect(wrongPassword).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS', message: ERROR_MESSAGES.INVALID_CREDENTIALS },
    });
    expect(unknown).toEqual(wrongPassword);
    const failed = await t.core.db
      .knex('audit_events')
      .where({ action: 'LOGIN_FAILED' })
      .select('actor_email', 'outcome');
    expect(failed).toEqual([
      { actor_email: normalizedEmail, outcome: 'failure' },
      { actor_email: normalizedEmail, outcome: 'failure' },
      { actor_email: 'nobody@example.org', outcome: 'failure' },
    ]);
  });

  it('refuses a weak password and a mismatched confirmation, naming the field, and stores nothing', async () => {
    const before = await snapshotDomainTables(t.core);
    const weak = await call('account.register', {
      ...patient,
      password: 'ada-lovelace-1815',
      confirmPassword: 'ada-lovelace-1815',
    });
    expect(weak).toEqual({
      ok: false,
      error: {
        code: 'WEAK_PASSWORD',
        message: ERROR_MESSAGES.WEAK_PASSWORD,
        fields: { password: expect.stringMatching(/name or email/) },
      },
    });
    const short = await call('account.register', { ...patient, password: 'short', confirmPassword: 'short' });
    expect(short.ok === false && short.error.fields).toEqual({ password: 'Use at least 12 characters.' });
    const mismatch = await call('account.register', { ...patient, confirmPassword: 'something else entirely' });
    expect(mismatch.ok === false && mismatch.error).toMatchObject({
      code: 'INVALID_INPUT',
      fields: { confirmPassword: 'The passwords do not match.' },
    });
    expect(await snapshotDomainTables(t.core)).toEqual(before);
  });

  it('rejects oversized and malformed payloads and unknown channels, writes nothing but the audit event', async () => {
    const before = await snapshotDomainTables(t.core);
    const huge = await call('account.register', { ...patient, email: `${'a'.repeat(1_000_000)}@example.org` });
    expect(huge.ok === false && huge.error.code).toBe('INVALID_INPUT');
    const extraKey = await call('session.signIn', { email: normalizedEmail, password: 'x', role: 'admin' });
    expect(extraKey.ok === false && extraKey.error.code).toBe('INVALID_INPUT');
    const unknown = await call('admin.dropEverything', {});
    expect(unknown).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: ERROR_MESSAGES.UNKNOWN_CHANNEL } });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect((await call('session.signIn', cyclic)).ok).toBe(false);
    expect(await snapshotDomainTables(t.core)).toEqual(before);
    const audit = await t.core.db.knex('audit_events').select('outcome', 'error_code', 'details');
    expect(audit.map((a) => a.error_code)).toEqual([
      'INVALID_INPUT',
      'INVALID_INPUT',
      'UNKNOWN_CHANNEL',
      'INVALID_INPUT',
    ]);
    expect(JSON.stringify(audit)).not.toContain('aaaaaaaaaa'); // the payload itself is never recorded
  });

  it('records a call the shell refused because it did not come from the app window', async () => {
    await t.core.recordUntrustedCall('session.signIn');
    const row = await t.core.db.knex('audit_events').first();
    expect(row).toMatchObject({
      action: 'REQUEST_REJECTED',
      outcome: 'denied',
      channel: 'session.signIn',
      error_code: 'FORBIDDEN',
    });
  });

  it('delays the code while the mail server is down and delivers it when it is back', async () => {
    mailbox.refuse = true;
    await call('account.register', { ...patient });
    await t.core.mail.kick();
    expect(mailbox.mailTo(normalizedEmail)).toHaveLength(0);
    const queued = await t.core.db.knex('mail_outbox').first();
    expect(queued.sent_at).toBeNull();
    expect(queued.attempts).toBe(1);
    expect(queued.last_error).toMatch(/451/);

    mailbox.refuse = false;
    t.clock.advance(60_000);
    await t.core.mail.kick();
    const code = codeIn(await mailbox.waitFor(normalizedEmail));
    expect((await call('account.verifyEmail', { email: normalizedEmail, code })).ok).toBe(true);
  });

  it('locks an idle session, and ends one past its lifetime: both audited', async () => {
    const { code } = await registerAndReadCode();
    await call('account.verifyEmail', { email: normalizedEmail, code });
    await call('session.signIn', { email: normalizedEmail, password: patient.password });
    t.clock.advance(15 * 60_000 + 1);
    const locked = await call('session.list', {});
    expect(locked).toEqual({ ok: false, error: { code: 'SESSION_LOCKED', message: ERROR_MESSAGES.SESSION_LOCKED } });
    expect((await call('session.unlock', { password: patient.password })).ok).toBe(true);

    t.clock.advance(12 * 60 * 60_000);
    const expired = await call('session.list', {});
    expect(expired).toEqual({ ok: false, error: { code: 'SESSION_EXPIRED', message: ERROR_MESSAGES.SESSION_EXPIRED } });
    const actions = (await t.core.db.knex('audit_events').select('action')).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['SESSION_LOCKED', 'SESSION_UNLOCKED', 'SESSION_EXPIRED']));
  });

  it('lets an admin made by the command line sign in as an administrator', async () => {
    await t.core.admin.createStaffAccount({
      email: 'admin@clinic.example',
      firstName: 'Grace',
      lastName: 'Hopper',
      password: 'quiet harbour lantern 42',
      role: 'admin',
    });
    const result = await call('session.signIn', {
      email: 'admin@clinic.example',
      password: 'quiet harbour lantern 42',
    });
    expect(result.ok && result.value).toMatchObject({ user: { role: 'admin' }, twoFactor: 'enroll' });
  });

  it('ends the session when its window goes away', async () => {
    await t.core.admin.createStaffAccount({
      email: 'nurse@clinic.example',
      firstName: 'Florence',
      lastName: 'Nightingale',
      password: 'lamp lit ward rounds',
      role: 'nurse',
    });
    await call('session.signIn', { email: 'nurse@clinic.example', password: 'lamp lit ward rounds' });
    await t.core.forgetCaller(caller.id);
    expect(await call('session.current', {})).toEqual(SIGNED_OUT);
    const session = await t.core.db.knex('sessions').first();
    expect(session.end_reason).toBe('closed');
  });
});

// Issue 3's attacks and bad input, each a test, on SQLite and on PostgreSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../../src/shared/errors';
import { passwordVerificationCount } from '../../src/main/core/crypto/password';
import { serverFromUrl } from '../../src/main/core/mail/mail-settings';
import { connectionOptions, DEFAULT_MAIL_TIMEOUTS } from '../../src/main/core/mail/smtp-delivery';
import { DEFAULT_MAIL_SETTINGS } from '../../src/shared/mail';
import { type Person, person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox, codeIn } from '../support/smtp';
import { enroll } from '../support/totp';
import { ENGINES, type TestCore, postgresUrl, snapshotDomainTables, startTestCore } from '../support/test-core';

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

describe('mail transport', () => {
  const optionsFor = (url: string) => {
    const server = serverFromUrl(url);
    return connectionOptions({ ...DEFAULT_MAIL_SETTINGS, ...server.values }, server.password, DEFAULT_MAIL_TIMEOUTS);
  };
  it('requires TLS for any mail server that is not on this machine, and verifies its certificate', () => {
    expect(optionsFor('smtp://mail.example.com:587')).toMatchObject({ requireTLS: true, secure: false });
    expect(optionsFor('smtp://127.0.0.1:2525')).toMatchObject({ requireTLS: false, ignoreTLS: true });
    expect(optionsFor('smtp://localhost:25')).toMatchObject({ requireTLS: false, ignoreTLS: true });
    expect(optionsFor('smtps://mail.example.com').tls).toMatchObject({
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    });
    expect(optionsFor('smtps://mail.example.com')).toMatchObject({ secure: true, port: 465 });
  });
  it('never connects in plain text to a server that is not this computer', () => {
    expect(() =>
      connectionOptions(
        { ...DEFAULT_MAIL_SETTINGS, host: 'mail.example.com', security: 'none' },
        '',
        DEFAULT_MAIL_TIMEOUTS,
      ),
    ).toThrow(/only to this computer/);
  });
});

describe.each(ENGINES)('on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;
  let ada: Person;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    t = await startTestCore(engine, { smtpUrl });
    ada = person(`ada.${Math.random().toString(36).slice(2, 8)}`);
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (channel: string, payload: unknown, callerId = 'window:1') =>
    t.core.dispatch(channel, payload, { id: callerId });
  const codeOf = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.error.code);
  const minutes = (n: number) => t.clock.advance(n * 60_000);

  async function makeAdmin(): Promise<string> {
    await t.core.admin.createStaffAccount({
      email: 'chief@clinic.example',
      firstName: 'Grace',
      lastName: 'Hopper',
      password: 'quiet harbour lantern 42',
      role: 'admin',
    });
    const signedIn = await signIn(t.core, 'admin-window', 'chief@clinic.example', 'quiet harbour lantern 42');
    // Admins must use two-step verification by default: the first sign-in enrolls.
    expect(signedIn.ok && (signedIn.value as { twoFactor: string }).twoFactor).toBe('enroll');
    await enroll(t.core, 'admin-window', t.clock.nowMs());
    return 'admin-window';
  }

  it("refuses another user's code, and a reset code for verification", async () => {
    const bob = person('bob');
    await call('account.register', { ...ada, phone: '', confirmPassword: ada.password });
    await call('account.register', { ...bob, phone: '', confirmPassword: bob.password });
    await t.core.mail.kick();
    const bobsCode = codeIn(await mailbox.waitFor(bob.email));
    expect(codeOf(await call('account.verifyEmail', { email: ada.email, code: bobsCode }))).toBe('INVALID_CODE');
    expect(codeOf(await call('account.verifyEmail', { email: bob.email, code: bobsCode }))).toBe('ok');
    // A reset code is not a verification code, nor the other way round.
    await call('account.requestPasswordReset', { email: bob.email });
    await t.core.mail.kick();
    const resetCode = codeIn(await mailbox.waitFor(bob.email, 3)); // after the code and the welcome
    expect(codeOf(await call('account.verifyEmail', { email: bob.email, code: resetCode }))).toBe('INVALID_CODE');
  });

  it('answers register, resend and forgot-password identically for known and unknown emails', async () => {
    await registerVerified(t.core, mailbox, ada);
    const stranger = 'nobody@example.org';
    const shape = (r: Awaited<ReturnType<typeof call>>, email: string) => JSON.stringify(r).replace(email, 'EMAIL');
    minutes(2);
    expect(shape(await call('account.resendCode', { email: ada.email }), ada.email)).toBe(
      shape(await call('account.resendCode', { email: stranger }), stranger),
    );
    expect(shape(await call('account.requestPasswordReset', { email: ada.email }), ada.email)).toBe(
      shape(await call('account.requestPasswordReset', { email: stranger }), stranger),
    );
    expect(shape(await call('account.register', { ...ada, phone: '', confirmPassword: ada.password }), ada.email)).toBe(
      shape(
        await call('account.register', { ...ada, email: stranger, phone: '', confirmPassword: ada.password }),
        stranger,
      ),
    );
  });

  it('limits new codes to one a minute and five an hour, silently', async () => {
    await call('account.register', { ...ada, phone: '', confirmPassword: ada.password });
    // Two requests a minute for six minutes: one code a minute gets through, until five in the hour.
    for (let i = 0; i < 12; i++) {
      expect((await call('account.resendCode', { email: ada.email })).ok).toBe(true);
      if (i % 2 === 1) minutes(1);
    }
    await t.core.mail.kick();
    await mailbox.waitFor(ada.email, 5);
    minutes(61);
    await call('account.resendCode', { email: ada.email });
    await t.core.mail.kick();
    await mailbox.waitFor(ada.email, 6);
    expect(mailbox.mailTo(ada.email)).toHaveLength(6);
  });

  it('holds the lock against 1,000 wrong passwords, spending argon2 only on the allowed attempts', async () => {
    await registerVerified(t.core, mailbox, ada);
    const before = passwordVerificationCount();
    const answers: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const r = await signIn(t.core, 'attacker', ada.email, `wrong guess number ${i}`);
      answers[codeOf(r)] = (answers[codeOf(r)] ?? 0) + 1;
      if (i % 100 === 99) t.clock.advance(20_000); // the attacker waits now and then, past each throttle delay
    }
    // 5 free tries, then one try per throttle delay (1, 2, 4, 8 s), then the lock at the 10th failure.
    expect(answers['INVALID_CREDENTIALS']).toBe(9);
    expect(passwordVerificationCount() - before).toBe(10);
    expect(answers['ACCOUNT_LOCKED']! + answers['RATE_LIMITED']!).toBe(991);

    const locked = await signIn(t.core, 'window:1', ada.email, ada.password);
    expect(locked).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', message: ERROR_MESSAGES.ACCOUNT_LOCKED },
    });
    expect(locked.ok === false && locked.error.retryAfterSeconds).toBeGreaterThan(0);
    await t.core.mail.kick();
    const lockMail = await mailbox.waitFor(ada.email, 3); // after the code and the welcome
    expect(lockMail.subject).toBe('Your HealthSphere account was locked');

    minutes(16);
    expect(codeOf(await signIn(t.core, 'window:1', ada.email, ada.password))).toBe('ok');
    const audit = await t.core.db.knex('audit_events').where({ action: 'ACCOUNT_LOCKED' }).count({ n: '*' });
    expect(Number(audit[0]!.n)).toBe(1);
  });

  it('treats an unknown email exactly like a known one under a guessing attack', async () => {
    await registerVerified(t.core, mailbox, ada);
    const run = async (email: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        seen.push(codeOf(await signIn(t.core, 'attacker', email, `guess ${i}`)));
        t.clock.advance(20_000);
      }
      return seen;
    };
    expect(await run('nobody@example.org')).toEqual(await run(ada.email));
  });

  it('stops password spraying across many accounts from one workstation', async () => {
    const admin = await makeAdmin();
    await call('settings.updateSecurity', { values: { workstationFailureLimit: 10 } }, admin);
    t.clock.advance(2000);
    for (let i = 0; i < 10; i++)
      expect(codeOf(await signIn(t.core, 'sprayer', `victim${i}@example.org`, 'Winter2026!'))).toBe(
        'INVALID_CREDENTIALS',
      );
    const before = passwordVerificationCount();
    expect(codeOf(await signIn(t.core, 'sprayer', 'victim10@example.org', 'Winter2026!'))).toBe('RATE_LIMITED');
    expect(codeOf(await signIn(t.core, 'window:1', 'chief@clinic.example', 'quiet harbour lantern 42'))).toBe(
      'RATE_LIMITED',
    );
    expect(passwordVerificationCount()).toBe(before);
    minutes(16);
    expect(codeOf(await signIn(t.core, 'window:1', 'chief@clinic.example', 'quiet harbour lantern 42'))).toBe('ok');
  });

  it('counts concurrent wrong passwords exactly, and lets two correct sign-ins of one user run at once', async () => {
    await registerVerified(t.core, mailbox, ada);
    const before = passwordVerificationCount();
    const wrong = await Promise.all(
      Array.from({ length: 8 }, (_, i) => signIn(t.core, `w${i}`, ada.email, `wrong ${i}`)),
    );
    const invalid = wrong.filter((r) => codeOf(r) === 'INVALID_CREDENTIALS').length;
    expect(passwordVerificationCount() - before).toBe(invalid);
    expect(invalid).toBeLessThanOrEqual(5 + (engine === 'postgres' ? 3 : 0));
    t.clock.advance(60_000);
    await t.core.dispatch('users.unlock', {}, { id: 'nobody' }); // refused: not signed in
    const admin = await makeAdmin();
    await call('users.unlock', { email: ada.email }, admin);
    const both = await Promise.all([
      signIn(t.core, 'desk-1', ada.email, ada.password),
      signIn(t.core, 'desk-2', ada.email, ada.password),
    ]);
    expect(both.map(codeOf)).toEqual(['ok', 'ok']);
    const sessions = await call('session.list', {}, 'desk-1');
    expect(sessions.ok && (sessions.value as { sessions: unknown[] }).sessions).toHaveLength(2);
  });

  it('ends every session on a password reset, clears the lock, and mails the owner', async () => {
    await registerVerified(t.core, mailbox, ada);
    expect(codeOf(await signIn(t.core, 'desk-1', ada.email, ada.password))).toBe('ok');
    for (let i = 0; i < 10; i++) {
      await signIn(t.core, 'attacker', ada.email, `wrong ${i}`);
      t.clock.advance(20_000);
    }
    expect(codeOf(await signIn(t.core, 'desk-2', ada.email, ada.password))).toBe('ACCOUNT_LOCKED');

    await call('account.requestPasswordReset', { email: ada.email });
    await t.core.mail.kick();
    const resetMail =
      mailbox.mailTo(ada.email).find((m) => m.subject === 'Your HealthSphere password reset code') ??
      (await mailbox.waitFor(ada.email, 4));
    const code = codeIn(resetMail);
    const weak = await call('account.resetPassword', {
      email: ada.email,
      code,
      newPassword: 'password1234',
      confirmPassword: 'password1234',
    });
    expect(codeOf(weak)).toBe('WEAK_PASSWORD');
    const reset = await call('account.resetPassword', {
      email: ada.email,
      code,
      newPassword: 'a brand new lantern phrase',
      confirmPassword: 'a brand new lantern phrase',
    });
    expect(reset).toEqual({ ok: true, value: { reset: true } });
    // Spent: the same code does not work twice.
    expect(
      codeOf(
        await call('account.resetPassword', {
          email: ada.email,
          code,
          newPassword: 'yet another lantern phrase',
          confirmPassword: 'yet another lantern phrase',
        }),
      ),
    ).toBe('INVALID_CODE');

    expect(codeOf(await call('session.list', {}, 'desk-1'))).toBe('NOT_SIGNED_IN');
    expect(codeOf(await signIn(t.core, 'desk-2', ada.email, ada.password))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(await signIn(t.core, 'desk-2', ada.email, 'a brand new lantern phrase'))).toBe('ok');
    await t.core.mail.kick();
    await expect
      .poll(() => mailbox.mailTo(ada.email).some((m) => m.subject === 'Your HealthSphere password was changed'))
      .toBe(true);
  });

  it('verifies the email through a reset, for someone who never entered the verification code', async () => {
    await call('account.register', { ...ada, phone: '', confirmPassword: ada.password });
    minutes(2);
    await call('account.requestPasswordReset', { email: ada.email });
    await t.core.mail.kick();
    const code = codeIn(await mailbox.waitFor(ada.email, 2));
    await call('account.resetPassword', {
      email: ada.email,
      code,
      newPassword: 'a brand new lantern phrase',
      confirmPassword: 'a brand new lantern phrase',
    });
    expect(codeOf(await signIn(t.core, 'desk-1', ada.email, 'a brand new lantern phrase'))).toBe('ok');
  });

  it('changes a password only with the current one, and ends the other sessions', async () => {
    await registerVerified(t.core, mailbox, ada);
    await signIn(t.core, 'desk-1', ada.email, ada.password);
    await signIn(t.core, 'desk-2', ada.email, ada.password);
    const wrong = await call(
      'session.changePassword',
      {
        currentPassword: 'not it at all',
        newPassword: 'a brand new lantern phrase',
        confirmPassword: 'a brand new lantern phrase',
      },
      'desk-1',
    );
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'PASSWORD_MISMATCH', fields: { currentPassword: expect.any(String) } },
    });
    const same = await call(
      'session.changePassword',
      { currentPassword: ada.password, newPassword: ada.password, confirmPassword: ada.password },
      'desk-1',
    );
    expect(codeOf(same)).toBe('WEAK_PASSWORD');
    const changed = await call(
      'session.changePassword',
      {
        currentPassword: ada.password,
        newPassword: 'a brand new lantern phrase',
        confirmPassword: 'a brand new lantern phrase',
      },
      'desk-1',
    );
    expect(changed).toEqual({ ok: true, value: { changed: true, otherSessionsEnded: 1 } });
    expect(codeOf(await call('session.list', {}, 'desk-2'))).toBe('NOT_SIGNED_IN');
    expect(codeOf(await call('session.list', {}, 'desk-1'))).toBe('ok');
  });

  it('lists a user’s sessions and ends one of them, but never another user’s', async () => {
    await registerVerified(t.core, mailbox, ada);
    await signIn(t.core, 'desk-1', ada.email, ada.password);
    await signIn(t.core, 'desk-2', ada.email, ada.password);
    const listed = await call('session.list', {}, 'desk-1');
    const sessions = (listed.ok ? listed.value : { sessions: [] }) as {
      sessions: Array<{ id: number; current: boolean; workstation: string }>;
    };
    expect(sessions.sessions.map((s) => s.current).sort()).toEqual([false, true]);
    expect(sessions.sessions[0]!.workstation).toBe('tester@test-host');
    const other = sessions.sessions.find((s) => !s.current)!;
    expect(await call('session.end', { sessionId: other.id }, 'desk-1')).toEqual({ ok: true, value: { ended: true } });
    expect(codeOf(await call('session.list', {}, 'desk-2'))).toBe('NOT_SIGNED_IN');

    const admin = await makeAdmin();
    const mine = await call('session.list', {}, admin);
    const adminSession = (mine.ok ? mine.value : { sessions: [] }) as { sessions: Array<{ id: number }> };
    expect(codeOf(await call('session.end', { sessionId: adminSession.sessions[0]!.id }, 'desk-1'))).toBe('FORBIDDEN');
  });

  it('ends the sessions of a deactivated account', async () => {
    await registerVerified(t.core, mailbox, ada);
    await signIn(t.core, 'desk-1', ada.email, ada.password);
    await t.core.db.knex('users').where({ email: ada.email }).update({ is_active: false });
    expect(codeOf(await call('session.list', {}, 'desk-1'))).toBe('SESSION_EXPIRED');
    expect(codeOf(await signIn(t.core, 'desk-1', ada.email, ada.password))).toBe('ACCOUNT_DISABLED');
  });

  it('unlocks an idle-locked screen only with that user’s password; switching user ends the session', async () => {
    await registerVerified(t.core, mailbox, ada);
    await signIn(t.core, 'desk', ada.email, ada.password);
    const fresh = await call('session.current', {}, 'desk');
    expect(fresh.ok && fresh.value).toMatchObject({ locked: false, idleLockInSeconds: 900 });
    minutes(15);
    expect(codeOf(await call('session.list', {}, 'desk'))).toBe('SESSION_LOCKED');
    const status = await call('session.current', {}, 'desk');
    expect(status.ok && status.value).toMatchObject({ locked: true, user: { email: ada.email } });
    expect(codeOf(await call('session.unlock', { password: 'quiet harbour lantern 42' }, 'desk'))).toBe(
      'PASSWORD_MISMATCH',
    );
    expect(codeOf(await call('session.unlock', { password: ada.password }, 'desk'))).toBe('ok');
    expect(codeOf(await call('session.list', {}, 'desk'))).toBe('ok');
    minutes(15);
    expect(codeOf(await call('session.signOut', {}, 'desk'))).toBe('ok');
    expect(codeOf(await call('session.list', {}, 'desk'))).toBe('NOT_SIGNED_IN');
  });

  it('lets only an admin change security settings, validates them, audits them and applies them', async () => {
    await registerVerified(t.core, mailbox, ada);
    await signIn(t.core, 'patient', ada.email, ada.password);
    expect(codeOf(await call('settings.getSecurity', {}, 'patient'))).toBe('FORBIDDEN');
    expect(codeOf(await call('settings.updateSecurity', { values: { passwordMinLength: 20 } }, 'patient'))).toBe(
      'FORBIDDEN',
    );
    const admin = await makeAdmin();
    const tooLow = await call('settings.updateSecurity', { values: { passwordMinLength: 7 } }, admin);
    expect(tooLow).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { 'values.passwordMinLength': expect.any(String) } },
    });
    const saved = await call(
      'settings.updateSecurity',
      { values: { passwordMinLength: 20, argon2Iterations: 3 } },
      admin,
    );
    expect(saved.ok && (saved.value as { values: { passwordMinLength: number } }).values.passwordMinLength).toBe(20);
    const got = await call('settings.getSecurity', {}, admin);
    expect(got.ok && got.value).toMatchObject({
      values: { passwordMinLength: 20 },
      defaults: { passwordMinLength: 12 },
    });
    expect(await call('account.passwordPolicy', {})).toEqual({
      ok: true,
      value: { minLength: 20, requireComposition: false },
    });
    const short = await call('account.register', {
      ...person('carol'),
      password: 'seventeen chars!!',
      confirmPassword: 'seventeen chars!!',
      phone: '',
    });
    expect(short.ok === false && short.error.fields).toEqual({ password: 'Use at least 20 characters.' });
    const event = await t.core.db
      .knex('audit_events')
      .where({ action: 'SETTINGS_CHANGED', outcome: 'success' })
      .first();
    expect(JSON.parse(event.details)).toEqual({ passwordMinLength: '12 → 20', argon2Iterations: '2 → 3' });

    // Raised argon2 parameters: the password is rehashed at its next successful sign-in.
    await signIn(t.core, 'patient', ada.email, ada.password);
    const user = await t.core.db.knex('users').where({ email: ada.email }).first();
    expect(user.password_hash).toContain('t=3');
  });

  it('lets an admin unlock a locked account', async () => {
    await registerVerified(t.core, mailbox, ada);
    for (let i = 0; i < 10; i++) {
      await signIn(t.core, 'attacker', ada.email, `wrong ${i}`);
      t.clock.advance(20_000);
    }
    expect(codeOf(await signIn(t.core, 'desk', ada.email, ada.password))).toBe('ACCOUNT_LOCKED');
    const admin = await makeAdmin();
    expect(await call('users.unlock', { email: ada.email }, admin)).toEqual({ ok: true, value: { unlocked: true } });
    expect(codeOf(await signIn(t.core, 'desk', ada.email, ada.password))).toBe('ok');
    expect(await call('users.unlock', { email: ada.email }, admin)).toEqual({ ok: true, value: { unlocked: false } });
  });

  it('sends an admin test mail, shows the server answer, and lists the outbox without bodies', async () => {
    const admin = await makeAdmin();
    const sent = await call('mail.sendTest', { to: 'it@clinic.example' }, admin);
    expect(sent).toMatchObject({ ok: true, value: { delivered: true, serverResponse: expect.stringMatching(/^250/) } });
    expect((await mailbox.waitFor('it@clinic.example')).subject).toBe('HealthSphere test message');
    // Mail queued before (the admin's two-step notice) is delivered first: only the next mail meets the outage.
    await t.core.mail.kick();
    mailbox.refuse = true; // the server is down before the mail is queued: the send right after commit fails
    await call('account.register', { ...ada, phone: '', confirmPassword: ada.password });
    await t.core.mail.kick();
    mailbox.refuse = false;
    const outbox = await call('mail.outbox', { state: 'failed' }, admin);
    expect(outbox.ok && outbox.value).toMatchObject({
      configured: true,
      messages: [
        {
          kind: 'verification',
          recipient: ada.email,
          state: 'failed',
          attempts: 1,
          lastError: expect.stringMatching(/451/),
        },
      ],
    });
    expect(JSON.stringify(outbox)).not.toMatch(/\b\d{6}\b/);
  });

  it('refuses passwords of 129 characters and of spaces, and accepts emoji', async () => {
    const before = await snapshotDomainTables(t.core);
    const long = await call('account.register', {
      ...ada,
      password: 'x'.repeat(129),
      confirmPassword: 'x'.repeat(129),
      phone: '',
    });
    expect(long).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { password: 'At most 128 characters.' } },
    });
    const spaces = await call('account.register', {
      ...ada,
      password: ' '.repeat(12),
      confirmPassword: ' '.repeat(12),
      phone: '',
    });
    expect(spaces).toMatchObject({
      ok: false,
      error: { code: 'WEAK_PASSWORD', fields: { password: 'A password cannot be only spaces.' } },
    });
    expect(await snapshotDomainTables(t.core)).toEqual(before);
    const emoji = '🏥🩺💉🧬🫀🦷🩻🧪💊🩹🚑🌿';
    await registerVerified(t.core, mailbox, { ...ada, password: emoji });
    expect(codeOf(await signIn(t.core, 'desk', ada.email, emoji))).toBe('ok');
    // 128 emoji are 128 characters: allowed by length.
    const many = [...'🏥🩺💉🧬'].join('').repeat(32);
    expect(codeOf(await signIn(t.core, 'desk-2', ada.email, many))).toBe('INVALID_CREDENTIALS');
  });
});

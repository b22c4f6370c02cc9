// Two-step verification against the outside world (oathtool, zbarimg), on SQLite and on PostgreSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Person, person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox, codeIn } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, startTestCore } from '../support/test-core';
import { decodeQr, enroll, oathCode } from '../support/totp';

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
  let ada: Person;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    t = await startTestCore(engine, { smtpUrl });
    ada = person(`ada.${Math.random().toString(36).slice(2, 8)}`);
    await registerVerified(t.core, mailbox, ada);
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (channel: string, payload: unknown, callerId = 'desk') =>
    t.core.dispatch(channel, payload, { id: callerId });
  const codeOf = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.error.code);
  const valueOf = <T>(r: Awaited<ReturnType<typeof call>>) => (r as { value: T }).value;

  async function makeAdmin(): Promise<void> {
    await t.core.admin.createStaffAccount({
      email: 'chief@clinic.example',
      firstName: 'Grace',
      lastName: 'Hopper',
      password: 'quiet harbour lantern 42',
      role: 'admin',
    });
  }

  it('enrolls with a 160-bit secret whose QR code zbarimg reads back exactly, and codes oathtool computes', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const begun = valueOf<{ otpauthUri: string; qrCodeDataUrl: string; manualKey: string }>(
      await call('twoFactor.beginEnrollment', {}),
    );
    const uri = new URL(begun.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(`${uri.host}${uri.pathname}`)).toBe(`totp/HealthSphere:${ada.email}`);
    expect(uri.searchParams.get('issuer')).toBe('HealthSphere');
    const secret = uri.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 32 base32 characters = 160 bits
    expect(begun.manualKey).toBe(secret.match(/.{4}/g)!.join(' '));
    expect(decodeQr(begun.qrCodeDataUrl)).toBe(begun.otpauthUri);

    expect(codeOf(await call('twoFactor.confirmEnrollment', { code: '000000' }))).toBe('INVALID_TWO_FACTOR_CODE');
    const confirmed = await call('twoFactor.confirmEnrollment', { code: oathCode(secret, t.clock.nowMs()) });
    const { backupCodes } = valueOf<{ backupCodes: string[] }>(confirmed);
    expect(backupCodes).toHaveLength(10);
    for (const code of backupCodes)
      expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}$/);

    const stored =
      JSON.stringify(await t.core.db.knex('two_factor').select()) +
      JSON.stringify(await t.core.db.knex('backup_codes').select());
    expect(stored).not.toContain(secret);
    for (const code of backupCodes) expect(stored).not.toContain(code.replace('-', ''));
    const audit = JSON.stringify(await t.core.db.knex('audit_events').select());
    expect(audit).not.toContain(secret);
    await t.core.mail.kick();
    await expect
      .poll(() => mailbox.mailTo(ada.email).some((m) => m.subject === 'Two-step verification is on'))
      .toBe(true);
  });

  it('asks for a code after the password, accepts one step either side, and never the same step twice', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const { secret } = await enroll(t.core, 'desk', t.clock.nowMs());
    await call('session.signOut', {});
    t.clock.advance(90_000);

    const pending = await signIn(t.core, 'desk', ada.email, ada.password);
    expect(valueOf<{ twoFactor: string }>(pending).twoFactor).toBe('pending');
    expect(codeOf(await call('session.list', {}))).toBe('TWO_FACTOR_REQUIRED');
    expect(
      codeOf(
        await call('session.changePassword', {
          currentPassword: ada.password,
          newPassword: 'x y z w v u t',
          confirmPassword: 'x y z w v u t',
        }),
      ),
    ).toBe('TWO_FACTOR_REQUIRED');
    expect(valueOf<{ twoFactor: string }>(await call('session.current', {})).twoFactor).toBe('pending');

    const now = t.clock.nowMs();
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(secret, now, 2) }))).toBe('INVALID_TWO_FACTOR_CODE');
    const previous = oathCode(secret, now, -1);
    expect(codeOf(await call('twoFactor.verify', { code: `${previous.slice(0, 3)} ${previous.slice(3)}` }))).toBe('ok');
    expect(codeOf(await call('session.list', {}))).toBe('ok');

    // Replay: the same code, on another desk, within its 30 seconds.
    await signIn(t.core, 'desk-2', ada.email, ada.password);
    expect(codeOf(await call('twoFactor.verify', { code: previous }, 'desk-2'))).toBe('INVALID_TWO_FACTOR_CODE');
    // An earlier step than the one used is refused too; the next one is fine.
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(secret, now, -1) }, 'desk-2'))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(secret, now, 1) }, 'desk-2'))).toBe('ok');
  });

  it('ends a pending sign-in after five wrong codes, and after five minutes', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const { secret } = await enroll(t.core, 'desk', t.clock.nowMs());
    await call('session.signOut', {});
    t.clock.advance(60_000);
    await signIn(t.core, 'desk', ada.email, ada.password);
    for (let i = 0; i < 4; i++)
      expect(codeOf(await call('twoFactor.verify', { code: '000000' }))).toBe('INVALID_TWO_FACTOR_CODE');
    expect(codeOf(await call('twoFactor.verify', { code: '000000' }))).toBe('SESSION_EXPIRED');
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(secret, t.clock.nowMs()) }))).toBe('NOT_SIGNED_IN');

    await signIn(t.core, 'desk', ada.email, ada.password);
    t.clock.advance(5 * 60_000 + 1);
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(secret, t.clock.nowMs()) }))).toBe('SESSION_EXPIRED');
  });

  it('signs in with a backup code once, says how many remain, mails, and a new set kills the old', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const { secret, backupCodes } = await enroll(t.core, 'desk', t.clock.nowMs());
    await call('session.signOut', {});
    await signIn(t.core, 'desk', ada.email, ada.password);
    const used = await call('twoFactor.useBackupCode', { code: backupCodes[0]!.toLowerCase().replace('-', ' ') });
    expect(valueOf<{ backupCodesRemaining: number }>(used).backupCodesRemaining).toBe(9);
    await t.core.mail.kick();
    await expect
      .poll(() => mailbox.mailTo(ada.email).find((m) => m.subject === 'A backup code was used to sign in')?.text)
      .toContain('9 backup codes left');

    await call('session.signOut', {});
    await signIn(t.core, 'desk', ada.email, ada.password);
    expect(codeOf(await call('twoFactor.useBackupCode', { code: backupCodes[0]! }))).toBe('INVALID_TWO_FACTOR_CODE');
    expect(codeOf(await call('twoFactor.useBackupCode', { code: backupCodes[1]! }))).toBe('ok');

    t.clock.advance(60_000);
    const fresh = valueOf<{ backupCodes: string[] }>(
      await call('twoFactor.regenerateBackupCodes', { code: oathCode(secret, t.clock.nowMs()) }),
    );
    expect(fresh.backupCodes).toHaveLength(10);
    await call('session.signOut', {});
    await signIn(t.core, 'desk', ada.email, ada.password);
    expect(codeOf(await call('twoFactor.useBackupCode', { code: backupCodes[2]! }))).toBe('INVALID_TWO_FACTOR_CODE');
    expect(codeOf(await call('twoFactor.useBackupCode', { code: fresh.backupCodes[0]! }))).toBe('ok');
  });

  it('takes a user whose role requires 2FA to enrollment, and lets them do nothing else until done', async () => {
    await makeAdmin();
    // By default admins, doctors and nurses must use 2FA: the admin's first sign-in goes to enrollment.
    const adminSignIn = await signIn(t.core, 'admin', 'chief@clinic.example', 'quiet harbour lantern 42');
    expect(valueOf<{ twoFactor: string }>(adminSignIn).twoFactor).toBe('enroll');
    expect(codeOf(await call('settings.getSecurity', {}, 'admin'))).toBe('TWO_FACTOR_REQUIRED');
    const first = await enroll(t.core, 'admin', t.clock.nowMs());
    expect(
      codeOf(
        await call('settings.updateSecurity', { values: { twoFactorRequiredRoles: ['admin', 'patient'] } }, 'admin'),
      ),
    ).toBe('ok');
    expect(first.backupCodes).toHaveLength(10);

    const signedIn = await signIn(t.core, 'desk', ada.email, ada.password);
    expect(valueOf<{ twoFactor: string }>(signedIn).twoFactor).toBe('enroll');
    expect(codeOf(await call('session.list', {}))).toBe('TWO_FACTOR_REQUIRED');
    expect(codeOf(await call('twoFactor.status', {}))).toBe('TWO_FACTOR_REQUIRED');
    await enroll(t.core, 'desk', t.clock.nowMs());
    expect(codeOf(await call('session.list', {}))).toBe('ok');
    const status = valueOf<{ enabled: boolean; required: boolean; backupCodesRemaining: number }>(
      await call('twoFactor.status', {}),
    );
    expect(status).toEqual({ enabled: true, required: true, backupCodesRemaining: 10 });
  });

  it('turns 2FA off only with the password and a current code, and never for a role that requires it', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const { secret } = await enroll(t.core, 'desk', t.clock.nowMs());
    t.clock.advance(60_000);
    const code = () => oathCode(secret, t.clock.nowMs());
    expect(codeOf(await call('twoFactor.disable', { password: 'not my password', code: code() }))).toBe(
      'PASSWORD_MISMATCH',
    );
    expect(codeOf(await call('twoFactor.disable', { password: ada.password, code: '000000' }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );

    await makeAdmin();
    await signIn(t.core, 'admin', 'chief@clinic.example', 'quiet harbour lantern 42');
    await enroll(t.core, 'admin', t.clock.nowMs());
    await call('settings.updateSecurity', { values: { twoFactorRequiredRoles: ['patient'] } }, 'admin');
    t.clock.advance(2000);
    expect(codeOf(await call('twoFactor.disable', { password: ada.password, code: code() }))).toBe(
      'TWO_FACTOR_ENFORCED',
    );
    await call('settings.updateSecurity', { values: { twoFactorRequiredRoles: [] } }, 'admin');
    t.clock.advance(30_000);
    expect(codeOf(await call('twoFactor.disable', { password: ada.password, code: code() }))).toBe('ok');
    await call('session.signOut', {});
    expect(valueOf<{ twoFactor: string }>(await signIn(t.core, 'desk', ada.email, ada.password)).twoFactor).toBe(
      'complete',
    );
  });

  it('lets an admin reset a user’s 2FA: their sessions end, they get a mail, and they enroll again', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    await enroll(t.core, 'desk', t.clock.nowMs());
    await makeAdmin();
    await signIn(t.core, 'admin', 'chief@clinic.example', 'quiet harbour lantern 42');
    await enroll(t.core, 'admin', t.clock.nowMs());
    await call('settings.updateSecurity', { values: { twoFactorRequiredRoles: ['patient', 'admin'] } }, 'admin');
    expect(codeOf(await call('users.resetTwoFactor', { email: ada.email }, 'desk'))).toBe('FORBIDDEN');
    expect(await call('users.resetTwoFactor', { email: ada.email }, 'admin')).toEqual({
      ok: true,
      value: { reset: true },
    });
    expect(codeOf(await call('session.list', {}, 'desk'))).toBe('NOT_SIGNED_IN');
    expect(valueOf<{ twoFactor: string }>(await signIn(t.core, 'desk', ada.email, ada.password)).twoFactor).toBe(
      'enroll',
    );
    await t.core.mail.kick();
    await expect
      .poll(() => mailbox.mailTo(ada.email).some((m) => m.subject === 'Your two-step verification was reset'))
      .toBe(true);
    const event = await t.core.db
      .knex('audit_events')
      .where({ action: 'TWO_FACTOR_RESET', outcome: 'success' })
      .first();
    expect(event.actor_email).toBe('chief@clinic.example');
  });

  it('refuses codes of the wrong length or with letters, with a clear message', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    for (const code of ['12345', '1234567', 'abcdef', '12a456']) {
      const r = await call('twoFactor.confirmEnrollment', { code });
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', fields: { code: 'Enter the 6-digit code from your authenticator app.' } },
      });
    }
  });

  it('asks a reset of an account with 2FA for a second factor, and only spends the emailed code when it is right', async () => {
    await signIn(t.core, 'desk', ada.email, ada.password);
    const { secret } = await enroll(t.core, 'desk', t.clock.nowMs());
    t.clock.advance(60_000);
    await call('account.requestPasswordReset', { email: ada.email });
    await t.core.mail.kick();
    const subject = 'Your HealthSphere password reset code';
    await expect.poll(() => mailbox.mailTo(ada.email).some((m) => m.subject === subject)).toBe(true);
    const resetMail = mailbox.mailTo(ada.email).find((m) => m.subject === subject)!;
    const code = codeIn(resetMail);
    const base = {
      email: ada.email,
      code,
      newPassword: 'a brand new lantern phrase',
      confirmPassword: 'a brand new lantern phrase',
    };
    expect(codeOf(await call('account.resetPassword', base))).toBe('TWO_FACTOR_REQUIRED');
    expect(codeOf(await call('account.resetPassword', { ...base, secondFactor: '000000' }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    expect(
      codeOf(await call('account.resetPassword', { ...base, secondFactor: oathCode(secret, t.clock.nowMs()) })),
    ).toBe('ok');
    expect(codeOf(await signIn(t.core, 'desk-2', ada.email, 'a brand new lantern phrase'))).toBe('ok');
  });

  it('tells the admin how the data key is protected', async () => {
    await makeAdmin();
    await signIn(t.core, 'admin', 'chief@clinic.example', 'quiet harbour lantern 42');
    await enroll(t.core, 'admin', t.clock.nowMs());
    expect(await call('system.status', {}, 'admin')).toEqual({
      ok: true,
      value: { mailConfigured: true, keyProtection: 'environment', warnings: [] },
    });
  });
});

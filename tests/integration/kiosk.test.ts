// The front-desk kiosk (issue 8, item 7) on both engines: in kiosk every channel but registration, email
// verification, the start screen's status calls and the kiosk's own is refused at dispatch, audited and changing
// nothing; only an active administrator's password (and code, with two-step verification) takes the window out,
// behind sign-in's throttle, lockout and workstation limit; and the kiosk comes back when the staff are done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/shared/errors';
import { CHANNEL_NAMES, contract } from '../../src/shared/contract';
import { allowedInKiosk, KIOSK_SIGN_IN_GRACE_MS } from '../../src/main/core/kiosk';
import { codeIn, TestMailbox } from '../support/smtp';
import { EXAMPLES } from '../support/examples';
import { ENGINES, type TestCore, postgresUrl, snapshotDomainTables, startTestCore } from '../support/test-core';
import { enroll, oathCode } from '../support/totp';

const KIOSK_CHANNELS = [
  'account.passwordPolicy',
  'account.register',
  'account.resendCode',
  'account.verifyEmail',
  'kiosk.enter',
  'kiosk.exit',
  'kiosk.status',
  'session.current',
];

const PASSWORD = 'quiet harbour lantern 42';
const ADMIN = 'grace@clinic.example';
const OTHER_ADMIN = 'ada.admin@clinic.example';
const NURSE = 'florence@clinic.example';
const DESK = { id: 'window:1' };

function codeOf(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.error.code;
}

interface AuditRow {
  seq: number;
  action: string;
  outcome: string;
  channel: string | null;
  actor_email: string | null;
  error_code: string | null;
  details: string | null;
}

describe.each(ENGINES)('the front-desk kiosk on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;
  let mailbox: TestMailbox;
  /** What the core told the shell: [caller, active]. */
  const changes: Array<[string, boolean]> = [];
  let adminSecret = '';
  let adminBackupCodes: string[] = [];

  const call = (channel: string, payload: unknown, caller = DESK) => t.core.dispatch(channel, payload, caller);
  const kioskActive = async (caller = DESK) => {
    const status = await call('kiosk.status', {}, caller);
    expect(status.ok).toBe(true);
    return (status as { value: { active: boolean } }).value.active;
  };
  let lastSeq = 0;
  /** The audit events written since the last call of this function. */
  async function newEvents(): Promise<AuditRow[]> {
    const rows = (await t.core.db
      .knex('audit_events')
      .where('seq', '>', lastSeq)
      .orderBy('seq')
      .select('seq', 'action', 'outcome', 'channel', 'actor_email', 'error_code', 'details')) as AuditRow[];
    if (rows.length) lastSeq = rows[rows.length - 1]!.seq;
    return rows;
  }
  /** Past any throttle, lockout and the workstation's 15-minute window. */
  const waitOut = () => t.clock.advance(16 * 60_000);

  beforeAll(async () => {
    if (skip) return;
    mailbox = new TestMailbox();
    t = await startTestCore(engine, { smtpUrl: await mailbox.start(), kioskMode: true });
    t.core.kiosk.onChange((caller, active) => changes.push([caller, active]));
    for (const [email, role] of [
      [ADMIN, 'admin'],
      [OTHER_ADMIN, 'admin'],
      [NURSE, 'nurse'],
    ] as const) {
      await t.core.admin.createStaffAccount({ email, firstName: 'Staff', lastName: role, password: PASSWORD, role });
    }
    await newEvents();
  });
  afterAll(async () => {
    await t?.stop();
    await mailbox?.stop();
  });

  it('marks exactly the registration, verification, status and kiosk channels as allowed', () => {
    if (skip) return;
    expect(CHANNEL_NAMES.filter((c) => allowedInKiosk(contract[c])).sort()).toEqual(KIOSK_CHANNELS);
  });

  it('refuses every other channel with KIOSK_MODE before looking at the payload, audited as denied, changing nothing', async () => {
    if (skip) return;
    expect(await kioskActive()).toBe(true);
    await newEvents();
    const mismatches: string[] = [];
    for (const channel of CHANNEL_NAMES.filter((c) => !KIOSK_CHANNELS.includes(c))) {
      const before = await snapshotDomainTables(t.core);
      for (const payload of [EXAMPLES[channel], 'garbage']) {
        const result = await call(channel, payload);
        if (codeOf(result) !== 'KIOSK_MODE') mismatches.push(`${channel}: ${codeOf(result)}`);
        const events = await newEvents();
        const ok =
          events.length === 1 &&
          events[0]!.channel === channel &&
          events[0]!.outcome === 'denied' &&
          events[0]!.error_code === 'KIOSK_MODE' &&
          JSON.parse(events[0]!.details ?? '{}').stage === 'kiosk';
        if (!ok) mismatches.push(`${channel}: audited ${JSON.stringify(events)}`);
      }
      expect(await snapshotDomainTables(t.core)).toEqual(before);
    }
    expect(mismatches).toEqual([]);
    const refused = await call('session.signIn', { email: ADMIN, password: PASSWORD });
    expect(refused).toMatchObject({ ok: false, error: { code: 'KIOSK_MODE' } });
    expect((refused as { error: { message: string } }).error.message).toMatch(/front-desk kiosk/);
  });

  it('registers a patient and verifies the email, with a resent code, at the kiosk', async () => {
    if (skip) return;
    const patient = { email: 'mary@example.org', firstName: 'Mary', lastName: 'Seacole', phone: '' };
    const registered = await call('account.register', {
      ...patient,
      password: 'correct horse battery staple',
      confirmPassword: 'correct horse battery staple',
    });
    expect(registered).toEqual({ ok: true, value: { email: patient.email } });
    await t.core.mail.kick();
    const first = codeIn(await mailbox.waitFor(patient.email, 1));
    t.clock.advance(61_000);
    expect(codeOf(await call('account.resendCode', { email: patient.email }))).toBe('ok');
    await t.core.mail.kick();
    const second = codeIn(await mailbox.waitFor(patient.email, 2));
    expect(codeOf(await call('account.verifyEmail', { email: patient.email, code: first }))).not.toBe('ok');
    expect(codeOf(await call('account.verifyEmail', { email: patient.email, code: second }))).toBe('ok');
    const row = await t.core.db.knex('users').where({ email: patient.email }).first();
    expect(row.email_verified_at).not.toBeNull();
    // Verified, and still no way to sign in here: the kiosk is for registering.
    expect(
      codeOf(await call('session.signIn', { email: patient.email, password: 'correct horse battery staple' })),
    ).toBe('KIOSK_MODE');
    expect(await kioskActive()).toBe(true);
  });

  it('lets an administrator out with the password; the kiosk waits two minutes for a sign-in, in that window only', async () => {
    if (skip) return;
    await newEvents();
    changes.length = 0;
    const exited = await call('kiosk.exit', { email: ADMIN, password: PASSWORD });
    expect(exited).toEqual({ ok: true, value: { returnsInSeconds: KIOSK_SIGN_IN_GRACE_MS / 1000 } });
    const [event] = await newEvents();
    expect(event).toMatchObject({ action: 'KIOSK_EXITED', outcome: 'success', actor_email: ADMIN });
    expect(JSON.parse(event!.details!)).toMatchObject({ twoFactor: false });
    expect(changes).toEqual([[DESK.id, false]]);
    // Out of kiosk, this window is an ordinary signed-out window; another window of the computer is still a kiosk.
    expect(await call('kiosk.status', {})).toEqual({
      ok: true,
      value: { enabled: true, active: false, returnsInSeconds: 120 },
    });
    expect(codeOf(await call('users.list', {}))).toBe('NOT_SIGNED_IN');
    expect(codeOf(await call('session.signIn', { email: NURSE, password: PASSWORD }, { id: 'window:2' }))).toBe(
      'KIOSK_MODE',
    );
    // Nobody signs in: after two minutes the kiosk is back by itself.
    t.clock.advance(KIOSK_SIGN_IN_GRACE_MS - 1_000);
    expect(await kioskActive()).toBe(false);
    t.clock.advance(1_000);
    expect(codeOf(await call('session.signIn', { email: ADMIN, password: PASSWORD }))).toBe('KIOSK_MODE');
    expect(changes).toEqual([
      [DESK.id, false],
      [DESK.id, true],
    ]);
    const entered = (await newEvents()).find((e) => e.action === 'KIOSK_ENTERED');
    expect(JSON.parse(entered!.details!)).toEqual({ reason: 'no_sign_in' });
  });

  it('stays out while an administrator signs in and works, and comes back when they sign out', async () => {
    if (skip) return;
    expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD }))).toBe('ok');
    const signedIn = await call('session.signIn', { email: ADMIN, password: PASSWORD });
    expect(signedIn).toMatchObject({ ok: true, value: { twoFactor: 'enroll' } });
    // Long past the two minutes: a session holds the window out of kiosk.
    t.clock.advance(KIOSK_SIGN_IN_GRACE_MS + 60_000);
    ({ secret: adminSecret, backupCodes: adminBackupCodes } = await enroll(t.core, DESK.id, t.clock.nowMs()));
    const otherId = (await t.core.db.knex('users').where({ email: OTHER_ADMIN }).first()).id as number;
    expect(codeOf(await call('users.deactivate', { userId: otherId }))).toBe('ok');
    expect(await kioskActive()).toBe(false);
    await newEvents();
    changes.length = 0;
    expect(codeOf(await call('session.signOut', {}))).toBe('ok');
    expect(changes).toEqual([[DESK.id, true]]);
    const events = await newEvents();
    expect(events.map((e) => e.action)).toEqual(['LOGOUT', 'KIOSK_ENTERED']);
    expect(events[1]).toMatchObject({ actor_email: null });
    expect(JSON.parse(events[1]!.details!)).toEqual({ reason: 'session_ended' });
    expect(await kioskActive()).toBe(true);
    expect(codeOf(await call('users.list', {}))).toBe('KIOSK_MODE');
  });

  it('refuses a wrong password, a nurse, a deactivated administrator and an unknown email alike, each counted', async () => {
    if (skip) return;
    await newEvents();
    const attempts = [
      { email: ADMIN, password: 'not the password' },
      { email: NURSE, password: PASSWORD },
      { email: OTHER_ADMIN, password: PASSWORD },
      { email: 'nobody@clinic.example', password: PASSWORD },
    ];
    for (const attempt of attempts) {
      const result = await call('kiosk.exit', attempt);
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    }
    const events = await newEvents();
    expect(events.map((e) => [e.action, e.outcome, e.channel, e.actor_email])).toEqual(
      attempts.map((a) => ['LOGIN_FAILED', 'failure', 'kiosk.exit', a.email]),
    );
    expect(events.slice(1).map((e) => JSON.parse(e.details!).refused)).toEqual([
      'not an active administrator',
      'not an active administrator',
      'not an active administrator',
    ]);
    // Counted on each email's guard (as a failed sign-in) and on the workstation's 15-minute window.
    const guards = (await t.core.db.knex('sign_in_guards').select('consecutive_failures')) as Array<{
      consecutive_failures: number;
    }>;
    expect(guards.map((g) => Number(g.consecutive_failures)).sort()).toEqual([1, 1, 1, 1]);
    const window = await t.core.db.knex('rate_limits').where('key', 'like', 'sign-in-failures:%').first();
    expect(Number(window.count)).toBe(4);
    expect(await kioskActive()).toBe(true);
    expect(changes.slice(-1)).toEqual([[DESK.id, true]]);
  });

  it('throttles and then locks an email after repeated failures, also for the right password of a nurse', async () => {
    if (skip) return;
    waitOut();
    // Five failures in a row (one from the test before): the sixth attempt waits, before any password is checked.
    for (let i = 0; i < 4; i++) {
      expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: 'not the password' }))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const throttled = await call('kiosk.exit', { email: ADMIN, password: PASSWORD });
    expect(throttled).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
    // The nurse's own right password, ten times: the nurse's account locks (it is a failed sign-in each time).
    await newEvents();
    let last: Result<unknown> | undefined;
    for (let i = 0; i < 10; i++) {
      t.clock.advance(5 * 60_000);
      last = await call('kiosk.exit', { email: NURSE, password: PASSWORD });
    }
    expect(last).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } });
    expect((await newEvents()).filter((e) => e.action === 'ACCOUNT_LOCKED').map((e) => e.actor_email)).toEqual([NURSE]);
    expect(await kioskActive()).toBe(true);
  });

  it('stops at the workstation limit against password spraying, before any password is checked', async () => {
    if (skip) return;
    waitOut();
    for (let i = 0; i < 50; i++) {
      expect(codeOf(await call('kiosk.exit', { email: `spray${i}@clinic.example`, password: PASSWORD }))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD }))).toBe('RATE_LIMITED');
    expect(await kioskActive()).toBe(true);
  });

  it('asks an administrator with two-step verification for a code too, and counts wrong codes', async () => {
    if (skip) return;
    waitOut();
    const withoutCode = await call('kiosk.exit', { email: ADMIN, password: PASSWORD });
    expect(withoutCode).toMatchObject({ ok: false, error: { code: 'TWO_FACTOR_REQUIRED', fields: { code: /code/ } } });
    const wrong = oathCode(adminSecret, t.clock.nowMs()) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code: wrong }))).toBe(
        'INVALID_TWO_FACTOR_CODE',
      );
    }
    // Five wrong codes in a row: the next waits, even with the right code.
    const right = oathCode(adminSecret, t.clock.nowMs());
    expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code: right }))).toBe('RATE_LIMITED');
    expect(await kioskActive()).toBe(true);
    t.clock.advance(60_000);
    await newEvents();
    const exited = await call('kiosk.exit', {
      email: ADMIN,
      password: PASSWORD,
      code: oathCode(adminSecret, t.clock.nowMs()),
    });
    expect(codeOf(exited)).toBe('ok');
    const [event] = await newEvents();
    expect(event).toMatchObject({ action: 'KIOSK_EXITED', outcome: 'success' });
    expect(JSON.parse(event!.details!)).toMatchObject({ twoFactor: true });
    expect(await kioskActive()).toBe(false);
    expect(codeOf(await call('kiosk.enter', {}))).toBe('ok');
    expect(await kioskActive()).toBe(true);
  });

  it('goes back to kiosk when the session locks for idle time, ending that session', async () => {
    if (skip) return;
    waitOut();
    expect(
      codeOf(
        await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code: oathCode(adminSecret, t.clock.nowMs()) }),
      ),
    ).toBe('ok');
    expect(codeOf(await call('session.signIn', { email: ADMIN, password: PASSWORD }))).toBe('ok');
    t.clock.advance(30_000);
    expect(codeOf(await call('twoFactor.verify', { code: oathCode(adminSecret, t.clock.nowMs()) }))).toBe('ok');
    expect(codeOf(await call('users.list', {}))).toBe('ok');
    await newEvents();
    t.clock.advance(16 * 60_000); // past the 15-minute idle lock
    const current = await call('session.current', {});
    expect(current).toMatchObject({ ok: true, value: { user: null, locked: false } });
    const events = await newEvents();
    expect(events.map((e) => e.action)).toEqual(['SESSION_LOCKED', 'LOGOUT', 'KIOSK_ENTERED', 'VIEW']);
    expect(JSON.parse(events[2]!.details!)).toEqual({ reason: 'session_locked' });
    expect(events[2]!.actor_email).toBe(ADMIN);
    const open = await t.core.db.knex('sessions').whereNull('ended_at').count({ n: '*' }).first();
    expect(Number(open!.n)).toBe(0);
    expect(codeOf(await call('session.unlock', { password: PASSWORD }))).toBe('KIOSK_MODE');
  });

  it('takes a backup code instead; goes back at once, ending the session, when someone presses Return to kiosk', async () => {
    if (skip) return;
    const code = adminBackupCodes[0]!;
    expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code }))).toBe('ok');
    expect(codeOf(await call('kiosk.enter', {}))).toBe('ok');
    // A backup code works once.
    expect(codeOf(await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code }))).toBe(
      'INVALID_TWO_FACTOR_CODE',
    );
    t.clock.advance(60_000);
    expect(
      codeOf(
        await call('kiosk.exit', { email: ADMIN, password: PASSWORD, code: oathCode(adminSecret, t.clock.nowMs()) }),
      ),
    ).toBe('ok');
    expect(codeOf(await call('session.signIn', { email: ADMIN, password: PASSWORD }))).toBe('ok');
    await newEvents();
    changes.length = 0;
    expect(await call('kiosk.enter', {})).toEqual({ ok: true, value: { active: true } });
    expect(changes).toEqual([[DESK.id, true]]);
    const [event] = await newEvents();
    expect(event).toMatchObject({ action: 'KIOSK_ENTERED', outcome: 'success', actor_email: ADMIN });
    expect(JSON.parse(event!.details!)).toEqual({ reason: 'requested', sessionEnded: true });
    expect(await call('session.current', {})).toMatchObject({ ok: true, value: { user: null } });
    expect(codeOf(await call('session.list', {}))).toBe('KIOSK_MODE');
  });

  it('leaves the audit chain whole', async () => {
    if (skip) return;
    const verification = await t.core.admin.verifyAudit(null);
    expect(verification.ok).toBe(true);
  });

  it('changes nothing on a computer without kiosk mode', async () => {
    if (skip) return;
    const plain = await startTestCore(engine);
    try {
      const status = await plain.core.dispatch('kiosk.status', {}, DESK);
      expect(status).toEqual({ ok: true, value: { enabled: false, active: false, returnsInSeconds: null } });
      expect(codeOf(await plain.core.dispatch('kiosk.exit', { email: ADMIN, password: PASSWORD }, DESK))).toBe(
        'FORBIDDEN',
      );
      expect(codeOf(await plain.core.dispatch('kiosk.enter', {}, DESK))).toBe('FORBIDDEN');
      expect(codeOf(await plain.core.dispatch('setup.status', {}, DESK))).toBe('ok');
      expect(plain.core.kiosk.isActive(DESK.id)).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});

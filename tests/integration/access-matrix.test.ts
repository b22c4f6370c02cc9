// Every channel against every role, no session and a 2FA-pending session: let through or refused at the
// access gate exactly as the contract and the permission map say, and every refusal audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, type ChannelName, contract } from '../../src/shared/contract';
import { type Role, hasPermission } from '../../src/shared/roles';
import { person, registerVerified, signIn } from '../support/accounts';
import { EXAMPLES } from '../support/examples';
import { TestMailbox } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, startTestCore } from '../support/test-core';
import { enroll } from '../support/totp';

type CallerKind = 'anonymous' | 'pending' | Role;
const CALLERS: CallerKind[] = ['anonymous', 'pending', 'patient', 'nurse', 'doctor', 'admin'];

/** What the permission map says the access gate does: null to let the request through. */
function expectedDenial(channel: ChannelName, caller: CallerKind): string | null {
  const spec = contract[channel] as { access: string; twoFactorStates?: readonly string[] };
  if (spec.access === 'public') return null;
  if (caller === 'anonymous') return 'NOT_SIGNED_IN';
  if (caller === 'pending') return spec.twoFactorStates?.includes('pending') ? null : 'TWO_FACTOR_REQUIRED';
  if (spec.access === 'session') return null;
  return hasPermission(caller, spec.access as Parameters<typeof hasPermission>[1]) ? null : 'FORBIDDEN';
}

describe.each(ENGINES)('the access matrix on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;
  let mailbox: TestMailbox;

  beforeAll(async () => {
    if (skip) return;
    mailbox = new TestMailbox();
    t = await startTestCore(engine, { smtpUrl: await mailbox.start() });
    // User 1 is the patient the examples point at; then one signed-in caller per role.
    await registerVerified(t.core, mailbox, person('target'));
    const password = 'quiet harbour lantern 42';
    for (const role of ['nurse', 'doctor', 'admin'] as const) {
      await t.core.admin.createStaffAccount({
        email: `${role}@clinic.example`,
        firstName: 'Staff',
        lastName: role,
        password,
        role,
      });
      await signIn(t.core, role, `${role}@clinic.example`, password);
      await enroll(t.core, role, t.clock.nowMs());
    }
    const patient = person('caller');
    await registerVerified(t.core, mailbox, patient);
    await signIn(t.core, 'patient', patient.email, patient.password);
    // A sign-in halfway: password given, code not yet.
    await t.core.admin.createStaffAccount({
      email: 'pending@clinic.example',
      firstName: 'Pen',
      lastName: 'Ding',
      password,
      role: 'doctor',
    });
    await signIn(t.core, 'enrolling', 'pending@clinic.example', password);
    await enroll(t.core, 'enrolling', t.clock.nowMs());
    t.clock.advance(60_000);
    const pending = await signIn(t.core, 'pending', 'pending@clinic.example', password);
    expect(pending.ok && (pending.value as { twoFactor: string }).twoFactor).toBe('pending');
  });
  afterAll(async () => {
    await t?.stop();
    await mailbox?.stop();
  });

  // Signing out last, so each caller keeps its session through the rest of the matrix.
  const channels = [...CHANNEL_NAMES.filter((c) => c !== 'session.signOut'), 'session.signOut' as const];

  it.each(CALLERS)('as %s', async (caller) => {
    if (skip) return;
    const mismatches: string[] = [];
    for (const channel of channels) {
      const before = (await t.core.db.knex('audit_events').max({ id: 'seq' }).first()) as { id: number | null };
      const result = await t.core.dispatch(channel, EXAMPLES[channel], { id: caller });
      const events = (await t.core.db
        .knex('audit_events')
        .where('seq', '>', before.id ?? 0)
        .select('outcome', 'error_code', 'details', 'channel')) as Array<{
        outcome: string;
        error_code: string | null;
        details: string | null;
        channel: string | null;
      }>;
      const gate = events.find((e) => e.channel === channel && e.details?.includes('"stage":"access"'));
      const expected = expectedDenial(channel, caller);
      const actual = gate ? gate.error_code : null;
      if (expected !== actual)
        mismatches.push(`${channel}: expected ${expected ?? 'through'}, got ${actual ?? 'through'}`);
      if (expected) {
        expect(result).toMatchObject({ ok: false, error: { code: expected } });
        expect(gate?.outcome).toBe('denied');
      }
    }
    expect(mismatches).toEqual([]);
  });
});

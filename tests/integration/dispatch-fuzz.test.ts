// Random and malformed payloads to every channel of the contract: it grows with the contract by itself.
// Each refused request gets a clean error code from the catalogue, changes nothing and throws nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../src/shared/contract';
import { ERROR_CODES } from '../../src/shared/errors';
import { type TestCore, snapshotDomainTables, startTestCore } from '../support/test-core';
import { enroll, oathCode } from '../support/totp';

/** A valid payload for each channel, to mutate one field at a time. */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  'account.register': {
    email: 'fuzz@example.org',
    firstName: 'Fuzz',
    lastName: 'Tester',
    phone: '+12025550143',
    password: 'correct horse battery staple',
    confirmPassword: 'correct horse battery staple',
  },
  'account.verifyEmail': { email: 'fuzz@example.org', code: '123456' },
  'account.resendCode': { email: 'fuzz@example.org' },
  'session.signIn': { email: 'fuzz@example.org', password: 'correct horse battery staple' },
  'session.current': {},
  'session.signOut': {},
  'account.passwordPolicy': {},
  'account.requestPasswordReset': { email: 'fuzz@example.org' },
  'account.resetPassword': {
    email: 'fuzz@example.org',
    code: '123456',
    newPassword: 'correct horse battery staple',
    confirmPassword: 'correct horse battery staple',
  },
  'session.unlock': { password: 'correct horse battery staple' },
  'session.changePassword': {
    currentPassword: 'correct horse battery staple',
    newPassword: 'quiet harbour lantern 42',
    confirmPassword: 'quiet harbour lantern 42',
  },
  'session.list': {},
  'session.end': { sessionId: 1 },
  'settings.getSecurity': {},
  'settings.updateSecurity': { values: { lockoutThreshold: 10 } },
  'users.unlock': { email: 'fuzz@example.org' },
  'mail.sendTest': { to: 'fuzz@example.org' },
  'mail.outbox': { state: 'all' },
  'system.status': {},
  'twoFactor.status': {},
  'twoFactor.beginEnrollment': {},
  'twoFactor.confirmEnrollment': { code: '123456' },
  'twoFactor.verify': { code: '123456' },
  'twoFactor.useBackupCode': { code: 'ABCDE-FGHJK' },
  'twoFactor.regenerateBackupCodes': { code: '123456' },
  'twoFactor.disable': { password: 'quiet harbour lantern 42', code: '123456' },
  'users.resetTwoFactor': { email: 'fuzz@example.org' },
  'setup.status': {},
  'setup.createFirstAdmin': {
    email: 'fuzz@example.org',
    firstName: 'Fuzz',
    lastName: 'Tester',
    password: 'correct horse battery staple',
    confirmPassword: 'correct horse battery staple',
  },
  'session.reauthenticate': { password: 'quiet harbour lantern 42' },
  'account.activity': {},
  'profile.get': {},
  'profile.update': { phone: '+12025550143', dateOfBirth: '1980-02-29', address: '1 Main St' },
  'patients.search': { query: 'Ada', cursor: null },
  'patients.get': { patientId: 1 },
  'patients.updateMedical': { patientId: 1, bloodType: 'O+', allergies: 'none' },
  'patients.setRestricted': { patientId: 1, restricted: true },
  'patients.breakGlass': { patientId: 1, reason: 'Unconscious patient in the emergency room' },
  'users.list': { role: 'doctor', status: 'active', search: 'a' },
  'users.get': { userId: 1 },
  'users.create': { email: 'new@clinic.example', firstName: 'New', lastName: 'Doctor', role: 'doctor' },
  'users.changeRole': { userId: 1, role: 'nurse' },
  'users.deactivate': { userId: 1 },
  'users.reactivate': { userId: 1 },
  'users.requirePasswordChange': { userId: 1 },
  'users.sessions': { userId: 1 },
  'users.endSession': { sessionId: 1 },
  'reports.securitySummary': {},
  'reports.reviewEmergencyAccess': { id: 1 },
};

const hostile = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: true,
  }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '1'.repeat(7),
    '<script>alert(1)</script>',
    "'; DROP TABLE users; --",
    'a'.repeat(70_000),
  ),
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
);

let t: TestCore;
let adminSecret: string;
const ADMIN = { email: 'fuzz-admin@clinic.example', password: 'quiet harbour lantern 42' };
beforeAll(async () => {
  t = await startTestCore('sqlite');
  await t.core.admin.createStaffAccount({ ...ADMIN, firstName: 'Fuzz', lastName: 'Admin', role: 'admin' });
  await t.core.dispatch('session.signIn', ADMIN, { id: 'fuzz-admin' });
  adminSecret = (await enroll(t.core, 'fuzz-admin', t.clock.nowMs())).secret;
});

/** Anonymous, and as a signed-in admin (signed in again whenever a payload signed it out). */
async function asCaller(who: 'anonymous' | 'admin'): Promise<{ id: string }> {
  const caller = { id: `fuzz-${who}` };
  if (who === 'admin') {
    const current = await t.core.dispatch('session.current', {}, caller);
    if (!current.ok || !(current.value as { user: unknown }).user) {
      t.clock.advance(30 * 60_000); // past any throttle a payload caused, and into a fresh TOTP step
      await t.core.dispatch('session.signIn', ADMIN, caller);
      await t.core.dispatch('twoFactor.verify', { code: oathCode(adminSecret, t.clock.nowMs()) }, caller);
    }
  }
  return caller;
}
afterAll(() => t.stop());

describe('dispatch under hostile input', () => {
  it('has an example for every channel of the contract', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it.each(CHANNEL_NAMES.flatMap((c) => [[c, 'anonymous'] as const, [c, 'admin'] as const]))(
    '%s as %s: refuses garbage cleanly and changes nothing',
    async (channel, who) => {
      const example = EXAMPLES[channel]!;
      const payloads = fc.oneof(
        hostile,
        // The valid example with one field replaced, or one unknown field added.
        fc
          .record({
            key: fc.constantFrom(...Object.keys(example), '__proto__', 'constructor', 'role', 'isAdmin'),
            value: hostile,
          })
          .map(({ key, value }) => {
            const copy: Record<string, unknown> = { ...example };
            Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
            return copy;
          }),
      );
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          const caller = await asCaller(who);
          const before = await snapshotDomainTables(t.core);
          const result = await t.core.dispatch(channel, payload, caller);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) {
            expect(ERROR_CODES).toContain(result.error.code);
            expect(result.error.code).not.toBe('INTERNAL');
            expect(Object.keys(result.error).sort()).toEqual(expect.arrayContaining(['code', 'message']));
            expect(await snapshotDomainTables(t.core)).toEqual(before);
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  it('refuses channel names that are not in the contract', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.anything()), async (channel) => {
        fc.pre(typeof channel !== 'string' || !(CHANNEL_NAMES as string[]).includes(channel));
        const result = await t.core.dispatch(channel, {}, { id: 'fuzz' });
        expect(result.ok === false && result.error.code).toBe('UNKNOWN_CHANNEL');
      }),
      { numRuns: 50 },
    );
  });
});

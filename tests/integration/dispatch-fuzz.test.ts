// Random and malformed payloads to every channel of the contract: it grows with the contract by itself.
// Each refused request gets a clean error code from the catalogue, changes nothing and throws nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../src/shared/contract';
import { ERROR_CODES } from '../../src/shared/errors';
import { EXAMPLES } from '../support/examples';
import { type TestCore, snapshotDomainTables, startTestCore } from '../support/test-core';
import { enroll, oathCode } from '../support/totp';

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

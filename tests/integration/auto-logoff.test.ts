// Automatic logoff (issue 8, item 2; HIPAA 164.312(a)(2)(iii)), on SQLite and PostgreSQL: the OS screen lock, sleep
// and the whole computer's idle time lock exactly this workstation's sessions, each lock audited with its reason.
// The operating system is played by the test through the same interface Electron's powerMonitor implements.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Core, startCore } from '../../src/main/core';
import type { SystemActivity, SystemEvent } from '../../src/main/core/auto-logoff';
import { ManualClock } from '../../src/main/core/clock';
import { APP_VERSION } from '../../src/main/core/config';
import type { Engine } from '../../src/main/core/db/connection';
import { silentLogger } from '../../src/main/core/log';
import { type Person, person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox } from '../support/smtp';
import { ENGINES, createPostgresDatabase, postgresUrl } from '../support/test-core';
import { enroll } from '../support/totp';

/** The operating system, as the test says it is. */
class TestSystem implements SystemActivity {
  idle = 0;
  locked = false;
  /** How many times the core read the idle time: once per poll. */
  reads = 0;
  private readonly events = new EventEmitter();

  idleSeconds(): number {
    this.reads += 1;
    return this.idle;
  }
  screenLocked(): boolean {
    return this.locked;
  }
  on(event: SystemEvent, listener: () => void): () => void {
    this.events.on(event, listener);
    return () => void this.events.off(event, listener);
  }
  emit(event: SystemEvent): void {
    this.events.emit(event);
  }
  listeners(): number {
    return this.events.listenerCount('lock-screen') + this.events.listenerCount('suspend');
  }
  /**
   * Resolves once a whole poll that began after this call has finished: polls run one at a time, so the second
   * read of the idle time from now comes after the first such poll (and anything queued before it) is done.
   */
  async polled(): Promise<void> {
    const target = this.reads + 2;
    await until(() => this.reads >= target, 'the core to read the idle time');
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Desk {
  core: Core;
  system: TestSystem;
  /** Callers whose window the core told that their session changed, in order. */
  told: string[];
  databaseUrl?: string;
  masterKey: Buffer;
  clock: ManualClock;
  stop(): Promise<void>;
}

/** A workstation: a real core with the test's operating system, polled every 20 ms. */
async function startDesk(engine: Engine, options: { smtpUrl: string; sameDatabaseAs?: Desk; hostname: string }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-logoff-'));
  const clock = options.sameDatabaseAs?.clock ?? new ManualClock(Date.now());
  const masterKey = options.sameDatabaseAs?.masterKey ?? randomBytes(32);
  const databaseUrl =
    options.sameDatabaseAs?.databaseUrl ?? (engine === 'postgres' ? await createPostgresDatabase() : undefined);
  const system = new TestSystem();
  const core = await startCore({
    config: { dataDir, databaseUrl, smtpUrl: options.smtpUrl, masterKey, appVersion: APP_VERSION },
    clock,
    log: silentLogger,
    workstation: { hostname: options.hostname, osUser: 'tester' },
    systemActivity: system,
    systemPollMs: 20,
  });
  const told: string[] = [];
  core.onSessionChange((callerId) => told.push(callerId));
  const desk: Desk = {
    core,
    system,
    told,
    databaseUrl,
    masterKey,
    clock,
    stop: async () => {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return desk;
}

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

async function lockEvents(core: Core, action = 'SESSION_LOCKED') {
  const rows = (await core.db
    .knex('audit_events')
    .where({ action })
    .orderBy('seq')
    .select('actor_email', 'details', 'workstation', 'outcome')) as Array<{
    actor_email: string;
    details: string | null;
    workstation: string;
    outcome: string;
  }>;
  return rows.map((r) => ({
    email: r.actor_email,
    workstation: r.workstation,
    outcome: r.outcome,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  }));
}

describe.each(ENGINES)('automatic logoff on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let desk: Desk;
  let ada: Person;
  let bob: Person;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    desk = await startDesk(engine, { smtpUrl, hostname: 'front-desk' });
    const tag = Math.random().toString(36).slice(2, 8);
    ada = person(`ada.${tag}`);
    bob = person(`bob.${tag}`);
    await registerVerified(desk.core, mailbox, ada);
    await registerVerified(desk.core, mailbox, bob);
  });
  afterEach(async () => {
    await desk?.stop();
  });

  const call = (channel: string, payload: unknown, callerId: string) =>
    desk.core.dispatch(channel, payload, { id: callerId });

  async function status(callerId: string) {
    const current = await call('session.current', {}, callerId);
    expect(current.ok).toBe(true);
    return (current as { value: { user: { email: string } | null; locked: boolean; lockReason?: string } }).value;
  }

  it.each([
    ['lock-screen', 'screen-locked'],
    ['suspend', 'suspend'],
  ] as const)(
    'on %s, every session of this workstation locks at once, audited as %s; its windows are told',
    async (event, reason) => {
      expect(codeOf(await signIn(desk.core, 'window:1', ada.email, ada.password))).toBe('ok');
      expect(codeOf(await signIn(desk.core, 'window:2', bob.email, bob.password))).toBe('ok');
      // A window that signed out holds nothing: nothing to lock there, and it is not told.
      expect(codeOf(await signIn(desk.core, 'window:3', bob.email, bob.password))).toBe('ok');
      expect(codeOf(await call('session.signOut', {}, 'window:3'))).toBe('ok');

      desk.system.emit(event);
      await until(() => desk.told.length === 2, 'both windows to be told');
      expect(desk.told.sort()).toEqual(['window:1', 'window:2']);
      expect(await status('window:1')).toMatchObject({ user: { email: ada.email }, locked: true, lockReason: reason });
      expect(await status('window:2')).toMatchObject({ user: { email: bob.email }, locked: true, lockReason: reason });
      expect(await status('window:3')).toMatchObject({ user: null, locked: false });

      const events = await lockEvents(desk.core);
      expect(events).toHaveLength(2);
      expect(events.map((e) => e.email).sort()).toEqual([ada.email, bob.email].sort());
      for (const e of events)
        expect(e).toMatchObject({ outcome: 'success', workstation: 'front-desk', details: { reason } });

      // Locked: nothing goes on but status, unlock and switching user.
      for (const [channel, payload] of [
        ['session.list', {}],
        ['profile.get', {}],
        ['account.activity', {}],
        [
          'session.changePassword',
          {
            currentPassword: ada.password,
            newPassword: 'another long passphrase 99',
            confirmPassword: 'another long passphrase 99',
          },
        ],
      ] as const)
        expect(codeOf(await call(channel, payload, 'window:1'))).toBe('SESSION_LOCKED');
      expect(codeOf(await call('session.unlock', { password: 'someone else guessing' }, 'window:1'))).toBe(
        'PASSWORD_MISMATCH',
      );
      expect(codeOf(await call('session.unlock', { password: ada.password }, 'window:1'))).toBe('ok');
      expect(codeOf(await call('session.list', {}, 'window:1'))).toBe('ok');
      expect(await status('window:1')).toMatchObject({ locked: false });
      expect(codeOf(await call('session.signOut', {}, 'window:2'))).toBe('ok'); // "Switch user"
      expect(await status('window:2')).toMatchObject({ user: null });

      // The same event again, and the OS saying so a second time: only what is unlocked locks; one event each.
      desk.system.emit(event);
      desk.system.emit(event);
      await until(() => desk.told.length === 3, 'the unlocked window to be told');
      await desk.system.polled();
      expect(desk.told).toHaveLength(3);
      expect(await lockEvents(desk.core)).toHaveLength(3);
    },
  );

  it('ends a sign-in halfway through two-step verification (a code owed, or 2FA being set up)', async () => {
    // Ada has two-step verification: her sign-in waits for a code.
    expect(codeOf(await signIn(desk.core, 'window:1', ada.email, ada.password))).toBe('ok');
    await enroll(desk.core, 'window:1', desk.clock.nowMs());
    expect(codeOf(await call('session.signOut', {}, 'window:1'))).toBe('ok');
    const pending = await signIn(desk.core, 'window:1', ada.email, ada.password);
    expect(pending.ok && (pending.value as { twoFactor: string }).twoFactor).toBe('pending');
    // A doctor must use 2FA and has none yet: the sign-in shows a new secret to scan.
    await desk.core.admin.createStaffAccount({
      email: `dr.${bob.email}`,
      firstName: 'Bob',
      lastName: 'Doctor',
      password: bob.password,
      role: 'doctor',
    });
    const enrolling = await signIn(desk.core, 'window:2', `dr.${bob.email}`, bob.password);
    expect(enrolling.ok && (enrolling.value as { twoFactor: string }).twoFactor).toBe('enroll');

    desk.system.emit('lock-screen');
    await until(() => desk.told.length === 2, 'both windows to be told');
    for (const window of ['window:1', 'window:2']) {
      expect(await status(window)).toMatchObject({ user: null, locked: false });
      expect(codeOf(await call('twoFactor.verify', { code: '123456' }, window))).toBe('NOT_SIGNED_IN');
    }
    const ended = (await lockEvents(desk.core, 'LOGOUT')).filter((e) => e.details?.['reason'] === 'screen-locked');
    expect(ended).toHaveLength(2);
    expect(ended).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: ada.email, details: { reason: 'screen-locked', twoFactor: 'pending' } }),
        expect.objectContaining({
          email: `dr.${bob.email}`,
          details: { reason: 'screen-locked', twoFactor: 'enroll' },
        }),
      ]),
    );
    const rows = await desk.core.db.knex('sessions').whereNotNull('end_reason').select('end_reason');
    expect(rows.filter((r) => r.end_reason === 'auto_logoff')).toHaveLength(2);
    expect(await lockEvents(desk.core)).toEqual([]);
  });

  it('locks when the whole computer was idle for sessionIdleMinutes, once per idle period, and follows the setting', async () => {
    // An administrator at this desk too (she changes the setting later): her session is this workstation's as well.
    const admin = 'window:admin';
    await desk.core.admin.createStaffAccount({
      email: `chief.${ada.email}`,
      firstName: 'Grace',
      lastName: 'Hopper',
      password: 'quiet harbour lantern 42',
      role: 'admin',
    });
    await signIn(desk.core, admin, `chief.${ada.email}`, 'quiet harbour lantern 42');
    await enroll(desk.core, admin, desk.clock.nowMs());
    expect(codeOf(await signIn(desk.core, 'window:1', ada.email, ada.password))).toBe('ok');

    // Below the default 15 minutes: nothing happens.
    desk.system.idle = 15 * 60 - 1;
    await desk.system.polled();
    await desk.system.polled();
    expect(desk.told).toEqual([]);
    expect(await status('window:1')).toMatchObject({ locked: false });
    expect(await lockEvents(desk.core)).toEqual([]);

    // At 15 minutes: both sessions lock, audited as system-idle.
    desk.system.idle = 15 * 60;
    await until(() => desk.told.length === 2, 'both windows to be told');
    expect(await status('window:1')).toMatchObject({ locked: true, lockReason: 'system-idle' });
    expect(await status(admin)).toMatchObject({ locked: true, lockReason: 'system-idle' });
    expect((await lockEvents(desk.core)).map((e) => e.details)).toEqual([
      { reason: 'system-idle' },
      { reason: 'system-idle' },
    ]);

    // Unlocked while the computer still reports the same idle period: it does not lock again at once.
    expect(codeOf(await call('session.unlock', { password: ada.password }, 'window:1'))).toBe('ok');
    desk.system.idle = 15 * 60 + 30;
    await desk.system.polled();
    await desk.system.polled();
    expect(await status('window:1')).toMatchObject({ locked: false });

    // Input (idle time back to 0) arms it again. The administrator sets 5 minutes: 5 idle minutes now lock.
    desk.system.idle = 0;
    await desk.system.polled();
    expect(codeOf(await call('session.unlock', { password: 'quiet harbour lantern 42' }, admin))).toBe('ok');
    desk.system.idle = 5 * 60;
    await desk.system.polled();
    expect(await status('window:1')).toMatchObject({ locked: false }); // 15 minutes still
    const saved = await call('settings.updateSecurity', { values: { sessionIdleMinutes: 5 } }, admin);
    expect(codeOf(saved)).toBe('ok');
    await until(() => desk.told.length === 4, 'both windows to be told again');
    expect(await status('window:1')).toMatchObject({ locked: true, lockReason: 'system-idle' });
    expect(await status(admin)).toMatchObject({ locked: true, lockReason: 'system-idle' });
    expect(await lockEvents(desk.core)).toHaveLength(4);
  });

  it('locks when the OS reports its screen locked without an event (Linux), once per lock', async () => {
    expect(codeOf(await signIn(desk.core, 'window:1', ada.email, ada.password))).toBe('ok');
    desk.system.locked = true;
    await until(() => desk.told.length === 1, 'the window to be told');
    expect(await status('window:1')).toMatchObject({ locked: true, lockReason: 'screen-locked' });
    // Still locked: unlocking the app's session (someone typed its password) does not lock it again and again.
    expect(codeOf(await call('session.unlock', { password: ada.password }, 'window:1'))).toBe('ok');
    await desk.system.polled();
    expect(await status('window:1')).toMatchObject({ locked: false });
    // The screen unlocks and locks again: a new lock.
    desk.system.locked = false;
    await desk.system.polled();
    desk.system.locked = true;
    await until(() => desk.told.length === 2, 'the window to be told again');
    expect((await lockEvents(desk.core)).map((e) => e.details)).toEqual([
      { reason: 'screen-locked' },
      { reason: 'screen-locked' },
    ]);
  });

  it('stops listening when the core closes', async () => {
    expect(desk.system.listeners()).toBe(2);
    await desk.stop();
    expect(desk.system.listeners()).toBe(0);
    const reads = desk.system.reads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(desk.system.reads).toBe(reads);
    desk = await startDesk(engine, { smtpUrl, hostname: 'front-desk' }); // for afterEach
  });
});

// Many workstations share one PostgreSQL server: a desk's screen lock is that desk's business only.
describe('two workstations on one PostgreSQL database', () => {
  it("lock only their own sessions, even the same user's", async (ctx) => {
    if (!postgresUrl()) ctx.skip('no PostgreSQL server for this run');
    const first = await startDesk('postgres', { smtpUrl, hostname: 'desk-1' });
    const second = await startDesk('postgres', { smtpUrl, sameDatabaseAs: first, hostname: 'desk-2' });
    try {
      const ada = person(`ada.${Math.random().toString(36).slice(2, 8)}`);
      await registerVerified(first.core, mailbox, ada);
      expect(codeOf(await signIn(first.core, 'window:1', ada.email, ada.password))).toBe('ok');
      // The same caller id on the other workstation is another window: ids are per core.
      expect(codeOf(await signIn(second.core, 'window:1', ada.email, ada.password))).toBe('ok');
      const list = (core: Core) => core.dispatch('session.list', {}, { id: 'window:1' });

      for (const [signal, reason] of [
        [() => first.system.emit('lock-screen'), 'screen-locked'],
        [() => first.system.emit('suspend'), 'suspend'],
        [() => (first.system.idle = 15 * 60), 'system-idle'],
      ] as const) {
        signal();
        await until(async () => codeOf(await list(first.core)) === 'SESSION_LOCKED', `desk 1 to lock (${reason})`);
        await first.system.polled();
        expect(codeOf(await list(second.core))).toBe('ok');
        expect(first.told).toEqual(['window:1']);
        expect(second.told).toEqual([]);
        const events = await lockEvents(first.core);
        expect(events.at(-1)).toMatchObject({ email: ada.email, workstation: 'desk-1', details: { reason } });
        expect(events.filter((e) => e.workstation === 'desk-2')).toEqual([]);
        expect(
          codeOf(await first.core.dispatch('session.unlock', { password: ada.password }, { id: 'window:1' })),
        ).toBe('ok');
        first.told.length = 0;
      }
      expect(await lockEvents(first.core)).toHaveLength(3);
      // And the other way round.
      second.system.emit('lock-screen');
      await until(() => second.told.length === 1, 'desk 2 to be told');
      expect(codeOf(await list(second.core))).toBe('SESSION_LOCKED');
      expect(codeOf(await list(first.core))).toBe('ok');
      expect(first.told).toEqual([]);
    } finally {
      await second.core.close();
      await first.stop();
    }
  });
});

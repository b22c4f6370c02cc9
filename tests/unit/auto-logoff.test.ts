// The automatic logoff's decisions (src/main/core/auto-logoff.ts) where a real database cannot easily show them:
// a lock that failed (the database server was down) is tried again until it is done, and a system that throws
// does not stop it. The locking itself is tested on both engines in tests/integration/auto-logoff.test.ts.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type SystemActivity, type SystemEvent, startAutoLogoff } from '../../src/main/core/auto-logoff';
import { silentLogger } from '../../src/main/core/log';

function system(overrides: Partial<SystemActivity> = {}) {
  const events = new EventEmitter();
  const activity: SystemActivity & { emit(event: SystemEvent): void; idle: number } = {
    idle: 0,
    idleSeconds() {
      return this.idle;
    },
    screenLocked: () => false,
    on(event, listener) {
      events.on(event, listener);
      return () => void events.off(event, listener);
    },
    emit: (event) => void events.emit(event),
    ...overrides,
  };
  return activity;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('automatic logoff', () => {
  it('tries a failed lock again until it is done, and tells the window once', async () => {
    const activity = system();
    let failures = 2;
    const attempts: string[] = [];
    const told: string[] = [];
    const logoff = startAutoLogoff({
      activity,
      idleLimitSeconds: async () => 900,
      callers: () => ['window:1'],
      lockCaller: async (_id, reason) => {
        attempts.push(reason);
        if (failures-- > 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'locked';
      },
      notify: (id) => told.push(id),
      log: silentLogger,
      pollMs: 5,
    });
    activity.emit('suspend');
    await until(() => told.length === 1);
    expect(attempts).toEqual(['suspend', 'suspend', 'suspend']);
    // A system-idle lock that fails is kept too, although the idle period has already been counted.
    failures = 1;
    activity.idle = 900;
    await until(() => told.length === 2);
    expect(attempts.slice(3)).toEqual(['system-idle', 'system-idle']);
    await logoff.stop();
  });

  it('decides the system-idle lock at the next poll when the setting cannot be read', async () => {
    const activity = system();
    let settingReadable = false;
    let settingReads = 0;
    const locks: string[] = [];
    const logoff = startAutoLogoff({
      activity,
      idleLimitSeconds: async () => {
        settingReads += 1;
        if (!settingReadable) throw new Error('database unreachable');
        return 600;
      },
      callers: () => ['window:1'],
      lockCaller: async (_id, reason) => {
        locks.push(reason);
        return 'locked';
      },
      notify: () => undefined,
      log: silentLogger,
      pollMs: 5,
    });
    activity.idle = 59; // below any setting: not even read
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settingReads).toBe(0);
    activity.idle = 600;
    await until(() => settingReads >= 3);
    expect(locks).toEqual([]);
    settingReadable = true;
    await until(() => locks.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(locks).toEqual(['system-idle']); // once for this idle period
    await logoff.stop();
  });

  it('keeps polling when the system cannot say its idle time or screen lock', async () => {
    let reads = 0;
    const activity = system({
      idleSeconds: () => {
        reads += 1;
        throw new Error('no idle time here');
      },
      screenLocked: () => {
        throw new Error('no screen lock here');
      },
    });
    const locks: string[] = [];
    const logoff = startAutoLogoff({
      activity,
      idleLimitSeconds: async () => 900,
      callers: () => ['window:1'],
      lockCaller: async (_id, reason) => {
        locks.push(reason);
        return 'locked';
      },
      notify: () => undefined,
      log: silentLogger,
      pollMs: 5,
    });
    await until(() => reads >= 3);
    expect(locks).toEqual([]);
    activity.emit('lock-screen');
    await until(() => locks.length === 1);
    expect(locks).toEqual(['screen-locked']);
    await logoff.stop();
  });
});

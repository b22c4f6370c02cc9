// The core's SystemActivity from Electron's powerMonitor (src/main/shell/power-monitor-adapter.ts), on a stand-in
// with powerMonitor's shape: Electron itself cannot run on these machines.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type PowerMonitorLike, systemActivityFrom } from '../../src/main/shell/power-monitor-adapter';

class StandIn extends EventEmitter implements PowerMonitorLike {
  idleTime = 0;
  state: 'active' | 'idle' | 'locked' | 'unknown' = 'active';
  thresholds: number[] = [];
  getSystemIdleTime(): number {
    return this.idleTime;
  }
  getSystemIdleState(idleThreshold: number) {
    this.thresholds.push(idleThreshold);
    return this.state;
  }
}

describe('the powerMonitor adapter', () => {
  it('passes the idle time through and reads the screen lock from the idle state', () => {
    const monitor = new StandIn();
    const activity = systemActivityFrom(monitor);
    monitor.idleTime = 901;
    expect(activity.idleSeconds()).toBe(901);
    for (const state of ['active', 'idle', 'unknown'] as const) {
      monitor.state = state;
      expect(activity.screenLocked()).toBe(false);
    }
    monitor.state = 'locked';
    expect(activity.screenLocked()).toBe(true);
    expect(monitor.thresholds.every((t) => Number.isInteger(t) && t > 0)).toBe(true);
  });

  it("maps 'lock-screen' and macOS's fast user switch to a screen lock, 'suspend' to sleep; nothing else", () => {
    const monitor = new StandIn();
    const activity = systemActivityFrom(monitor);
    const heard: string[] = [];
    const offLock = activity.on('lock-screen', (...args: unknown[]) => heard.push(`lock(${args.length})`));
    const offSuspend = activity.on('suspend', () => heard.push('suspend'));
    // Electron passes an event object; the core's listener gets nothing of it.
    monitor.emit('lock-screen', { preventDefault() {} });
    monitor.emit('user-did-resign-active');
    monitor.emit('suspend');
    for (const other of ['unlock-screen', 'resume', 'on-ac', 'on-battery', 'shutdown', 'user-did-become-active'])
      monitor.emit(other);
    expect(heard).toEqual(['lock(0)', 'lock(0)', 'suspend']);

    offLock();
    offSuspend();
    for (const name of ['lock-screen', 'user-did-resign-active', 'suspend'])
      expect(monitor.listenerCount(name)).toBe(0);
    monitor.emit('lock-screen');
    monitor.emit('suspend');
    expect(heard).toHaveLength(3);
  });
});

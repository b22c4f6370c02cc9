// The core's SystemActivity from Electron's powerMonitor. Pure logic over a powerMonitor-shaped object (no electron
// import) so it is unit-tested in Node; power-monitor.ts hands it the real one once the app is ready.
import type { SystemActivity, SystemEvent } from '../core/auto-logoff';

/** The part of Electron's powerMonitor (Electron 45) that automatic logoff uses. */
export interface PowerMonitorLike {
  on(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
  getSystemIdleTime(): number;
  getSystemIdleState(idleThreshold: number): 'active' | 'idle' | 'locked' | 'unknown';
}

/**
 * Which powerMonitor events mean each SystemEvent. Electron 45 emits 'lock-screen' on macOS and Windows only;
 * 'user-did-resign-active' (macOS) means another OS account took the console (fast user switching), which hides
 * this user's screen just as a lock does. 'suspend' is emitted everywhere. Listening for an event a platform never
 * emits costs nothing; on Linux the screen lock is read instead (getSystemIdleState(...) === 'locked', polled by the
 * core), which is "available on supported systems only".
 */
export const POWER_MONITOR_EVENTS: Record<SystemEvent, readonly string[]> = {
  'lock-screen': ['lock-screen', 'user-did-resign-active'],
  suspend: ['suspend'],
};

export function systemActivityFrom(monitor: PowerMonitorLike): SystemActivity {
  return {
    idleSeconds: () => monitor.getSystemIdleTime(),
    // The threshold only decides between 'active' and 'idle'; 'locked' does not depend on it.
    screenLocked: () => monitor.getSystemIdleState(1) === 'locked',
    on(event, listener) {
      // The core's listener is called with nothing of Electron's event.
      const relay = () => listener();
      const names = POWER_MONITOR_EVENTS[event];
      for (const name of names) monitor.on(name, relay);
      return () => {
        for (const name of names) monitor.removeListener(name, relay);
      };
    },
  };
}

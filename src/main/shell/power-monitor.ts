// The operating system's screen lock, sleep and idle time for the core's automatic logoff, from Electron's
// powerMonitor. Usable only after the app is ready.
import { powerMonitor } from 'electron';
import type { SystemActivity } from '../core/auto-logoff';
import { systemActivityFrom } from './power-monitor-adapter';

export function createSystemActivity(): SystemActivity {
  return systemActivityFrom(powerMonitor);
}

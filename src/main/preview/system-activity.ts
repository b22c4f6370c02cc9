// The browser preview's stand-in for the operating system (development and tests only): it cannot see this
// computer's screen lock or input, so the process holding the preview's standard input says what happened, in
// lines read by main.ts:
//   system lock-screen      the screen locks (as Electron's powerMonitor 'lock-screen')
//   system suspend          the computer goes to sleep ('suspend')
//   system idle <seconds>   from now on the computer reports this idle time (0: someone is using it again)
// The idle time stays as given until the next line, so a test decides exactly what the core reads.
import { EventEmitter } from 'node:events';
import type { SystemActivity, SystemEvent } from '../core/auto-logoff';

export class PreviewSystemActivity implements SystemActivity {
  private readonly events = new EventEmitter();
  private idle = 0;

  idleSeconds(): number {
    return this.idle;
  }

  screenLocked(): boolean {
    return false; // the preview's screen lock is the 'lock-screen' line
  }

  on(event: SystemEvent, listener: () => void): () => void {
    this.events.on(event, listener);
    return () => void this.events.off(event, listener);
  }

  /** Applies one "system ..." line; false when it is not one (or not a valid one). */
  handleLine(line: string): boolean {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'system') return false;
    if (words.length === 2 && (words[1] === 'lock-screen' || words[1] === 'suspend')) {
      this.events.emit(words[1]);
      return true;
    }
    if (words.length === 3 && words[1] === 'idle' && /^\d{1,9}$/.test(words[2]!)) {
      this.idle = Number(words[2]);
      return true;
    }
    return false;
  }
}

// Automatic logoff (HIPAA 164.312(a)(2)(iii)): this workstation's sessions lock when its screen locks, when it
// goes to sleep, and when nobody has touched it (keyboard, mouse: the whole computer, not only the app) for the
// configured idle time. What the operating system knows enters through SystemActivity (Electron's powerMonitor in
// the app, standard input in the browser preview, the test itself in tests); every decision is made here.
import type { LockReason } from '../../shared/contract';
import type { Logger } from './log';

export type SystemEvent = 'lock-screen' | 'suspend';

/** What only the operating system knows, passed to the core at start. The command line has none. */
export interface SystemActivity {
  /** Seconds since the last keyboard or mouse input anywhere on this computer. */
  idleSeconds(): number;
  /** Whether the OS says its screen is locked now: for systems that send no 'lock-screen' event (Linux). */
  screenLocked(): boolean;
  /** The screen is about to lock, or the computer about to sleep. Returns a function that stops listening. */
  on(event: SystemEvent, listener: () => void): () => void;
}

export type SystemLockReason = Exclude<LockReason, 'idle'>;

/**
 * How often the idle time (and, where no event says so, the screen lock) is read: every 5 seconds. Reading it
 * costs a system call and nothing else; the database is touched only when something is to be locked. So a
 * system-idle lock comes at most 5 s after the configured time, and on Linux a screen lock within 5 s.
 */
export const SYSTEM_POLL_MS = 5_000;

/** No idle setting is shorter than a minute: below that, the settings need not even be read. */
const SHORTEST_IDLE_SECONDS = 60;

export interface AutoLogoffDeps {
  activity: SystemActivity;
  /** sessionIdleMinutes as it stands now, in seconds. */
  idleLimitSeconds(): Promise<number>;
  /** The renderers that hold a session on this core. */
  callers(): string[];
  /** Locks (or ends) one caller's session, audited with the reason; what changed, if anything. */
  lockCaller(callerId: string, reason: SystemLockReason): Promise<'locked' | 'ended' | null>;
  /** Tells the shell that this renderer's session changed, so that its window shows it at once. */
  notify(callerId: string): void;
  log: Logger;
  pollMs?: number;
}

export interface AutoLogoff {
  stop(): Promise<void>;
}

export function startAutoLogoff(deps: AutoLogoffDeps): AutoLogoff {
  const { activity, log } = deps;
  const pollMs = deps.pollMs ?? SYSTEM_POLL_MS;
  /** Locks asked for and not yet done: kept until they succeed (e.g. the database server was down). */
  const pending = new Set<SystemLockReason>();
  /** One system-idle lock per idle period: input (idle time below the limit) arms the next. */
  let idleArmed = true;
  let screenWasLocked = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Everything runs one at a time, in order: an event during a poll waits for it.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>) => {
    queue = queue
      .then(task)
      .catch((err: unknown) =>
        log.error('automatic logoff failed', { reason: err instanceof Error ? err.name : 'unknown' }),
      );
    return queue;
  };

  async function lockEverySession(reason: SystemLockReason): Promise<void> {
    const callers = deps.callers();
    const results = await Promise.allSettled(
      callers.map(async (callerId) => {
        if ((await deps.lockCaller(callerId, reason)) !== null) deps.notify(callerId);
      }),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) throw new AutoLogoffIncomplete(reason, failed);
  }

  /** Reasons whose lock failed at least once: said once in the log, and once more when done. */
  const retrying = new Set<SystemLockReason>();
  async function applyPending(): Promise<void> {
    for (const reason of [...pending]) {
      try {
        await lockEverySession(reason);
        pending.delete(reason);
        if (retrying.delete(reason)) log.info('automatic logoff done after all', { reason });
      } catch (err) {
        if (!retrying.has(reason))
          log.warn('automatic logoff could not lock every session; it tries again at each poll', {
            reason,
            failed: err instanceof AutoLogoffIncomplete ? err.failed : 0,
          });
        retrying.add(reason);
      }
    }
  }

  const unanswered = new Set<string>();
  function read<T>(what: string, value: () => T, otherwise: T): T {
    try {
      return value();
    } catch {
      if (!unanswered.has(what)) log.warn('the system did not answer', { what }); // once, not every poll
      unanswered.add(what);
      return otherwise;
    }
  }

  async function poll(): Promise<void> {
    const screenLocked = read('screen lock', () => activity.screenLocked(), false);
    if (screenLocked && !screenWasLocked) pending.add('screen-locked');
    screenWasLocked = screenLocked;

    const idle = read('idle time', () => activity.idleSeconds(), 0);
    if (!Number.isFinite(idle) || idle < SHORTEST_IDLE_SECONDS) idleArmed = true;
    else {
      // The setting comes from the database (cached for a second); unreachable, it is decided at the next poll.
      const limit = await deps.idleLimitSeconds().catch(() => null);
      if (limit !== null && idle < limit) idleArmed = true;
      else if (limit !== null && idleArmed) {
        idleArmed = false;
        pending.add('system-idle');
      }
    }
    await applyPending();
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void enqueue(poll).then(schedule), pollMs);
    timer.unref();
  }

  const onEvent = (reason: SystemLockReason) => () => {
    if (stopped) return;
    pending.add(reason);
    void enqueue(applyPending);
  };
  const unsubscribe = [
    activity.on('lock-screen', onEvent('screen-locked')),
    activity.on('suspend', onEvent('suspend')),
  ];
  // Start with a reading, so that a screen that is locked already counts as locked, not as a new lock.
  screenWasLocked = read('screen lock', () => activity.screenLocked(), false);
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      await queue;
    },
  };
}

class AutoLogoffIncomplete extends Error {
  constructor(
    readonly reason: SystemLockReason,
    readonly failed: number,
  ) {
    super(`${failed} session(s) could not be locked`);
    this.name = 'AutoLogoffIncomplete';
  }
}

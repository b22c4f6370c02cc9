// Long audit work started from the admin screen or the command line: exports and verification run in worker
// threads (audit-worker.ts); this side keeps their progress, cancels them, and records how they ended.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import type { AuditFilters, AuditJob, Checkpoint, Verification } from '../../../shared/audit';
import type { Clock } from '../clock';
import { resolveFilters, trailExtent } from './audit-query';
import type { DatabaseTarget, WorkerMessage, WorkerTask } from './audit-worker';
import { GENESIS_MAC, checkpointSignatureValid, sameMac, signArchive } from './chain';

/** Starts the worker: the bundled file in the packaged app, the TypeScript source (through tsx) elsewhere. */
function spawnWorker(task: WorkerTask): Worker {
  const bundled = path.join(__dirname, 'audit-worker.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, { workerData: { task } });
  const source = path.join(__dirname, 'audit-worker.ts');
  const tsx = createRequire(source).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: { task },
  });
}

export interface RunningWork<T> {
  result: Promise<T>;
  cancel(): Promise<void>;
}

/** Runs one worker task; resolves with its final message. A cancelled or crashed worker rejects. */
function runWorker(
  task: WorkerTask,
  onProgress: (processed: number, total: number) => void,
): RunningWork<WorkerMessage> {
  const worker = spawnWorker(task);
  let settled = false;
  const result = new Promise<WorkerMessage>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.processed, message.total);
      else {
        settled = true;
        resolve(message);
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(code === 1 ? 'cancelled' : `worker stopped (${code})`));
    });
  });
  return {
    result,
    cancel: async () => {
      await worker.terminate();
    },
  };
}

export class JobCancelled extends Error {}

const PARALLEL_MIN_EVENTS = 50_000;
const KEEP_FINISHED_JOBS = 50;

/** How the trail checks out: the chain from the genesis (or the last archive) to the head, and a checkpoint. */
export function verifyTrail(
  knex: Knex,
  target: DatabaseTarget,
  keys: { chainKey: Buffer; signatureKey: Buffer },
  checkpoint: Checkpoint | null,
  onProgress: (processed: number, total: number) => void,
): RunningWork<Verification> {
  let running: Array<RunningWork<WorkerMessage>> = [];
  let cancelled = false;
  const result = (async (): Promise<Verification> => {
    const extent = await trailExtent(knex);
    const outcome = (firstBadSeq: number | null, problem: Verification['problem'], checked: number): Verification => ({
      ok: problem === null,
      checked,
      firstSeq: extent.lastSeq > extent.archivedThrough ? extent.archivedThrough + 1 : null,
      lastSeq: extent.lastSeq > extent.archivedThrough ? extent.lastSeq : null,
      firstBadSeq,
      problem,
      checkpointSeq: checkpoint?.seq ?? null,
    });
    if (checkpoint && !checkpointSignatureValid(keys.signatureKey, checkpoint))
      return outcome(null, 'checkpoint_invalid', 0);
    if (extent.archivedThrough > 0) {
      const archive = (await knex('audit_archives').orderBy('through_seq', 'desc').first()) as Record<string, unknown>;
      const expected = signArchive(keys.signatureKey, {
        through_seq: Number(archive.through_seq),
        through_mac: String(archive.through_mac),
        cutoff_at: Number(archive.cutoff_at),
        created_at: Number(archive.created_at),
        event_count: Number(archive.event_count),
        file_name: String(archive.file_name),
        file_sha256: String(archive.file_sha256),
      });
      if (!sameMac(expected, String(archive.signature))) return outcome(extent.archivedThrough, 'archive_invalid', 0);
    }
    const first = extent.archivedThrough + 1;
    const last = extent.lastSeq;
    const total = Math.max(0, last - first + 1);
    const parts = total < PARALLEL_MIN_EVENTS ? 1 : Math.max(1, Math.min(4, os.availableParallelism()));
    const size = Math.ceil(total / parts);
    const progress = new Array<number>(parts).fill(0);
    const results: Array<Extract<WorkerMessage, { type: 'verified' }>> = [];
    if (total > 0) {
      running = Array.from({ length: parts }, (_, i) => {
        const from = first + i * size;
        return runWorker(
          {
            kind: 'verify',
            db: target,
            chainKey: keys.chainKey,
            from,
            to: Math.min(last, from + size - 1),
            prevMac: i === 0 ? (first === 1 ? GENESIS_MAC : extent.archivedMac) : null,
          },
          (processed) => {
            progress[i] = processed;
            onProgress(
              progress.reduce((a, b) => a + b, 0),
              total,
            );
          },
        );
      });
      for (const work of running) {
        const message = await work.result.catch((err: Error) => {
          throw cancelled ? new JobCancelled() : err;
        });
        if (message.type === 'failed') throw new Error(message.message);
        if (message.type === 'verified') results.push(message);
      }
    }
    const checked = results.reduce((a, r) => a + r.checked, 0);
    const bad = results.filter((r) => r.firstBadSeq !== null).sort((a, b) => a.firstBadSeq! - b.firstBadSeq!)[0];
    if (bad) return outcome(bad.firstBadSeq, bad.problem, checked);
    if (total > 0) {
      // The head row must name the last event as it is: a rewritten head is a rewritten trail.
      const tail = (await knex('audit_events').where({ seq: last }).first('mac')) as { mac: string } | undefined;
      if (!tail || !sameMac(tail.mac, extent.lastMac)) return outcome(last, 'changed', checked);
    }
    if (checkpoint) {
      if (checkpoint.seq > last) return outcome(last + 1, 'truncated', checked);
      if (checkpoint.seq > extent.archivedThrough) {
        const at = (await knex('audit_events').where({ seq: checkpoint.seq }).first('mac')) as
          { mac: string } | undefined;
        if (!at || !sameMac(at.mac, checkpoint.mac)) return outcome(checkpoint.seq, 'changed', checked);
      } else if (checkpoint.seq === extent.archivedThrough && !sameMac(extent.archivedMac, checkpoint.mac)) {
        return outcome(checkpoint.seq, 'changed', checked);
      }
    }
    onProgress(total, total);
    return outcome(null, null, checked);
  })();
  return {
    result,
    cancel: async () => {
      cancelled = true;
      await Promise.all(running.map((w) => w.cancel()));
    },
  };
}

/** The first part of an export file: what it is, when and by whom it was made, and which events it holds. */
export function exportHeader(nowMs: number, filters: AuditFilters, createdBy?: string): Record<string, unknown> {
  return {
    format: 'healthsphere-audit-export',
    version: 1,
    createdAt: new Date(nowMs).toISOString(),
    ...(createdBy ? { createdBy } : {}),
    filters,
  };
}

/** Writes the filtered events (or a sequence range, for an archive) to a file; resolves with what was written. */
export function exportTrail(
  knex: Knex,
  target: DatabaseTarget,
  request: {
    format: 'csv' | 'json';
    filters: AuditFilters;
    seqRange?: { from: number; to: number; prevMac: string };
    path: string;
    header: Record<string, unknown>;
  },
  onProgress: (processed: number, total: number) => void,
): RunningWork<{ events: number; bytes: number }> {
  let work: RunningWork<WorkerMessage> | null = null;
  let cancelled = false;
  const result = (async () => {
    const filters = await resolveFilters(knex, request.filters);
    if (cancelled) throw new JobCancelled();
    work = runWorker({ kind: 'export', db: target, ...request, filters }, onProgress);
    const message = await work.result.catch((err: Error) => {
      throw cancelled ? new JobCancelled() : err;
    });
    if (message.type === 'failed') throw new Error(message.message);
    if (message.type !== 'exported') throw new Error('unexpected answer from the export worker');
    return { events: message.events, bytes: message.bytes };
  })();
  return {
    result,
    cancel: async () => {
      cancelled = true;
      await work?.cancel();
      // A terminated worker cannot clean up after itself: its unfinished file goes here.
      fs.rmSync(`${request.path}.partial`, { force: true });
    },
  };
}

interface JobEntry {
  view: AuditJob;
  ownerId: number;
  work: RunningWork<unknown>;
  /** Resolves once the job has ended and its end is recorded. */
  settled: Promise<void>;
}

export interface JobOwner {
  userId: number;
}

/** The jobs the admin screen started, by id; each visible only to the person who started it. */
export class AuditJobs {
  private readonly jobs = new Map<string, JobEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly exportDir: string,
  ) {}

  exportPath(format: 'csv' | 'json'): string {
    fs.mkdirSync(this.exportDir, { recursive: true, mode: 0o700 });
    const stamp = new Date(this.clock.nowMs()).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    return path.join(this.exportDir, `audit-${stamp}-${randomBytes(3).toString('hex')}.${format}`);
  }

  /**
   * Tracks a job. `start` receives the progress callback and returns the work; `finished` runs once it ends
   * (to record the outcome in the audit trail) and may not throw.
   */
  track<T>(
    owner: JobOwner,
    kind: AuditJob['kind'],
    start: (onProgress: (processed: number, total: number) => void) => RunningWork<T>,
    finished: (view: AuditJob, value: T | null, error: unknown) => Promise<void>,
    describe: (value: T) => Partial<AuditJob>,
  ): AuditJob {
    const view: AuditJob = {
      id: randomBytes(16).toString('hex'),
      kind,
      state: 'running',
      processed: 0,
      total: 0,
      startedAt: this.clock.nowMs(),
      file: null,
      verification: null,
      error: null,
    };
    const work = start((processed, total) => {
      view.processed = processed;
      view.total = total;
    });
    const settled = work.result.then(
      async (value) => {
        if (view.state === 'running') Object.assign(view, { state: 'done' }, describe(value));
        await finished(view, value, null);
      },
      async (err: unknown) => {
        if (view.state === 'running') {
          view.state = err instanceof JobCancelled ? 'cancelled' : 'failed';
          view.error = view.state === 'failed' ? 'The job stopped on an error; nothing was kept. Try again.' : null;
        }
        await finished(view, null, err);
      },
    );
    this.jobs.set(view.id, { view, ownerId: owner.userId, work, settled });
    this.forgetOldJobs();
    return { ...view };
  }

  /** Keeps the last finished jobs only: a screen left open for a week does not grow the registry. */
  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((j) => j.view.state !== 'running');
    for (const entry of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_JOBS)))
      this.jobs.delete(entry.view.id);
  }

  get(owner: JobOwner, id: string): AuditJob | null {
    const entry = this.jobs.get(id);
    return entry && entry.ownerId === owner.userId ? { ...entry.view } : null;
  }

  async cancel(owner: JobOwner, id: string): Promise<AuditJob | null> {
    const entry = this.jobs.get(id);
    if (!entry || entry.ownerId !== owner.userId) return null;
    if (entry.view.state === 'running') {
      entry.view.state = 'cancelled';
      await entry.work.cancel();
    }
    return { ...entry.view };
  }

  /** Cancels what still runs and waits until every job's end is recorded (before the database closes). */
  async close(): Promise<void> {
    const entries = [...this.jobs.values()];
    await Promise.all(
      entries
        .filter((j) => j.view.state === 'running')
        .map((j) => {
          j.view.state = 'cancelled';
          return j.work.cancel();
        }),
    );
    await Promise.allSettled(entries.map((j) => j.settled));
  }
}

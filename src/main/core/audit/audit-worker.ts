// The audit trail's long work, in a worker thread with its own database connection, so the main process's event
// loop never waits on it: verifying a range of the chain, and writing an export file.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Knex } from 'knex';
import { openDatabase } from '../db/connection';
import { type ResolvedFilters, applyFilters, normalizeRow, toView } from './audit-query';
import { AUDIT_SELECT, type AuditRow, GENESIS_MAC, macOf } from './chain';
import { csvHeader, csvLine } from './export-format';

export interface DatabaseTarget {
  dataDir: string;
  databaseUrl?: string;
}

export type WorkerTask =
  | {
      kind: 'verify';
      db: DatabaseTarget;
      chainKey: Uint8Array;
      from: number;
      to: number;
      /** The MAC the event `from` must be chained to (the previous event's, an archive's, or the genesis). */
      prevMac: string | null;
    }
  | {
      kind: 'export';
      db: DatabaseTarget;
      format: 'csv' | 'json';
      filters: ResolvedFilters;
      /** Only events in this sequence range, oldest first (an archive); otherwise the filters in time order. */
      seqRange?: { from: number; to: number; prevMac: string };
      path: string;
      header: Record<string, unknown>;
    };

export type WorkerMessage =
  | { type: 'progress'; processed: number; total: number }
  | { type: 'verified'; checked: number; firstBadSeq: number | null; problem: 'changed' | 'missing' | null }
  | { type: 'exported'; events: number; bytes: number }
  | { type: 'failed'; message: string };

const BATCH = 5_000;

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

async function verify(knex: Knex, task: Extract<WorkerTask, { kind: 'verify' }>): Promise<void> {
  const key = Buffer.from(task.chainKey);
  const total = Math.max(0, task.to - task.from + 1);
  let prevMac = task.prevMac;
  if (prevMac === null) {
    const before = (await knex('audit_events')
      .where({ seq: task.from - 1 })
      .first('mac')) as { mac: string } | undefined;
    if (!before) {
      post({ type: 'verified', checked: 0, firstBadSeq: task.from - 1, problem: 'missing' });
      return;
    }
    prevMac = before.mac;
  }
  let expected = task.from;
  let checked = 0;
  while (expected <= task.to) {
    const rows = (await knex('audit_events')
      .select(knex.raw(AUDIT_SELECT))
      .whereBetween('seq', [expected, task.to])
      .orderBy('seq')
      .limit(BATCH)) as Array<Record<string, unknown>>;
    if (rows.length === 0) break;
    for (const raw of rows) {
      const row = normalizeRow(raw);
      if (row.seq !== expected) {
        post({ type: 'verified', checked, firstBadSeq: expected, problem: 'missing' });
        return;
      }
      if (macOf(key, prevMac, row) !== row.mac) {
        post({ type: 'verified', checked, firstBadSeq: row.seq, problem: 'changed' });
        return;
      }
      prevMac = row.mac;
      expected += 1;
      checked += 1;
    }
    post({ type: 'progress', processed: checked, total });
  }
  if (expected <= task.to) {
    post({ type: 'verified', checked, firstBadSeq: expected, problem: 'missing' });
    return;
  }
  post({ type: 'verified', checked, firstBadSeq: null, problem: null });
}

async function exportEvents(knex: Knex, task: Extract<WorkerTask, { kind: 'export' }>): Promise<void> {
  const partial = `${task.path}.partial`;
  const fd = fs.openSync(partial, 'w', 0o600);
  let bytes = 0;
  const write = (text: string) => {
    bytes += fs.writeSync(fd, text);
  };
  try {
    const base = () => {
      const query = knex('audit_events').select(knex.raw(AUDIT_SELECT));
      if (task.seqRange) return query.whereBetween('seq', [task.seqRange.from, task.seqRange.to]);
      return applyFilters(query, task.filters);
    };
    const counted = (await base().clearSelect().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const total = Number(counted?.n ?? 0);
    post({ type: 'progress', processed: 0, total });

    if (task.format === 'csv') write(csvHeader());
    else write(`{"header":${JSON.stringify(task.header)},\n"events":[\n`);

    let events = 0;
    let cursor: { occurredAt: number; seq: number } | null = null;
    let prevMac = task.seqRange?.prevMac ?? GENESIS_MAC;
    for (;;) {
      const query = base();
      if (task.seqRange) {
        if (cursor) query.where('seq', '>', cursor.seq);
        query.orderBy('seq');
      } else {
        if (cursor) query.whereRaw('(occurred_at, seq) > (?, ?)', [cursor.occurredAt, cursor.seq]);
        query.orderBy([
          { column: 'occurred_at', order: 'asc' },
          { column: 'seq', order: 'asc' },
        ]);
      }
      const rows = ((await query.limit(BATCH)) as Array<Record<string, unknown>>).map(normalizeRow);
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) {
        if (task.format === 'csv') chunk += csvLine(row);
        else chunk += `${events === 0 ? '' : ',\n'}${JSON.stringify(toView(row))}`;
        events += 1;
        prevMac = row.mac;
      }
      write(chunk);
      const last = rows[rows.length - 1] as AuditRow;
      cursor = { occurredAt: last.occurred_at, seq: last.seq };
      post({ type: 'progress', processed: events, total: Math.max(total, events) });
    }
    if (task.format === 'json')
      write(`\n],\n"count":${events},"lastMac":${JSON.stringify(prevMac)},"complete":true}\n`);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    // Only a finished file gets the name the admin was told; a cancelled or failed one never does.
    fs.renameSync(partial, task.path);
    post({ type: 'exported', events, bytes });
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

async function run(task: WorkerTask): Promise<void> {
  const db = openDatabase(task.db);
  try {
    if (task.kind === 'verify') await verify(db.knex, task);
    else await exportEvents(db.knex, task);
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message.slice(0, 300) : 'unknown error' });
  } finally {
    await db.knex.destroy();
  }
}

if (parentPort && workerData?.task) void run(workerData.task as WorkerTask);

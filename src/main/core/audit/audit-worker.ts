// The audit trail's long work, in a worker thread with its own database connection, so the main process's event
// loop never waits on it: verifying a range of the chain, and writing an export file.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Knex } from 'knex';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, sqliteFile } from '../db/connection';
import { type ResolvedFilters, applyFilters, auditTable, filteredQuery, normalizeRow, toView } from './audit-query';
import { AUDIT_SELECT, type AuditRow, GENESIS_MAC, canonicalValues, macOfValues } from './chain';
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

type QueryAfter = (after: AuditRow | null) => Knex.QueryBuilder;

/** Groups a statement's rows, as better-sqlite3 steps through them, into batches. */
function* inBatches<T>(rows: Iterable<T>): Generator<T[]> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The rows of a query in batches. SQLite: one statement stepped through by better-sqlite3 on a read-only
 * connection (a consistent snapshot, no query per batch). PostgreSQL: keyset batches through knex.
 */
async function* batches(
  knex: Knex,
  sqlite: BetterSqlite3.Database | null,
  query: QueryAfter,
): AsyncGenerator<AuditRow[]> {
  if (sqlite) {
    const { sql, bindings } = query(null).toSQL().toNative();
    yield* inBatches(sqlite.prepare(sql).iterate(...(bindings as unknown[])) as Iterable<AuditRow>);
    return;
  }
  let after: AuditRow | null = null;
  for (;;) {
    const rows: AuditRow[] = ((await query(after).limit(BATCH)) as Array<Record<string, unknown>>).map(normalizeRow);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!;
  }
}

const bySeq =
  (knex: Knex, from: number, to: number): QueryAfter =>
  (after) =>
    knex('audit_events')
      .select(knex.raw(AUDIT_SELECT))
      .whereBetween('seq', [after ? after.seq + 1 : from, to])
      .orderBy('seq');

/**
 * A range's rows as arrays in AUDIT_COLUMNS order with the MAC last: SQLite hands them over as arrays directly
 * (no object per row), PostgreSQL's rows are turned into them.
 */
async function* valueBatches(
  knex: Knex,
  sqlite: BetterSqlite3.Database | null,
  from: number,
  to: number,
): AsyncGenerator<unknown[][]> {
  if (sqlite) {
    const statement = sqlite
      .prepare(`SELECT ${AUDIT_SELECT} FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq`)
      .raw(true);
    yield* inBatches(statement.iterate(from, to) as Iterable<unknown[]>);
    return;
  }
  for await (const rows of batches(knex, null, bySeq(knex, from, to)))
    yield rows.map((row) => [...canonicalValues(row), row.mac]);
}

async function verify(
  knex: Knex,
  sqlite: BetterSqlite3.Database | null,
  task: Extract<WorkerTask, { kind: 'verify' }>,
): Promise<void> {
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
  for await (const rows of valueBatches(knex, sqlite, task.from, task.to)) {
    for (const values of rows) {
      const mac = values.pop() as string;
      const seq = Number(values[0]);
      if (seq !== expected) {
        post({ type: 'verified', checked: expected - task.from, firstBadSeq: expected, problem: 'missing' });
        return;
      }
      if (macOfValues(key, prevMac, values) !== mac) {
        post({ type: 'verified', checked: expected - task.from, firstBadSeq: seq, problem: 'changed' });
        return;
      }
      prevMac = mac;
      expected += 1;
    }
    post({ type: 'progress', processed: expected - task.from, total });
  }
  const checked = expected - task.from;
  if (expected <= task.to) post({ type: 'verified', checked, firstBadSeq: expected, problem: 'missing' });
  else post({ type: 'verified', checked, firstBadSeq: null, problem: null });
}

async function exportEvents(
  knex: Knex,
  sqlite: BetterSqlite3.Database | null,
  task: Extract<WorkerTask, { kind: 'export' }>,
): Promise<void> {
  const partial = `${task.path}.partial`;
  const fd = fs.openSync(partial, 'w', 0o600);
  let bytes = 0;
  const write = (text: string) => {
    bytes += fs.writeSync(fd, text);
  };
  try {
    const counting = task.seqRange
      ? knex('audit_events').whereBetween('seq', [task.seqRange.from, task.seqRange.to])
      : applyFilters(knex.from(auditTable(knex, task.filters)), task.filters);
    const counted = (await counting.count({ n: '*' }).first()) as { n: number | string } | undefined;
    const total = Number(counted?.n ?? 0);
    post({ type: 'progress', processed: 0, total });

    if (task.format === 'csv') write(csvHeader());
    else write(`{"header":${JSON.stringify(task.header)},\n"events":[\n`);

    let events = 0;
    let prevMac = task.seqRange?.prevMac ?? GENESIS_MAC;
    const query: QueryAfter = task.seqRange
      ? bySeq(knex, task.seqRange.from, task.seqRange.to)
      : (after) =>
          filteredQuery(knex, task.filters, 'oldest', after ? { occurredAt: after.occurred_at, seq: after.seq } : null);
    for await (const rows of batches(knex, sqlite, query)) {
      let chunk = '';
      for (const row of rows) {
        if (task.format === 'csv') chunk += csvLine(row);
        else chunk += `${events === 0 ? '' : ',\n'}${JSON.stringify(toView(row))}`;
        events += 1;
        prevMac = row.mac;
      }
      write(chunk);
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
  const sqlite =
    db.engine === 'sqlite'
      ? new BetterSqlite3(sqliteFile(task.db.dataDir), { readonly: true, fileMustExist: true })
      : null;
  try {
    if (task.kind === 'verify') await verify(db.knex, sqlite, task);
    else await exportEvents(db.knex, sqlite, task);
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message.slice(0, 300) : 'unknown error' });
  } finally {
    sqlite?.close();
    await db.knex.destroy();
  }
}

if (parentPort && workerData?.task) void run(workerData.task as WorkerTask);

// npm run bench:audit (also the last part of npm run bench): the audit trail at scale, on SQLite. Prints figures,
// asserts nothing. On a generated trail of HEALTHSPHERE_BENCH_AUDIT_EVENTS events (default 10,000,000) over six
// years:
// - bulk append through the product's chain code (appendAuditRows via knex), and, when that is far below the
//   target, a raw better-sqlite3 path that computes the same MACs (canonicalValues + macOfValues) and is used to
//   generate the rest;
// - the cost of one audit event (writeAuditEvent in its own transaction) and of the audit in a dispatched request;
// - a filtered page at any depth (searchEvents with random filters, sort orders and cursors), with EXPLAIN QUERY
//   PLAN on stderr for slow ones;
// - export (CSV and JSON) and verification in their worker threads: events/s, process RSS, main event-loop stalls.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { generate } from 'otplib';
import { AUDIT_ACTIONS, type AuditFilters, type AuditOutcome } from '../src/shared/audit';
import { type ChannelName, contract } from '../src/shared/contract';
import type { Role } from '../src/shared/roles';
import { type Core, startCore } from '../src/main/core';
import { exportTrail, type RunningWork, verifyTrail } from '../src/main/core/audit/audit-jobs';
import { filteredQuery, resolveFilters, searchEvents, trailExtent } from '../src/main/core/audit/audit-query';
import {
  AuditBatch,
  type AuditEvent,
  type AuditStamp,
  type NewAuditRow,
  appendAuditRows,
  writeAuditEvent,
} from '../src/main/core/audit/audit-writer';
import { AUDIT_COLUMNS, AUDIT_SELECT, type AuditRow, canonicalValues, macOfValues } from '../src/main/core/audit/chain';
import { APP_VERSION } from '../src/main/core/config';
import { deriveKeys } from '../src/main/core/crypto/keys';
import { type Database as HsDatabase, migrateToLatest, openDatabase, sqliteFile } from '../src/main/core/db/connection';
import { silentLogger } from '../src/main/core/log';

const EVENTS = Number(process.env['HEALTHSPHERE_BENCH_AUDIT_EVENTS'] ?? 10_000_000);
const QUERIES = Number(process.env['HEALTHSPHERE_BENCH_AUDIT_QUERIES'] ?? 200);
const WITH_JSON = process.env['HEALTHSPHERE_BENCH_AUDIT_JSON'] !== '0';
/** Rows per transaction, both paths. */
const BATCH = 50_000;
/** Below this, appendAuditRows through knex is "far below" the 200,000/s target and the raw path generates. */
const KNEX_ENOUGH = 150_000;
/** The raw generator's page cache (the product's connections keep SQLite's default). */
const RAW_CACHE_MIB = 1024;
const PAGE = 50;

const DAY_MS = 24 * 60 * 60_000;
const YEARS = 6;

const PASSWORD = 'steady bench passphrase';

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sortedOf = (xs: number[]) => [...xs].sort((a, b) => a - b);

function row(label: string, value: string): void {
  console.log(`  ${label.padEnd(62)} ${value}`);
}

function note(message: string): void {
  process.stderr.write(`[bench:audit ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const perSecond = (count: number, ms: number) => count / (ms / 1000);

/** mulberry32: a seeded generator, so every run builds the same trail. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20_260_206);
const randInt = (n: number) => Math.floor(rand() * n);
function pick<T>(xs: readonly T[]): T {
  return xs[randInt(xs.length)]!;
}
const hex32 = () => Array.from({ length: 4 }, () => ((rand() * 2 ** 32) >>> 0).toString(16).padStart(8, '0')).join('');

/** A table to pick from in proportion to weights (tenths). */
function weighted<T>(entries: ReadonlyArray<[T, number]>): T[] {
  const table: T[] = [];
  for (const [value, weight] of entries) for (let i = 0; i < Math.round(weight * 10); i++) table.push(value);
  return table;
}

// ---------------------------------------------------------------------------------------------------------------
// The synthetic clinic: who acts, where, through which channel

interface Person {
  id: number;
  email: string;
  role: Role;
  home: number;
  session: string;
  sessions: number;
}

const FIRST = ['anna', 'ben', 'carla', 'david', 'elif', 'farid', 'grace', 'hugo', 'ines', 'jamal', 'kate', 'liam'];
const LAST = ['smith', 'jones', 'garcia', 'nguyen', 'okafor', 'kowalski', 'rossi', 'tanaka', 'dubois', 'silva'];
const USERS = 3_000;

const WORKSTATIONS: ReadonlyArray<{ host: string; osUser: string }> = [
  ...Array.from({ length: 4 }, (_, i) => ({ host: `FRONTDESK-0${i + 1}`, osUser: 'frontdesk' })),
  ...Array.from({ length: 8 }, (_, i) => ({ host: `EXAM-0${i + 1}`, osUser: 'clinical' })),
  ...Array.from({ length: 4 }, (_, i) => ({ host: `NURSE-0${i + 1}`, osUser: 'nursing' })),
  { host: 'ADMIN-01', osUser: 'itadmin' },
  { host: 'ADMIN-02', osUser: 'itadmin' },
  { host: 'KIOSK-01', osUser: 'kiosk' },
  { host: 'KIOSK-02', osUser: 'kiosk' },
];
const STAFF_STATIONS = WORKSTATIONS.length - 2;

const people: Person[] = Array.from({ length: USERS }, (_, i) => {
  const bucket = i % 100;
  const role: Role = bucket < 4 ? 'admin' : bucket < 16 ? 'doctor' : bucket < 30 ? 'nurse' : 'patient';
  const name = `${FIRST[i % FIRST.length]}.${LAST[(i * 7) % LAST.length]}${i + 1}`;
  return {
    id: i + 1,
    email: `${name}@${role === 'patient' ? 'mail.example' : 'clinic.example'}`,
    role,
    home: role === 'admin' ? 16 + (i % 2) : role === 'patient' ? 18 + (i % 2) : i % 16,
    session: hex32(),
    sessions: 1,
  };
});
const patients = people.filter((p) => p.role === 'patient');
/** Staff act far more often than patients, and some staff more than others. */
const actors = people.flatMap((p) => Array<Person>(p.role === 'patient' ? 1 : 10 + ((p.id * 37) % 40)).fill(p));

const clinical = weighted<ChannelName>([
  ['patients.get', 30],
  ['patients.search', 20],
  ['session.current', 8],
  ['session.signIn', 6],
  ['session.unlock', 4],
  ['session.signOut', 3],
  ['patients.updateMedical', 6],
  ['twoFactor.verify', 4],
  ['profile.get', 2],
  ['account.activity', 1],
  ['session.list', 1],
  ['session.reauthenticate', 1],
  ['patients.breakGlass', 0.2],
  ['patients.setRestricted', 0.2],
  ['session.changePassword', 0.1],
]);
const administrative = weighted<ChannelName>([
  ['session.current', 8],
  ['session.signIn', 6],
  ['session.unlock', 3],
  ['session.signOut', 3],
  ['twoFactor.verify', 4],
  ['users.list', 8],
  ['users.get', 6],
  ['users.sessions', 1],
  ['users.create', 0.5],
  ['users.changeRole', 0.2],
  ['users.deactivate', 0.2],
  ['users.reactivate', 0.1],
  ['users.unlock', 0.3],
  ['users.resetTwoFactor', 0.1],
  ['audit.search', 5],
  ['audit.event', 1],
  ['audit.stats', 1],
  ['audit.startExport', 0.1],
  ['audit.startVerify', 0.1],
  ['audit.checkpoint', 0.05],
  ['reports.securitySummary', 1],
  ['reports.reviewEmergencyAccess', 0.3],
  ['settings.getSecurity', 0.5],
  ['settings.updateSecurity', 0.05],
  ['system.status', 0.5],
  ['mail.outbox', 0.2],
  ['mail.sendTest', 0.05],
]);
const portal = weighted<ChannelName>([
  ['profile.get', 20],
  ['profile.getAvatar', 5],
  ['profile.update', 3],
  ['profile.setAvatar', 0.5],
  ['session.signIn', 8],
  ['session.signOut', 5],
  ['session.current', 5],
  ['account.activity', 3],
  ['twoFactor.status', 1],
  ['account.requestPasswordReset', 0.5],
  ['account.resetPassword', 0.3],
  ['account.verifyEmail', 0.2],
]);
const APP_VERSIONS = ['1.0.0', '1.1.3', '1.2.0', '1.3.5', '1.4.2', '1.5.0'];
const BREAK_GLASS_REASONS = [
  'Unconscious patient in the emergency room, no family reachable',
  'Covering for the treating physician overnight',
  'Lab result callback, the patient is on the phone',
];
/** Share of a day's events per hour (a clinic is busy from 7 to 19). */
const HOURS = [1, 1, 1, 1, 1, 2, 4, 10, 16, 18, 18, 16, 14, 16, 18, 17, 14, 10, 6, 4, 3, 2, 1, 1];
const HOUR_CDF = HOURS.reduce<number[]>((acc, w) => [...acc, (acc[acc.length - 1] ?? 0) + w], [0]).map(
  (c) => c / HOURS.reduce((a, b) => a + b, 0),
);

/** Where a fraction of the day's events falls in the day: monotone, so events stay in time order. */
function timeOfDay(fraction: number): number {
  let h = 0;
  while (h < 23 && HOUR_CDF[h + 1]! <= fraction) h++;
  const within = (fraction - HOUR_CDF[h]!) / (HOUR_CDF[h + 1]! - HOUR_CDF[h]!);
  return Math.floor((h + within) * 3_600_000);
}

const END_MS = Date.now() - 3_600_000;
const DAYS = Math.floor(YEARS * 365.25);
const START_MS = Math.floor(END_MS / DAY_MS) * DAY_MS - DAYS * DAY_MS;

/** Event i of `total`: spread over six years in time order, busier in the day. */
function makeEvent(i: number, total: number, at?: number): NewAuditRow {
  const u = (Math.min(i, total - 1) / total) * DAYS;
  const day = Math.floor(u);
  const occurredAt = at ?? START_MS + day * DAY_MS + timeOfDay(u - day);

  const r = rand();
  const person = actors[randInt(actors.length)]!;
  const station = WORKSTATIONS[rand() < 0.8 ? person.home : person.role === 'patient' ? 18 : randInt(STAFF_STATIONS)]!;
  let channel: ChannelName | null = null;
  let action: string;
  let outcome: AuditOutcome = 'success';
  let actor: Person | null = person;
  let resourceType: string | null = null;
  let resourceId: string | null = null;
  let patientId: number | null = null;
  let dataCategory: string | null = null;
  let reason: string | null = null;
  let errorCode: string | null = null;
  let details: Record<string, string | number | boolean | null> | null = null;

  if (r < 0.05) {
    // Events no request carries: idle lock, expiry, a closed window, a lockout.
    action = pick(['SESSION_LOCKED', 'SESSION_LOCKED', 'SESSION_EXPIRED', 'LOGOUT', 'ACCOUNT_LOCKED']);
    resourceType = action === 'ACCOUNT_LOCKED' ? 'user' : 'session';
    resourceId = action === 'ACCOUNT_LOCKED' ? String(person.id) : String(person.sessions);
    details =
      action === 'SESSION_LOCKED'
        ? { reason: 'idle' }
        : action === 'LOGOUT'
          ? { reason: 'window closed' }
          : action === 'ACCOUNT_LOCKED'
            ? { failures: 5 + randInt(5) }
            : null;
  } else {
    channel = pick(person.role === 'patient' ? portal : person.role === 'admin' ? administrative : clinical);
    const spec = contract[channel];
    action = spec.audit.action;
    resourceType = spec.audit.resourceType;
    const o = rand();
    if (o > 0.95) {
      outcome = o > 0.985 ? 'denied' : 'failure';
      action = spec.audit.onFailure ?? spec.audit.action;
      errorCode =
        outcome === 'denied'
          ? pick(['FORBIDDEN', 'SESSION_EXPIRED', 'TWO_FACTOR_REQUIRED', 'NOT_SIGNED_IN'])
          : action === 'LOGIN_FAILED'
            ? pick(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED', 'RATE_LIMITED'])
            : pick(['INVALID_INPUT', 'NOT_FOUND', 'REAUTH_REQUIRED']);
      details = outcome === 'denied' ? { stage: 'access' } : errorCode === 'INVALID_INPUT' ? { fields: 'email' } : null;
      if (action === 'LOGIN_FAILED' && rand() < 0.3) actor = null; // an email that names nobody
    }
    if (channel === 'session.signIn' && outcome === 'success' && rand() < 0.5) {
      person.sessions += 1;
      person.session = hex32();
    }
    const patient = pick(patients);
    switch (resourceType) {
      case 'patient_profile':
        patientId = patient.id;
        resourceId = String(patient.id);
        dataCategory =
          channel === 'patients.updateMedical' ? 'medical' : rand() < 0.1 ? 'name' : 'demographics,medical';
        if (channel === 'patients.breakGlass') reason = pick(BREAK_GLASS_REASONS);
        break;
      case 'profile':
      case 'avatar':
        resourceId = String(person.id);
        if (person.role === 'patient') {
          patientId = person.id;
          dataCategory = resourceType === 'avatar' ? 'photo' : 'demographics';
        }
        break;
      case 'user':
      case 'user_profile':
        resourceId = String(pick(people).id);
        if (channel === 'users.changeRole') details = { from: 'nurse', to: 'doctor' };
        break;
      case 'session':
        resourceId = String(person.sessions);
        break;
      case 'audit_event':
        resourceId = String(1 + randInt(i + 1));
        break;
      case 'patient_search':
      case 'audit_trail':
      case 'user_list':
        if (outcome === 'success') details = { results: randInt(51) };
        break;
    }
  }
  const signedIn = actor !== null && !(channel?.startsWith('account.') ?? false);
  return {
    occurred_at: occurredAt,
    action,
    outcome,
    channel,
    actor_user_id: signedIn ? actor!.id : null,
    actor_email: signedIn ? actor!.email : null,
    actor_role: signedIn ? actor!.role : null,
    session_hash: signedIn ? person.session : null,
    workstation: station.host,
    os_user: station.osUser,
    ip_address: rand() < 0.01 ? '127.0.0.1' : null,
    app_version: APP_VERSIONS[Math.min(APP_VERSIONS.length - 1, Math.floor((i / total) * APP_VERSIONS.length))]!,
    resource_type: resourceType,
    resource_id: resourceId,
    patient_id: patientId,
    data_category: dataCategory,
    reason,
    error_code: errorCode,
    details: details ? JSON.stringify(details) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Generation

interface Figures {
  rows: Array<{ figure: string; measured: string; target: string; met: boolean | null }>;
}

function progressLogger(label: string, total: number) {
  const start = performance.now();
  let last = start;
  return (done: number, force = false) => {
    const now = performance.now();
    if (!force && now - last < 5_000) return;
    last = now;
    const s = (now - start) / 1000;
    note(`${label}: ${int(done)} / ${int(total)} (${int(done / s)}/s overall, ${s.toFixed(0)} s)`);
  };
}

async function appendThroughKnex(
  db: HsDatabase,
  chainKey: Buffer,
  from: number,
  count: number,
  make: (i: number) => NewAuditRow,
  log: (done: number) => void,
): Promise<{ ms: number; genMs: number; cpuMs: number }> {
  let ms = 0;
  let genMs = 0;
  let cpuMs = 0;
  for (let done = 0; done < count;) {
    const size = Math.min(BATCH, count - done);
    const g0 = performance.now();
    const rows = Array.from({ length: size }, (_, j) => make(from + done + j));
    const t0 = performance.now();
    genMs += t0 - g0;
    const c0 = process.cpuUsage();
    await db.knex.transaction((trx) => appendAuditRows(trx, chainKey, rows));
    ms += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpuMs += (c.user + c.system) / 1000;
    done += size;
    log(from + done);
  }
  return { ms, genMs, cpuMs };
}

/** The same chain, written with one prepared statement per row inside one transaction per BATCH rows. */
function appendRaw(
  dataDir: string,
  chainKey: Buffer,
  from: number,
  count: number,
  make: (i: number) => NewAuditRow,
  log: (done: number) => void,
): { ms: number; genMs: number; cpuMs: number } {
  const sqlite = new Database(sqliteFile(dataDir));
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`cache_size = -${RAW_CACHE_MIB * 1024}`);
    const head = sqlite.prepare('SELECT last_seq, last_mac FROM audit_chain WHERE id = 1').get() as {
      last_seq: number;
      last_mac: string;
    };
    let seq = Number(head.last_seq);
    let mac = head.last_mac;
    const columns = [...AUDIT_COLUMNS, 'mac'];
    const insert = sqlite.prepare(
      `INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const setHead = sqlite.prepare(
      'UPDATE audit_chain SET last_seq = ?, last_mac = ?, last_occurred_at = ? WHERE id = 1',
    );
    const append = sqlite.transaction((rows: NewAuditRow[]) => {
      for (const r of rows) {
        seq += 1;
        const values = canonicalValues({ seq, ...r });
        mac = macOfValues(chainKey, mac, values);
        insert.run(...values, mac);
      }
      // The head moves with every batch, so the trail is valid whenever a batch has committed.
      setHead.run(seq, mac, rows[rows.length - 1]!.occurred_at);
    });
    let ms = 0;
    let genMs = 0;
    let cpuMs = 0;
    for (let done = 0; done < count;) {
      const size = Math.min(BATCH, count - done);
      const g0 = performance.now();
      const rows = Array.from({ length: size }, (_, j) => make(from + done + j));
      const t0 = performance.now();
      genMs += t0 - g0;
      const c0 = process.cpuUsage();
      append(rows);
      ms += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpuMs += (c.user + c.system) / 1000;
      done += size;
      log(from + done);
    }
    return { ms, genMs, cpuMs };
  } finally {
    sqlite.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Long jobs: throughput, memory, event-loop stalls

interface JobFigures<T> {
  value: T;
  ms: number;
  stallMs: number;
  rssBefore: number;
  rssMax: number;
  rssAfter: number;
  /** The largest RSS in the second half of the job minus the largest in its first half (after 10%). */
  rssGrowth: number;
  samples: Array<{ processed: number; rss: number }>;
  /** When (seconds into the job) the longest stall seen by a 10 ms timer fell. */
  worstAtS: number;
  /** When the worker reported its first processed events: its start-up time, roughly. */
  firstProgressS: number | null;
  /** CPU time of the whole process (every thread) during the job. */
  cpuMs: number;
}

async function measureJob<T>(
  label: string,
  start: (onProgress: (processed: number, total: number) => void) => RunningWork<T>,
): Promise<JobFigures<T>> {
  const rssBefore = process.memoryUsage.rss();
  let processed = 0;
  let total = 0;
  const samples: Array<{ processed: number; rss: number }> = [];
  const sampler = setInterval(() => {
    samples.push({ processed, rss: process.memoryUsage.rss() });
    const s = samples.length / 2;
    if (samples.length % 20 === 0)
      note(`${label}: ${int(processed)} / ${int(total)} after ${s.toFixed(0)} s, RSS ${mib(samples.at(-1)!.rss)}`);
  }, 500);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Where in the job the longest stall fell: a 10 ms timer that notes how late it fires.
  const worst = { lateMs: 0, atS: 0 };
  let due = t0 + 10;
  const probe = setInterval(() => {
    const now = performance.now();
    if (now - due > worst.lateMs) Object.assign(worst, { lateMs: now - due, atS: (now - t0) / 1000 });
    due = now + 10;
  }, 10);
  let firstProgressS: number | null = null;
  try {
    const value = await start((p, t) => {
      if (firstProgressS === null && p > 0) firstProgressS = (performance.now() - t0) / 1000;
      processed = p;
      total = t;
    }).result;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    clearInterval(sampler);
    clearInterval(probe);
    const rssAfter = process.memoryUsage.rss();
    const share = (s: { processed: number }) => (total > 0 ? s.processed / total : 0);
    const early = samples.filter((s) => share(s) >= 0.1 && share(s) < 0.5).map((s) => s.rss);
    const late = samples.filter((s) => share(s) >= 0.5).map((s) => s.rss);
    return {
      value,
      ms,
      stallMs: loop.max / 1e6,
      rssBefore,
      rssMax: Math.max(rssBefore, rssAfter, ...samples.map((s) => s.rss)),
      rssAfter,
      rssGrowth: early.length && late.length ? Math.max(...late) - Math.max(...early) : 0,
      samples,
      worstAtS: worst.atS,
      firstProgressS,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    loop.disable();
    clearInterval(sampler);
    clearInterval(probe);
  }
}

/** CPU per event, which another process's load on the machine changes far less than wall time. */
function cpuNote(cpuMs: number, events: number): string {
  return `${((cpuMs * 1000) / events).toFixed(1)} µs CPU/event, ${int(perSecond(events, cpuMs))} events per CPU-second`;
}

function stallNote(job: JobFigures<unknown>): string {
  const first = job.firstProgressS === null ? '' : `, first progress at ${job.firstProgressS.toFixed(1)} s`;
  return ` (worst near ${job.worstAtS.toFixed(1)} s into the job${first})`;
}

const load = () => `load average ${os.loadavg()[0]!.toFixed(1)}`;

function rssProfile(samples: Array<{ processed: number; rss: number }>, total: number): string {
  return [0.1, 0.25, 0.5, 0.75, 0.95]
    .map((share) => {
      const s = samples.find((x) => x.processed >= share * total);
      return s ? `${Math.round(share * 100)}%:${mib(s.rss)}` : null;
    })
    .filter(Boolean)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Filtered pages

type FilterName = 'actor' | 'action' | 'outcome' | 'patient' | 'workstation' | 'resource' | 'dates';
const FILTER_NAMES: FilterName[] = ['actor', 'action', 'outcome', 'patient', 'workstation', 'resource', 'dates'];

async function eventAt(knex: Knex, seq: number): Promise<AuditRow | undefined> {
  return (await knex('audit_events').where({ seq }).first(knex.raw(AUDIT_SELECT))) as AuditRow | undefined;
}

interface Query {
  label: string;
  filters: AuditFilters;
  sort: 'newest' | 'oldest';
  cursor: { occurredAt: number; seq: number } | null;
  /** How far into the trail (by sequence) the cursor points, 0..1. */
  depth: number | null;
}

async function randomQuery(knex: Knex, lastSeq: number): Promise<Query> {
  const k = pick([0, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
  const names = [...FILTER_NAMES].sort(() => rand() - 0.5).slice(0, k);
  let sample: AuditRow | undefined;
  for (let tries = 0; tries < 500; tries++) {
    sample = await eventAt(knex, 1 + randInt(lastSeq));
    if (!sample) continue;
    if (names.includes('actor') && !sample.actor_email) continue;
    if (names.includes('patient') && sample.patient_id === null) continue;
    if (names.includes('resource') && !sample.resource_type) continue;
    break;
  }
  const s = sample!;
  const filters: AuditFilters = {};
  for (const name of names) {
    switch (name) {
      case 'actor':
        filters.actor = s.actor_email ?? undefined;
        break;
      case 'action':
        filters.action = rand() < 0.7 ? (s.action as AuditFilters['action']) : pick(AUDIT_ACTIONS);
        break;
      case 'outcome':
        filters.outcome = rand() < 0.5 ? (s.outcome as AuditOutcome) : pick(['failure', 'denied'] as const);
        break;
      case 'patient':
        filters.patient = String(s.patient_id);
        break;
      case 'workstation':
        filters.workstation = s.workstation ?? undefined;
        break;
      case 'resource':
        filters.resourceType = s.resource_type ?? undefined;
        if (s.resource_id && rand() < 0.6) filters.resourceId = s.resource_id;
        break;
      case 'dates': {
        const span = pick([DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 365 * DAY_MS]);
        filters.from = Math.max(0, s.occurred_at - Math.floor(rand() * span));
        filters.to = filters.from + span;
        break;
      }
    }
  }
  const sort = rand() < 0.5 ? 'newest' : 'oldest';
  let cursor: Query['cursor'] = null;
  let depth: number | null = null;
  if (rand() < 0.85) {
    const at = await eventAt(knex, 1 + randInt(lastSeq));
    if (at) {
      cursor = { occurredAt: at.occurred_at, seq: at.seq };
      depth = at.seq / lastSeq;
    }
  }
  const described = names
    .map((n) => (n === 'resource' && filters.resourceId ? 'resource+id' : n))
    .sort()
    .join('+');
  return {
    label: `${described || 'no filter'} / ${sort}${cursor ? '' : ' / first page'}`,
    filters,
    sort,
    cursor,
    depth,
  };
}

async function explain(knex: Knex, q: Query): Promise<string[]> {
  const resolved = await resolveFilters(knex, q.filters);
  const { sql, bindings } = filteredQuery(knex, resolved, q.sort, q.cursor)
    .limit(PAGE + 1)
    .toSQL();
  const plan = (await knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as Array<{
    detail: string;
  }>;
  return [sql, `  bindings: ${JSON.stringify(bindings)}`, ...plan.map((p) => `  plan: ${p.detail}`)];
}

// ---------------------------------------------------------------------------------------------------------------

/** Signs a doctor in through dispatch, enrolling in 2FA with a code computed here (as bench/run.ts does). */
async function signedInDoctor(core: Core): Promise<string> {
  const callerId = 'bench-doctor';
  const email = 'load.tester@clinic.example';
  await core.admin.createStaffAccount({
    email,
    firstName: 'Load',
    lastName: 'Tester',
    password: PASSWORD,
    role: 'doctor',
  });
  const signIn = await core.dispatch('session.signIn', { email, password: PASSWORD }, { id: callerId });
  if (!signIn.ok) throw new Error(`bench sign-in refused: ${signIn.error.code}`);
  const begun = await core.dispatch('twoFactor.beginEnrollment', {}, { id: callerId });
  if (begun.ok) {
    const manualKey = (begun.value as { manualKey: string }).manualKey;
    const code = await generate({ secret: manualKey.replace(/\s/g, '') });
    await core.dispatch('twoFactor.confirmEnrollment', { code }, { id: callerId });
  }
  return callerId;
}

async function main(): Promise<void> {
  const figures: Figures = { rows: [] };
  const add = (figure: string, measured: string, target: string, met: boolean | null) =>
    figures.rows.push({ figure, measured, target, met });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-audit-'));
  const target = { dataDir };
  const masterKey = randomBytes(32);
  const keys = deriveKeys(masterKey);
  const chainKey = keys.auditChain;
  let core: Core | null = null;
  let db: HsDatabase | null = null;
  const benchStart = performance.now();
  console.log(
    `\nAudit trail on SQLite (WAL) — ${int(EVENTS)} events over ${YEARS} years, node ${process.version}, ` +
      `${os.availableParallelism()} cores`,
  );
  try {
    db = openDatabase(target);
    await migrateToLatest(db);

    // 1. Bulk append. The product's path first, on the first events of the trail.
    const genStart = performance.now();
    const log = progressLogger('generating', EVENTS);
    const knexCount = Math.min(EVENTS, Math.max(BATCH, Math.min(250_000, Math.round(EVENTS / 20))));
    const make = (i: number) => makeEvent(i, EVENTS);
    const viaKnex = await appendThroughKnex(db, chainKey, 0, knexCount, make, log);
    const knexRate = perSecond(knexCount, viaKnex.ms);
    note(`appendAuditRows via knex: ${int(knexRate)} events/s over the first ${int(knexCount)} events`);
    let rawRate: number | null = null;
    let rawCpuMs = 0;
    let genMs = viaKnex.genMs;
    if (knexCount < EVENTS) {
      if (knexRate < KNEX_ENOUGH) {
        await db.knex.destroy();
        db = null;
        const raw = appendRaw(dataDir, chainKey, knexCount, EVENTS - knexCount, make, log);
        rawRate = perSecond(EVENTS - knexCount, raw.ms);
        rawCpuMs = raw.cpuMs;
        genMs += raw.genMs;
        db = openDatabase(target);
      } else {
        const rest = await appendThroughKnex(db, chainKey, knexCount, EVENTS - knexCount, make, log);
        genMs += rest.genMs;
      }
    }
    log(EVENTS, true);
    const generationS = (performance.now() - genStart) / 1000;
    const dbBytes = fs.statSync(sqliteFile(dataDir)).size;
    console.log(`\n1. Bulk append (transactions of 50,000 events; synthetic event creation excluded) — ${load()}`);
    row(`appendAuditRows via knex, first ${int(knexCount)} events`, `${int(knexRate)} events/s`);
    row('  CPU', cpuNote(viaKnex.cpuMs, knexCount));
    add(
      'bulk append, appendAuditRows via knex (first events)',
      `${int(knexRate)}/s`,
      '≥ 200,000/s',
      knexRate >= 200_000,
    );
    if (rawRate !== null) {
      row(`raw better-sqlite3 path (same MACs), next ${int(EVENTS - knexCount)} events`, `${int(rawRate)} events/s`);
      row('  (raw path: one prepared INSERT per row, cache_size', `${RAW_CACHE_MIB} MiB)`);
      row('  CPU', cpuNote(rawCpuMs, EVENTS - knexCount));
      add('bulk append, raw better-sqlite3 + macOfValues', `${int(rawRate)}/s`, '≥ 200,000/s', rawRate >= 200_000);
    }
    row(
      'generation, all told (incl. synthetic events)',
      `${generationS.toFixed(0)} s (of which ${(genMs / 1000).toFixed(0)} s making events)`,
    );
    row('database file', mib(dbBytes));

    // The product's path once more, at the end of the full trail.
    // These events fall in the last hour before now, 20 ms apart, after the generated six years.
    const lastHour = (i: number) => makeEvent(i, EVENTS, END_MS + (i - EVENTS) * 20);
    const fullKnex = await appendThroughKnex(db, chainKey, EVENTS, 2 * BATCH, lastHour, () => {});
    const fullKnexRate = perSecond(2 * BATCH, fullKnex.ms);
    row(`appendAuditRows via knex, ${int(2 * BATCH)} more on the full trail`, `${int(fullKnexRate)} events/s`);
    row('  CPU', cpuNote(fullKnex.cpuMs, 2 * BATCH));
    add(
      'bulk append, appendAuditRows via knex (full trail)',
      `${int(fullKnexRate)}/s`,
      '≥ 200,000/s',
      fullKnexRate >= 200_000,
    );

    // 2. One audited request's cost.
    console.log(`\n2. Audited-request overhead, on the full trail — ${load()}`);
    const stamp = (): AuditStamp => ({
      nowMs: Date.now(),
      workstation: 'EXAM-03',
      osUser: 'clinical',
      ipAddress: null,
      appVersion: APP_VERSION,
      chainKey,
    });
    const event: AuditEvent = {
      action: 'VIEW',
      outcome: 'success',
      channel: 'patients.get',
      actor: { userId: 7, email: people[6]!.email, role: 'doctor' },
      sessionHash: hex32(),
      resourceType: 'patient_profile',
      resourceId: 1234,
      patientId: 1234,
      dataCategory: 'demographics,medical',
    };
    const knex0 = db.knex;
    const timed = async (count: number, task: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await task();
        times.push(performance.now() - t0);
      }
      return sortedOf(times);
    };
    await timed(50, () => knex0.transaction((trx) => writeAuditEvent(trx, stamp(), event)));
    const own = await timed(1_000, () => knex0.transaction((trx) => writeAuditEvent(trx, stamp(), event)));
    const empty = await timed(1_000, () => knex0.transaction((trx) => trx('audit_chain').where({ id: 1 }).first('id')));
    row(
      'writeAuditEvent in its own transaction: p50 / p95 / p99 / max',
      `${[50, 95, 99, 100].map((p) => percentile(own, p).toFixed(3)).join(' / ')} ms`,
    );
    row(
      '  a transaction with one read, for comparison: p50 / p95',
      `${percentile(empty, 50).toFixed(3)} / ${percentile(empty, 95).toFixed(3)} ms`,
    );
    add(
      'one audit event, own transaction, p95',
      `${percentile(own, 95).toFixed(3)} ms`,
      '≤ 1 ms',
      percentile(own, 95) <= 1,
    );
    await db.knex.destroy();
    db = null;

    // The same request dispatched with and without its audit append (AuditBatch.flush stubbed out), interleaved.
    core = await startCore({
      config: { dataDir, masterKey, appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    const callerId = await signedInDoctor(core);
    const realFlush = AuditBatch.prototype.flush;
    const noAudit: typeof realFlush = async () => {};
    const audited: number[] = [];
    const unaudited: number[] = [];
    let refused = 0;
    let refusal = '';
    for (let i = 0; i < 1_100; i++) {
      const skip = i % 2 === 1;
      if (skip) AuditBatch.prototype.flush = noAudit;
      const t0 = performance.now();
      const result = await core.dispatch('session.list', {}, { id: callerId });
      const ms = performance.now() - t0;
      AuditBatch.prototype.flush = realFlush;
      if (!result.ok) {
        refused += 1;
        refusal = result.error.code;
      }
      if (i >= 100) (skip ? unaudited : audited).push(ms);
    }
    const a = sortedOf(audited);
    const u = sortedOf(unaudited);
    if (refused)
      note(`session.list was refused ${refused} times (${refusal}): the dispatch figures are not meaningful`);
    row(
      'session.list through dispatch, audited: p50 / p95',
      `${percentile(a, 50).toFixed(3)} / ${percentile(a, 95).toFixed(3)} ms`,
    );
    row(
      '  the same, AuditBatch.flush stubbed out: p50 / p95',
      `${percentile(u, 50).toFixed(3)} / ${percentile(u, 95).toFixed(3)} ms`,
    );
    const overhead50 = percentile(a, 50) - percentile(u, 50);
    const overhead95 = percentile(a, 95) - percentile(u, 95);
    row(
      '  audit overhead in dispatch (difference): p50 / p95',
      `${overhead50.toFixed(3)} / ${overhead95.toFixed(3)} ms`,
    );
    add('audited dispatch − unaudited, p95', `${overhead95.toFixed(3)} ms`, '≤ 1 ms', overhead95 <= 1);

    const knex = core.db.knex;
    const extent = await trailExtent(knex);
    const lastSeq = extent.lastSeq;

    // 3. Filtered pages at any depth.
    console.log(
      `\n3. Filtered page of ${PAGE} (searchEvents), ${QUERIES} random queries, cursors at random depths — ${load()}`,
    );
    for (let i = 0; i < 10; i++) {
      const q = await randomQuery(knex, lastSeq);
      await searchEvents(knex, { filters: q.filters, sort: q.sort, cursor: q.cursor, limit: PAGE });
    }
    const runs: Array<{ q: Query; ms: number; events: number }> = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = await randomQuery(knex, lastSeq);
      const t0 = performance.now();
      const page = await searchEvents(knex, { filters: q.filters, sort: q.sort, cursor: q.cursor, limit: PAGE });
      runs.push({ q, ms: performance.now() - t0, events: page.events.length });
    }
    const pages = sortedOf(runs.map((r) => r.ms));
    const worst = [...runs].sort((x, y) => y.ms - x.ms)[0]!;
    row('p50 / p95', `${percentile(pages, 50).toFixed(2)} / ${percentile(pages, 95).toFixed(2)} ms`);
    row(
      'worst',
      `${worst.ms.toFixed(2)} ms: ${worst.q.label}, ${worst.events} events, depth ${worst.q.depth?.toFixed(2) ?? '-'}`,
    );
    row('  its filters', JSON.stringify(worst.q.filters));
    add(
      'filtered page at any depth, p95',
      `${percentile(pages, 95).toFixed(2)} ms`,
      '≤ 10 ms',
      percentile(pages, 95) <= 10,
    );
    const slow = runs.filter((r) => r.ms > 10).sort((x, y) => y.ms - x.ms);
    const byCombination = new Map<string, number[]>();
    for (const r of runs) {
      const key = r.q.label.replace(' / first page', '');
      byCombination.set(key, [...(byCombination.get(key) ?? []), r.ms]);
    }
    const slowCombos = [...byCombination.entries()]
      .map(([key, ms]) => ({ key, n: ms.length, max: Math.max(...ms), median: percentile(sortedOf(ms), 50) }))
      .filter((c) => c.max > 10)
      .sort((x, y) => y.max - x.max);
    row(`queries over 10 ms`, `${slow.length} of ${runs.length}`);
    for (const c of slowCombos.slice(0, 12))
      row(`  ${c.key}`, `n=${c.n}, median ${c.median.toFixed(1)} ms, max ${c.max.toFixed(1)} ms`);
    const explained = new Set<string>();
    for (const r of slow) {
      const key = r.q.label.replace(' / first page', '');
      if (explained.has(key) || explained.size >= 8) continue;
      explained.add(key);
      note(
        `slow page: ${r.ms.toFixed(1)} ms, ${r.q.label}, ${r.events} events, filters ${JSON.stringify(r.q.filters)}`,
      );
      for (const line of await explain(knex, r.q)) process.stderr.write(`    ${line}\n`);
    }

    // 4. Export.
    console.log(
      `\n4. Export of the whole trail (worker thread), RSS of the whole process sampled every 500 ms — ${load()}`,
    );
    const exportDir = path.join(dataDir, 'exports');
    fs.mkdirSync(exportDir, { recursive: true });
    for (const format of WITH_JSON ? (['csv', 'json'] as const) : (['csv'] as const)) {
      const file = path.join(exportDir, `bench.${format}`);
      const job = await measureJob(`export ${format}`, (onProgress) =>
        exportTrail(knex, target, { format, filters: {}, path: file, header: { bench: true } }, onProgress),
      );
      const rate = perSecond(job.value.events, job.ms);
      row(
        `${format.toUpperCase()}: ${int(job.value.events)} events, ${mib(job.value.bytes)} in ${(job.ms / 1000).toFixed(1)} s`,
        `${int(rate)} events/s`,
      );
      row(`  RSS before / max during / after`, `${mib(job.rssBefore)} / ${mib(job.rssMax)} / ${mib(job.rssAfter)}`);
      row(`  CPU, all threads`, cpuNote(job.cpuMs, job.value.events));
      row(`  RSS at progress`, rssProfile(job.samples, job.value.events));
      row(`  RSS growth, 2nd half over 1st half of the job`, mib(job.rssGrowth));
      row(`  main event loop, longest stall`, `${job.stallMs.toFixed(1)} ms${stallNote(job)}`);
      if (job.value.events !== lastSeq)
        note(`export ${format} wrote ${job.value.events} events, the trail has ${lastSeq}`);
      add(`export ${format.toUpperCase()}`, `${int(rate)}/s`, '≥ 300,000/s', rate >= 300_000);
      add(
        `export ${format.toUpperCase()} memory (RSS growth 2nd half)`,
        `${mib(job.rssGrowth)} (max ${mib(job.rssMax)})`,
        'no growth (< 64 MiB)',
        job.rssGrowth < 64 * 2 ** 20,
      );
      add(
        `export ${format.toUpperCase()}, max main-loop stall`,
        `${job.stallMs.toFixed(1)} ms`,
        '≤ 50 ms',
        job.stallMs <= 50,
      );
      fs.rmSync(file, { force: true });
    }

    // 5. Verification.
    console.log(`\n5. Verification of the whole trail (worker threads) — ${load()}`);
    const verified = await measureJob('verify', (onProgress) =>
      verifyTrail(knex, target, { chainKey, signatureKey: keys.auditSignature }, null, onProgress),
    );
    const vRate = perSecond(verified.value.checked, verified.ms);
    row(
      `${int(verified.value.checked)} events in ${(verified.ms / 1000).toFixed(1)} s, ok=${verified.value.ok}` +
        (verified.value.ok ? '' : ` (${verified.value.problem} at ${verified.value.firstBadSeq})`),
      `${int(vRate)} events/s`,
    );
    row(`  CPU, all threads`, cpuNote(verified.cpuMs, verified.value.checked));
    row(
      `  RSS before / max during / after`,
      `${mib(verified.rssBefore)} / ${mib(verified.rssMax)} / ${mib(verified.rssAfter)}`,
    );
    row(`  main event loop, longest stall`, `${verified.stallMs.toFixed(1)} ms${stallNote(verified)}`);
    add('verification', `${int(vRate)}/s${verified.value.ok ? '' : ' (NOT OK)'}`, '≥ 1,000,000/s', vRate >= 1_000_000);
    add('verification, max main-loop stall', `${verified.stallMs.toFixed(1)} ms`, '≤ 50 ms', verified.stallMs <= 50);

    // 6. Diagnostic, not the product: the same queries once SQLite has statistics to choose an index with.
    if (process.env['HEALTHSPHERE_BENCH_AUDIT_ANALYZE'] !== '0') {
      console.log(`\n6. Diagnostic: the same ${runs.length} queries after PRAGMA analysis_limit=1000; ANALYZE`);
      console.log('   (the product never runs ANALYZE; this shows whether statistics alone change the plans)');
      const a0 = performance.now();
      await knex.raw('PRAGMA analysis_limit = 1000');
      await knex.raw('ANALYZE');
      row('ANALYZE took', `${((performance.now() - a0) / 1000).toFixed(1)} s`);
      const again: Array<{ q: Query; ms: number }> = [];
      for (const r of runs) {
        const t0 = performance.now();
        await searchEvents(knex, { filters: r.q.filters, sort: r.q.sort, cursor: r.q.cursor, limit: PAGE });
        again.push({ q: r.q, ms: performance.now() - t0 });
      }
      const analysed = sortedOf(again.map((r) => r.ms));
      const worstAfter = [...again].sort((x, y) => y.ms - x.ms)[0]!;
      row('p50 / p95', `${percentile(analysed, 50).toFixed(2)} / ${percentile(analysed, 95).toFixed(2)} ms`);
      row('worst', `${worstAfter.ms.toFixed(2)} ms: ${worstAfter.q.label} ${JSON.stringify(worstAfter.q.filters)}`);
      row('queries over 10 ms', `${again.filter((r) => r.ms > 10).length} of ${again.length}`);
      add('(diagnostic) page p95 after ANALYZE', `${percentile(analysed, 95).toFixed(2)} ms`, '≤ 10 ms', null);
      note(`after ANALYZE, the worst page: ${worstAfter.ms.toFixed(1)} ms, ${worstAfter.q.label}`);
      for (const line of await explain(knex, worstAfter.q)) process.stderr.write(`    ${line}\n`);
    }

    console.log(`\nAudit figures (${int(EVENTS)} generated events; trail at ${int(lastSeq)})`);
    const w = Math.max(...figures.rows.map((r) => r.figure.length));
    const m = Math.max(...figures.rows.map((r) => r.measured.length));
    console.log(`  ${'figure'.padEnd(w)}  ${'measured'.padEnd(m)}  ${'target'.padEnd(22)}  met`);
    for (const r of figures.rows)
      console.log(
        `  ${r.figure.padEnd(w)}  ${r.measured.padEnd(m)}  ${r.target.padEnd(22)}  ${r.met === null ? '-' : r.met ? 'yes' : 'no'}`,
      );
    console.log(`  (whole audit bench: ${((performance.now() - benchStart) / 1000).toFixed(0)} s)`);
  } finally {
    if (core) await core.close();
    if (db) await db.knex.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();

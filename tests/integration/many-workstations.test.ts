// Many workstations, one PostgreSQL (issue 7, items 2, 3, 4 and 5): eight workstation processes, each the real
// core (tests/support/workstation-child.ts, bundled once with esbuild), on one database of a PostgreSQL cluster
// of this file's own, on loopback. The second test stops and restarts that server, so it cannot be the run's
// shared one.
//
// 1. The load test: the eight start at the same moment (each start migrates: one migrates, the others wait),
//    then run a fixed plan in which they race on purpose, at barriers the parent opens once all are there:
//    one account's wrong passwords from every workstation (the failure counter and the lockout), one TOTP code
//    (replay), one backup code, one verification code and one reset code (single use), wrong guesses at a code
//    (its attempt limit), one email registered eight times, and two admins deactivating and demoting each other
//    on four workstations (the last-admin rule). Afterwards every invariant is read back from the database and
//    the audit chain is verified by a fresh core. An admin turns the sign-in throttle off first (it would make
//    reaching the lockout take half a minute of waiting); lockout and code limits keep their defaults.
// 2. The fault test: the eight run a workload round and round while the server is stopped (pg_ctl stop -m fast)
//    and started again. Requests meanwhile answer DATABASE_UNAVAILABLE within seconds, never INTERNAL; the
//    workstations recover without being restarted; nothing is half-written and the chain verifies.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../../migrations';
import { type Core, startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { deriveKeys } from '../../src/main/core/crypto/keys';
import { silentLogger } from '../../src/main/core/log';
import { guardKey } from '../../src/main/core/repositories/sign-in-guards';
import { DEFAULT_SECURITY_SETTINGS } from '../../src/shared/settings';
import { freePort, postgresBinariesPresent } from '../support/postgres-cluster';
import { TestMailbox, codeIn } from '../support/smtp';
import { type Enrolled, enroll, oathCode } from '../support/totp';
import type { LoopOp, Step, WorkstationResult } from '../support/workstation-child';

const WORKSTATIONS = 8;
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'not the password at all';
const NEW_PASSWORD = 'violet tractor sunrise maple';
const PG_BIN = process.env['HEALTHSPHERE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const STEP_MS = 30_000;
/** How long a request may take while the server is away: the pool's 6 s acquire timeout, and some slack. */
const MAX_REQUEST_MS = 12_000;
const LOCKOUT = DEFAULT_SECURITY_SETTINGS.lockoutThreshold;
const CODE_ATTEMPTS = DEFAULT_SECURITY_SETTINGS.codeMaxAttempts;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const skip = !postgresBinariesPresent();
if (skip)
  console.warn(
    `\n*** many-workstations: SKIPPED, no PostgreSQL binaries under ${PG_BIN} (set HEALTHSPHERE_PG_BIN). ***\n`,
  );

// ---------------------------------------------------------------------------------------------------------------
// A PostgreSQL cluster of this file's own, whose server the fault test stops and starts.

interface OwnCluster {
  /** The server's URL for a database. */
  url(database: string): string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  remove(): Promise<void>;
  /** The server log's ERROR lines with their DETAIL, CONTEXT and STATEMENT lines, for evidence. */
  errors(): string[];
}

async function startOwnCluster(): Promise<OwnCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-pg-many-'));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  // initdb refuses root: as root, the cluster belongs to the `postgres` OS user, as in postgres-cluster.ts.
  const pg = async (cmd: string, args: string[]) => {
    const full = path.join(PG_BIN, cmd);
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
    try {
      await run(file, argv, { encoding: 'utf8' });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${cmd} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const settings = [
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}`,
    '-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200',
  ].join(' ');
  const startServer = () =>
    pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start', '-o', settings]);
  await startServer();
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stopServer: () => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']),
    startServer,
    errors: () => {
      const lines = fs.readFileSync(path.join(dir, 'log'), 'utf8').split('\n');
      const out: string[] = [];
      let inError = false;
      for (const line of lines) {
        if (/\bERROR:/.test(line)) inError = true;
        else if (!/\b(DETAIL|CONTEXT|STATEMENT|HINT):|^\t/.test(line)) inError = false;
        if (inError) out.push(line);
      }
      return out;
    },
    remove: async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The workstation processes, seen from here.

type ChildMessage =
  | { t: 'loaded' | 'done' }
  | { t: 'ready'; ms: number }
  | { t: 'barrier'; name: string }
  | { t: 'log'; level: string; message: string; facts: Record<string, unknown> }
  | { t: 'fatal'; event: string; stack: string }
  | { t: 'queryError'; at: number; code: string; message: string }
  | WorkstationResult;

class Workstation {
  readonly process: ChildProcess;
  readonly results: WorkstationResult[] = [];
  readonly logs: string[] = [];
  readonly fatal: string[] = [];
  readonly queryErrors: Array<{ at: number; code: string; message: string }> = [];
  /** Lines on stdout that are not messages. */
  readonly printed: string[] = [];
  readyMs = -1;
  stderr = '';
  private rest = '';
  private readonly seen = new Set<string>();
  private readonly wakers = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    bundle: string,
    readonly index: number,
    env: Record<string, string>,
    private readonly onBarrier: (ws: Workstation, name: string) => void,
  ) {
    this.process = spawn(process.execPath, [bundle], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // The bundle lives in a temporary folder; its external packages are the project's.
      env: { ...process.env, NODE_PATH: path.resolve('node_modules'), WS_INDEX: String(index), ...env },
    });
    this.process.stdout!.setEncoding('utf8');
    this.process.stderr!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => this.read(chunk));
    this.process.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
    this.process.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.process.on('close', (code, signal) => {
        this.wake();
        resolve({ code, signal });
      }),
    );
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private read(chunk: string): void {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      let message: ChildMessage;
      try {
        message = JSON.parse(line) as ChildMessage;
      } catch {
        // Not this protocol: something a library printed (knex prints its warnings with console.log).
        this.printed.push(line);
        continue;
      }
      switch (message.t) {
        case 'result':
          this.results.push(message);
          break;
        case 'barrier':
          this.onBarrier(this, message.name);
          break;
        case 'log':
          this.logs.push(`${message.message} ${JSON.stringify(message.facts)}`);
          break;
        case 'fatal':
          this.fatal.push(`${message.event}: ${message.stack}`);
          break;
        case 'queryError':
          this.queryErrors.push(message);
          break;
        case 'ready':
          this.readyMs = message.ms;
          this.seen.add('ready');
          break;
        default:
          this.seen.add(message.t);
      }
      this.wake();
    }
  }

  send(message: unknown): void {
    this.process.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  describe(): string {
    return `ws-${this.index}: exit ${this.process.exitCode}, fatal ${JSON.stringify(this.fatal)}, stderr ${this.stderr}`;
  }

  /** Resolves once the condition holds; rejects when the child dies first or the time runs out. */
  async until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.process.exitCode !== null || this.process.signalCode !== null || this.fatal.length > 0)
        throw new Error(`ws-${this.index} ended before ${what}: ${this.describe()}`);
      if (Date.now() > deadline)
        throw new Error(`ws-${this.index}: no ${what} within ${timeoutMs} ms: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 250);
        const wakers = this.wakers;
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        wakers.add(done);
      });
    }
  }

  said(word: 'loaded' | 'ready' | 'done', timeoutMs: number): Promise<void> {
    return this.until(`'${word}'`, () => this.seen.has(word), timeoutMs);
  }

  /** Closes its stdin (the child exits) and waits; kills it when it does not go. */
  async end(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.process.stdin!.end();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Opens a barrier once every workstation whose plan has it is there, with what `dataFor` gives (a TOTP code). */
class Barriers {
  private readonly arrived = new Map<string, Workstation[]>();
  readonly opened: string[] = [];

  constructor(
    private readonly expected: Map<string, number>,
    private readonly dataFor: (name: string) => { code?: string },
  ) {}

  static of(plans: Step[][], dataFor: (name: string) => { code?: string }): Barriers {
    const expected = new Map<string, number>();
    for (const plan of plans)
      for (const step of plan)
        for (const name of [
          step.barrier,
          step.op === 'twoFactor' ? step.backupBarrier : undefined,
          step.op === 'admin' && step.secondFactor.kind === 'totp' ? step.secondFactor.barrier : undefined,
        ])
          if (name) expected.set(name, (expected.get(name) ?? 0) + 1);
    return new Barriers(expected, dataFor);
  }

  arrive(ws: Workstation, name: string): void {
    const here = [...(this.arrived.get(name) ?? []), ws];
    this.arrived.set(name, here);
    if (here.length !== this.expected.get(name)) return;
    const data = this.dataFor(name);
    this.opened.push(name);
    for (const w of here) w.send({ t: 'release', barrier: name, data });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared by both tests.

let workDir = '';
let bundle = '';
let cluster: OwnCluster | undefined;
const mailbox = new TestMailbox();
let smtpUrl = '';
const masterKey = randomBytes(32);
const keys = deriveKeys(masterKey);

beforeAll(async () => {
  if (skip) return;
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-many-'));
  bundle = path.join(workDir, 'workstation-child.js');
  const [c, url] = await Promise.all([
    startOwnCluster(),
    mailbox.start(),
    build({
      entryPoints: [path.resolve('tests/support/workstation-child.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // The native addons, and the database layer under test as it is: knex and the pg driver it loads (one
      // copy of pg, so the core's BIGINT type parser applies to knex's connections, as in the app).
      external: ['better-sqlite3', 'argon2', 'knex', 'pg', 'pg-native'],
      logLevel: 'warning',
    }),
  ]);
  cluster = c;
  smtpUrl = url;
}, 120_000);

afterAll(async () => {
  await cluster?.remove();
  await mailbox.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

async function createDatabase(name: string): Promise<string> {
  const admin = knex({ client: 'pg', connection: cluster!.url('postgres') });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  return cluster!.url(name);
}

/** Spawns the workstations, lets them all load, then starts them at once: eight migrations at the same moment. */
async function startFleet(databaseUrl: string, onBarrier: (ws: Workstation, name: string) => void) {
  const fleet = Array.from(
    { length: WORKSTATIONS },
    (_, i) =>
      new Workstation(
        bundle,
        i,
        {
          WS_DATABASE_URL: databaseUrl,
          WS_MASTER_KEY: masterKey.toString('base64'),
          WS_DATA_DIR: fs.mkdtempSync(path.join(workDir, `ws-${i}-`)),
          WS_SMTP_URL: smtpUrl,
          WS_SEND_MAIL: '1',
        },
        onBarrier,
      ),
  );
  try {
    await Promise.all(fleet.map((w) => w.said('loaded', 60_000)));
    for (const w of fleet) w.send({ t: 'start' });
    await Promise.all(fleet.map((w) => w.said('ready', 60_000)));
  } catch (err) {
    await Promise.all(fleet.map((w) => w.end()));
    throw err;
  }
  return fleet;
}

/** Every migration is recorded once, and the migration lock is free. */
async function expectMigratedOnce(db: Knex): Promise<void> {
  const names = (await db('knex_migrations').orderBy('id').pluck('name')) as string[];
  expect(names).toEqual(MIGRATION_NAMES);
  const lock = (await db('knex_migrations_lock').select('is_locked')) as Array<{ is_locked: number }>;
  expect(lock.map((l) => Number(l.is_locked))).toEqual([0]);
}

async function startParentCore(databaseUrl: string, hostname: string): Promise<Core> {
  return startCore({
    config: {
      dataDir: fs.mkdtempSync(path.join(workDir, `${hostname}-`)),
      databaseUrl,
      smtpUrl,
      masterKey,
      appVersion: APP_VERSION,
    },
    log: silentLogger,
    sendMail: true,
    workstation: { hostname, osUser: 'tester' },
  });
}

/** Verified accounts made as the admin command line makes them; returns their ids by email. */
async function createAccounts(core: Core, accounts: Array<[string, 'admin' | 'doctor' | 'nurse' | 'patient']>) {
  const ids = new Map<string, number>();
  for (const [email, role] of accounts) {
    ids.set(
      email,
      await core.admin.createStaffAccount({ email, firstName: 'Seed', lastName: 'Tester', password: PASSWORD, role }),
    );
  }
  return ids;
}

/** Signs in and enrolls in 2FA; the returned step is the one the enrollment's code used up. */
async function signInAndEnroll(core: Core, email: string): Promise<Enrolled & { caller: string; step: number }> {
  const caller = `seed:${email}`;
  const signedIn = await core.dispatch('session.signIn', { email, password: PASSWORD }, { id: caller });
  expect(signedIn).toMatchObject({ ok: true, value: { twoFactor: 'enroll' } });
  const now = Date.now();
  const enrolled = await enroll(core, caller, now);
  return { ...enrolled, caller, step: Math.floor(now / STEP_MS) };
}

async function mailedCode(core: Core, email: string): Promise<string> {
  await core.mail.kick();
  return codeIn(await mailbox.waitFor(email, mailbox.mailTo(email).length || 1));
}

function wrongCodes(right: string, count: number): string[] {
  const codes: string[] = [];
  while (codes.length < count) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (code !== right && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

// ---------------------------------------------------------------------------------------------------------------
// What the database must say afterwards, whatever the workload was.

interface AuditRow {
  seq: number;
  action: string;
  outcome: string;
  channel: string | null;
  actor_email: string | null;
  actor_user_id: number | null;
  resource_id: string | null;
  error_code: string | null;
  workstation: string | null;
  details: string | null;
}

/**
 * The invariants of issue 7 item 2 read back from the database. `exact`: every answer a workstation got is in
 * the trail one for one; otherwise (the server went away) an answer DATABASE_UNAVAILABLE may or may not have
 * committed, and only bounds hold.
 */
async function expectInvariants(db: Knex, results: WorkstationResult[], exact: boolean, admins = exact) {
  const events = (await db('audit_events')
    .orderBy('seq')
    .select(
      'seq',
      'action',
      'outcome',
      'channel',
      'actor_email',
      'actor_user_id',
      'resource_id',
      'error_code',
      'workstation',
      'details',
    )) as AuditRow[];

  // ---- Users: each row with exactly one USER_CREATED event that created it, and no such event without its
  // row; a registered patient with its profile and its verification code ----
  const users = (await db('users').select('id', 'email', 'role', 'is_active')) as Array<{
    id: number;
    email: string;
    role: string;
    is_active: boolean;
  }>;
  const creations = events.filter(
    (e) =>
      e.action === 'USER_CREATED' &&
      e.outcome === 'success' &&
      e.resource_id !== null &&
      !(e.details ?? '').includes('existingAccount'),
  );
  expect(creations.map((e) => Number(e.resource_id)).sort((a, b) => a - b)).toEqual(
    users.map((u) => u.id).sort((a, b) => a - b),
  );
  const registered = creations.filter((e) => e.channel === 'account.register').map((e) => Number(e.resource_id));
  const profiles = new Set((await db('profiles').pluck('user_id')) as number[]);
  const verifyCodes = new Set(
    (await db('email_codes').where({ purpose: 'verify_email' }).distinct('user_id').pluck('user_id')) as number[],
  );
  expect(registered.filter((id) => !profiles.has(id) || !verifyCodes.has(id))).toEqual([]);
  const userEmails = new Set(users.map((u) => u.email));
  const answeredRegistrations = results.filter((r) => r.channel === 'account.register' && r.code === 'OK');
  expect(answeredRegistrations.filter((r) => !userEmails.has(r.email)).map((r) => r.email)).toEqual([]);
  expect(new Set(users.map((u) => u.email.toLowerCase())).size).toBe(users.length);

  // ---- Sign-in guards: replay the sign-ins in the trail's order (attempts for one email queue on its guard row,
  // so the trail's order is theirs); the counter and the lock must be what the replay says ----
  // ACCOUNT_LOCKED is written beside the LOGIN_FAILED that locked (its channel unset); a successful reset clears
  // the guard too. In these workloads only sign-ins check passwords.
  const signIns = events.filter(
    (e) =>
      e.channel === 'session.signIn' ||
      e.action === 'ACCOUNT_LOCKED' ||
      (e.action === 'PASSWORD_RESET' && e.outcome === 'success'),
  );
  const replay = new Map<string, { failures: number; locked: boolean }>();
  const problems: string[] = [];
  for (const e of signIns) {
    const email = e.actor_email!;
    const state = replay.get(email) ?? { failures: 0, locked: false };
    replay.set(email, state);
    const at = `seq ${e.seq} ${e.action}/${e.error_code ?? e.outcome} for ${email} after ${state.failures} failures`;
    if (e.action === 'PASSWORD_RESET') {
      state.failures = 0;
      state.locked = false;
    } else if (e.action === 'ACCOUNT_LOCKED') {
      if (state.locked || state.failures + 1 !== LOCKOUT) problems.push(`locked at the wrong count: ${at}`);
      state.failures += 1;
      state.locked = true;
    } else if (e.action === 'LOGIN' && e.outcome === 'success') {
      if (state.locked) problems.push(`signed in while locked: ${at}`);
      state.failures = 0;
    } else if (e.action === 'LOGIN_FAILED' && e.error_code === 'INVALID_CREDENTIALS') {
      if (state.locked || state.failures + 1 >= LOCKOUT) problems.push(`counted past the threshold: ${at}`);
      state.failures += 1;
    } else if (e.action === 'LOGIN_FAILED' && e.error_code === 'ACCOUNT_LOCKED') {
      if (!state.locked) problems.push(`refused as locked while not locked: ${at}`);
    } else if (!(e.action === 'LOGIN_FAILED' && e.error_code === 'RATE_LIMITED')) {
      problems.push(`unexpected sign-in event: ${at}`);
    }
  }
  expect(problems).toEqual([]);
  const guards = (await db('sign_in_guards').select('email_hash', 'consecutive_failures', 'locked_until')) as Array<{
    email_hash: string;
    consecutive_failures: number;
    locked_until: number | null;
  }>;
  const byHash = new Map(guards.map((g) => [g.email_hash, g]));
  const guardMismatch: string[] = [];
  for (const [email, state] of replay) {
    const row = byHash.get(guardKey(keys.signInGuard, email));
    const actual = { failures: Number(row?.consecutive_failures ?? 0), locked: row?.locked_until != null };
    if (actual.failures !== state.failures || actual.locked !== state.locked)
      guardMismatch.push(`${email}: replay ${JSON.stringify(state)}, database ${JSON.stringify(actual)}`);
  }
  const known = new Set([...replay.keys()].map((email) => guardKey(keys.signInGuard, email)));
  for (const g of guards)
    if (!known.has(g.email_hash) && (Number(g.consecutive_failures) !== 0 || g.locked_until != null))
      guardMismatch.push(`a guard row of no sign-in: ${JSON.stringify(g)}`);
  expect(guardMismatch).toEqual([]);

  // ---- The answers the workstations got, against the trail ----
  const fromWorkstations = (e: AuditRow) => /^ws-\d+$/.test(e.workstation ?? '');
  const tally = (items: Array<[string, string]>) => {
    const m = new Map<string, number>();
    for (const [email, code] of items) m.set(`${email} ${code}`, (m.get(`${email} ${code}`) ?? 0) + 1);
    return m;
  };
  const answered = tally(
    results.filter((r) => r.channel === 'session.signIn').map((r) => [r.email, r.code] as [string, string]),
  );
  const recorded = tally(
    signIns
      .filter((e) => e.channel === 'session.signIn' && e.action !== 'ACCOUNT_LOCKED' && fromWorkstations(e))
      .map((e) => [e.actor_email!, e.outcome === 'success' ? 'OK' : e.error_code!] as [string, string]),
  );
  if (exact) {
    expect(recorded).toEqual(answered);
  } else {
    // An answer other than DATABASE_UNAVAILABLE committed; an unavailable one may have (its commit's answer lost).
    const lost: string[] = [];
    for (const [key, n] of answered)
      if (!/ (DATABASE_UNAVAILABLE|INTERNAL)$/.test(key) && (recorded.get(key) ?? 0) < n)
        lost.push(`${key}: ${n} answered`);
    expect(lost).toEqual([]);
    const unavailable = new Map<string, number>();
    for (const [key, n] of answered)
      if (/ (DATABASE_UNAVAILABLE|INTERNAL)$/.test(key))
        unavailable.set(key.split(' ')[0]!, (unavailable.get(key.split(' ')[0]!) ?? 0) + n);
    const extra: string[] = [];
    for (const [key, n] of recorded) {
      const email = key.split(' ')[0]!;
      const slack = unavailable.get(email) ?? 0;
      if (n > (answered.get(key) ?? 0) + slack) extra.push(`${key}: ${n} recorded`);
    }
    expect(extra).toEqual([]);
  }

  // ---- Per-workstation failure counts (password spraying): one for each counted failure from there ----
  const perWorkstation = new Map<string, number>();
  for (const e of events)
    if (
      e.action === 'ACCOUNT_LOCKED' ||
      (e.channel === 'session.signIn' && e.action === 'LOGIN_FAILED' && e.error_code === 'INVALID_CREDENTIALS')
    ) {
      const key = `sign-in-failures:tester@${e.workstation}`;
      perWorkstation.set(key, (perWorkstation.get(key) ?? 0) + 1);
    }
  const limits = (await db('rate_limits').where('key', 'like', 'sign-in-failures:%').select('key', 'count')) as Array<{
    key: string;
    count: number;
  }>;
  expect(new Map(limits.map((l) => [l.key, Number(l.count)]))).toEqual(perWorkstation);

  // ---- Email codes: never more wrong tries than allowed; each accepted at most once ----
  const codes = (await db('email_codes').select(
    'id',
    'user_id',
    'purpose',
    'failed_attempts',
    'consumed_at',
  )) as Array<{
    id: number;
    user_id: number;
    purpose: string;
    failed_attempts: number;
  }>;
  expect(codes.filter((c) => Number(c.failed_attempts) > CODE_ATTEMPTS)).toEqual([]);
  for (const action of ['EMAIL_VERIFIED', 'PASSWORD_RESET']) {
    const perUser = new Map<string, number>();
    for (const e of events)
      if (e.action === action && e.outcome === 'success')
        perUser.set(e.resource_id!, (perUser.get(e.resource_id!) ?? 0) + 1);
    expect([...perUser].filter(([, n]) => n > 1)).toEqual([]);
  }

  // ---- Backup codes: a used code was used by exactly one successful request ----
  const usedCodes = (await db('backup_codes').whereNotNull('used_at').select('user_id')) as Array<{ user_id: number }>;
  const usedPerUser = new Map<number, number>();
  for (const c of usedCodes) usedPerUser.set(Number(c.user_id), (usedPerUser.get(Number(c.user_id)) ?? 0) + 1);
  const backupSuccesses = new Map<number, number>();
  for (const e of events)
    if (e.action === 'BACKUP_CODE_USED' && e.outcome === 'success')
      backupSuccesses.set(Number(e.actor_user_id), (backupSuccesses.get(Number(e.actor_user_id)) ?? 0) + 1);
  expect(backupSuccesses).toEqual(usedPerUser);

  // ---- TOTP: no time step accepted twice for one account ----
  const okSteps = new Map<string, number[]>();
  for (const r of results)
    if (r.channel === 'twoFactor.verify' && r.code === 'OK' && r.timeStep !== undefined)
      okSteps.set(r.email, [...(okSteps.get(r.email) ?? []), r.timeStep]);
  expect([...okSteps].filter(([, steps]) => new Set(steps).size !== steps.length)).toEqual([]);
  const twoFactorRows = (await db('two_factor')
    .join('users', 'users.id', 'two_factor.user_id')
    .select('users.email', 'two_factor.last_used_step')) as Array<{ email: string; last_used_step: number | null }>;
  for (const row of twoFactorRows) {
    const steps = okSteps.get(row.email);
    if (steps) expect(Number(row.last_used_step), row.email).toBeGreaterThanOrEqual(Math.max(...steps));
  }

  // ---- The last-admin rule ----
  const activeAdmins = users.filter((u) => u.role === 'admin' && u.is_active);
  if (admins) expect(activeAdmins.length).toBeGreaterThanOrEqual(1);

  return { events, users, guards, byHash, codes, activeAdmins };
}

/** The chain, verified by a fresh core's verification (as `healthsphere-admin audit verify` does). */
async function expectChainVerifies(core: Core): Promise<number> {
  const db = core.db.knex;
  const before = (await db('audit_events').select(
    db.raw('count(*)::int as n'),
    db.raw('max(seq) as "maxSeq"'),
  )) as Array<{
    n: number;
    maxSeq: number;
  }>;
  const { n, maxSeq } = before[0]!;
  const verification = await core.admin.verifyAudit(null);
  expect(verification).toMatchObject({ ok: true, firstBadSeq: null, problem: null, checked: n });
  expect(Number(maxSeq)).toBe(n); // the sequence has no gap
  return n;
}

const ALLOWED = {
  load: {
    'account.register': ['OK'],
    'session.signIn': ['OK', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED'],
    'session.signOut': ['OK'],
    'twoFactor.verify': ['OK', 'INVALID_TWO_FACTOR_CODE'],
    'twoFactor.useBackupCode': ['OK', 'INVALID_TWO_FACTOR_CODE'],
    'account.verifyEmail': ['OK', 'INVALID_CODE'],
    'account.resetPassword': ['OK', 'INVALID_CODE'],
    // The other admin's deactivation or demotion ended this one's session first: not signed in (ended) or
    // expired (its role changed under it).
    'users.deactivate': ['OK', 'LAST_ADMIN', 'NOT_SIGNED_IN', 'SESSION_EXPIRED'],
    'users.changeRole': ['OK', 'LAST_ADMIN', 'NOT_SIGNED_IN', 'SESSION_EXPIRED'],
  },
  fault: {
    'account.register': ['OK', 'DATABASE_UNAVAILABLE'],
    'session.signIn': ['OK', 'INVALID_CREDENTIALS', 'RATE_LIMITED', 'ACCOUNT_LOCKED', 'DATABASE_UNAVAILABLE'],
    'session.signOut': ['OK', 'DATABASE_UNAVAILABLE'],
    'twoFactor.verify': ['OK', 'INVALID_TWO_FACTOR_CODE', 'DATABASE_UNAVAILABLE'],
  },
} as const;

/** Answers a request may not get, each with the queries its workstation saw fail meanwhile (the evidence). */
function unexpectedAnswers(fleet: Workstation[], allowed: Record<string, readonly string[]>): string[] {
  return fleet.flatMap((w) =>
    w.results
      .filter((r) => !(allowed[r.channel] ?? []).includes(r.code))
      .map((r) => {
        const failed = w.queryErrors
          .filter((q) => q.at >= r.sentAt && q.at <= r.answeredAt)
          .map((q) => `[${q.code}] ${q.message}`);
        return (
          `ws-${r.ws} step ${r.step} ${r.channel} ${r.email}: ${r.code} after ${r.answeredAt - r.sentAt} ms` +
          (failed.length > 0 ? `; failed queries meanwhile: ${failed.join(' | ')}` : '; no query failed meanwhile')
        );
      }),
  );
}

const of = (results: WorkstationResult[], channel: string, email: string) =>
  results.filter((r) => r.channel === channel && r.email === email);
const codesOf = (results: WorkstationResult[]) => results.map((r) => r.code).sort();

// ---------------------------------------------------------------------------------------------------------------

describe('many workstations on one PostgreSQL', () => {
  it('keeps every invariant when eight workstations start together and race on purpose', async (ctx) => {
    if (skip) ctx.skip(`no PostgreSQL binaries under ${PG_BIN}`);
    const startedAt = Date.now();
    const databaseUrl = await createDatabase('hs_load');
    let barriers: Barriers | undefined;
    const fleet = await startFleet(databaseUrl, (ws, name) => barriers!.arrive(ws, name));
    const startMs = fleet.map((w) => w.readyMs);
    try {
      // ---- Eight starts at once: one migrated, the others waited; every migration ran once ----
      const seed = await startParentCore(databaseUrl, 'seed');
      await expectMigratedOnce(seed.db.knex);

      // ---- What the parent sets up: accounts, 2FA enrollments, mailed codes ----
      const totpAccounts = ['totp0@example.org', 'totp1@example.org', 'totp2@example.org'];
      const mixed = ['mixed0@example.org', 'mixed1@example.org', 'mixed2@example.org', 'mixed3@example.org'];
      const hammer = 'hammer@example.org';
      const [adminA, adminB] = ['admin-a@example.org', 'admin-b@example.org'];
      const [resetRight, resetGuess] = ['reset-right@example.org', 'reset-guess@example.org'];
      const [verifyRight, verifyGuess] = ['verify-right@example.org', 'verify-guess@example.org'];
      const same = 'same@example.org';
      const unknown = 'nobody@example.org';
      const ids = await createAccounts(seed, [
        [adminA, 'admin'],
        [adminB, 'admin'],
        ...totpAccounts.map((e) => [e, 'doctor'] as [string, 'doctor']),
        ...[...mixed, hammer, resetRight, resetGuess].map((e) => [e, 'patient'] as [string, 'patient']),
      ]);
      const enrolled = new Map<string, Enrolled & { step: number }>();
      for (const email of [adminA, adminB, ...totpAccounts]) {
        const e = await signInAndEnroll(seed, email);
        enrolled.set(email, e);
        if (email === adminA) {
          // The throttle (by default from the fifth failure) would make reaching the lockout take half a
          // minute of waiting: off, so that the hammering below reaches the threshold itself.
          const saved = await seed.dispatch(
            'settings.updateSecurity',
            { values: { signInThrottleAfter: 20 } },
            { id: e.caller },
          );
          expect(saved.ok).toBe(true);
        }
        expect((await seed.dispatch('session.signOut', {}, { id: e.caller })).ok).toBe(true);
      }
      for (const email of [verifyRight, verifyGuess]) {
        const registered = await seed.dispatch(
          'account.register',
          { email, firstName: 'Seed', lastName: 'Tester', phone: '', password: PASSWORD, confirmPassword: PASSWORD },
          { id: `seed:${email}` },
        );
        expect(registered.ok).toBe(true);
      }
      for (const email of [resetRight, resetGuess])
        expect((await seed.dispatch('account.requestPasswordReset', { email }, { id: `seed:${email}` })).ok).toBe(true);
      const code = new Map<string, string>();
      for (const email of [verifyRight, verifyGuess, resetRight, resetGuess])
        code.set(email, await mailedCode(seed, email));
      await seed.close();

      // ---- The plans ----
      const usedStep = new Map([...enrolled].map(([email, e]) => [email, e.step]));
      const chosenStep = new Map<string, number>();
      /** A TOTP code for a step after the last one the account used: the current step, or the next. */
      const freshCode = (email: string) => {
        const step = Math.max(Math.floor(Date.now() / STEP_MS), usedStep.get(email)! + 1);
        usedStep.set(email, step);
        chosenStep.set(email, step);
        return oathCode(enrolled.get(email)!.secret, step * STEP_MS);
      };
      const plans: Step[][] = fleet.map((_, w) => {
        const m = mixed[w % mixed.length]!;
        const steps: Step[] = [
          { op: 'register', email: `new-${w}-a@example.org`, password: PASSWORD },
          { op: 'register', email: `new-${w}-b@example.org`, password: PASSWORD },
          { op: 'register', email: same, password: PASSWORD, barrier: 'register-same' },
          // Two workstations per account, each right, wrong, wrong, right, wrong: interleaved.
          { op: 'signIn', email: m, passwords: [PASSWORD] },
          { op: 'signIn', email: m, passwords: [WRONG_PASSWORD] },
          { op: 'signIn', email: m, passwords: [WRONG_PASSWORD] },
          { op: 'signIn', email: m, passwords: [PASSWORD] },
          { op: 'signIn', email: m, passwords: [WRONG_PASSWORD] },
          { op: 'signIn', email: unknown, passwords: [WRONG_PASSWORD] },
          // Three wrong passwords at once from every workstation: 24 attempts at one account.
          {
            op: 'signIn',
            email: hammer,
            passwords: [WRONG_PASSWORD, WRONG_PASSWORD, WRONG_PASSWORD],
            barrier: 'hammer',
          },
          // One TOTP code from eight workstations at once; then one backup code from the seven refused.
          ...totpAccounts.map((email, r): Step => ({
            op: 'twoFactor',
            email,
            password: PASSWORD,
            barrier: `totp-${r}`,
            backupCode: enrolled.get(email)!.backupCodes[0]!,
            backupBarrier: `backup-${r}`,
          })),
          {
            op: 'codes',
            channel: 'account.verifyEmail',
            email: verifyRight,
            codes: [code.get(verifyRight)!],
            barrier: 'verify-right',
          },
          {
            op: 'codes',
            channel: 'account.verifyEmail',
            email: verifyGuess,
            codes: wrongCodes(code.get(verifyGuess)!, 2),
            barrier: 'verify-guess',
          },
          {
            op: 'codes',
            channel: 'account.resetPassword',
            email: resetRight,
            codes: [code.get(resetRight)!],
            newPassword: NEW_PASSWORD,
            barrier: 'reset-right',
          },
          {
            op: 'codes',
            channel: 'account.resetPassword',
            email: resetGuess,
            codes: wrongCodes(code.get(resetGuess)!, 2),
            newPassword: NEW_PASSWORD,
            barrier: 'reset-guess',
          },
        ];
        // Two admins, each on two workstations, deactivate and demote each other at the same moment, while the
        // other four workstations register and sign in.
        const me = w < 2 ? adminA : adminB;
        const other = w < 2 ? adminB : adminA;
        if (w < 4)
          steps.push({
            op: 'admin',
            email: me,
            password: PASSWORD,
            secondFactor:
              w % 2 === 0
                ? { kind: 'totp', barrier: `admin-2fa-${me}` }
                : { kind: 'backup', code: enrolled.get(me)!.backupCodes[0]! },
            action: w % 2 === 0 ? 'deactivate' : 'demote',
            targetUserId: ids.get(other)!,
            barrier: 'admin-race',
          });
        else
          steps.push(
            { op: 'register', email: `new-${w}-c@example.org`, password: PASSWORD },
            { op: 'signIn', email: m, passwords: [PASSWORD] },
          );
        return steps;
      });
      barriers = Barriers.of(plans, (name) => {
        if (name.startsWith('totp-')) return { code: freshCode(totpAccounts[Number(name.slice(5))]!) };
        if (name.startsWith('admin-2fa-')) return { code: freshCode(name.slice('admin-2fa-'.length)) };
        return {};
      });
      // Another workstation's saved settings are seen within a second.
      await sleep(1_100);
      const planAt = Date.now();
      fleet.forEach((w, i) => w.send({ t: 'plan', steps: plans[i] }));
      await Promise.all(fleet.map((w) => w.said('done', 120_000)));
      const planMs = Date.now() - planAt;
      const results = fleet.flatMap((w) => w.results);

      // ---- No workstation failed, and every answer was one the request may get ----
      const unexpected = unexpectedAnswers(fleet, ALLOWED.load);
      const failures = fleet.flatMap((w) => [...w.fatal, ...w.logs].map((l) => `ws-${w.index}: ${l}`));
      if (unexpected.length > 0 || failures.length > 0)
        console.error(`many-workstations load: the server's errors:\n${cluster!.errors().join('\n')}`);
      // Soft: a wrong answer fails the test, and the invariants below are still checked and reported.
      expect.soft(failures).toEqual([]);
      expect.soft(unexpected).toEqual([]);
      expect(new Set(barriers.opened)).toEqual(
        new Set([
          'register-same',
          'hammer',
          'verify-right',
          'verify-guess',
          'reset-right',
          'reset-guess',
          'admin-race',
          `admin-2fa-${adminA}`,
          `admin-2fa-${adminB}`,
          ...totpAccounts.flatMap((_, r) => [`totp-${r}`, `backup-${r}`]),
        ]),
      );

      // ---- The races, answer by answer ----
      // One email registered eight times at once: one account, and the same answer to all.
      expect(codesOf(of(results, 'account.register', same))).toEqual(Array(WORKSTATIONS).fill('OK'));
      // 24 wrong passwords at once: exactly the threshold counted (the last of them locks), the rest refused.
      const hammered = codesOf(of(results, 'session.signIn', hammer));
      expect(hammered.filter((c) => c === 'INVALID_CREDENTIALS').length).toBe(LOCKOUT - 1);
      expect(hammered.filter((c) => c === 'ACCOUNT_LOCKED').length).toBe(3 * WORKSTATIONS - (LOCKOUT - 1));
      // Right passwords of accounts never locked always open a session.
      for (const email of [...mixed, ...totpAccounts, adminA, adminB])
        expect(
          of(results, 'session.signIn', email).filter((r) => r.code !== 'OK' && r.code !== 'INVALID_CREDENTIALS'),
        ).toEqual([]);
      expect(of(results, 'session.signIn', unknown).map((r) => r.code)).toEqual(
        Array(WORKSTATIONS).fill('INVALID_CREDENTIALS'),
      );
      // One TOTP code sent by eight workstations at once: accepted once.
      for (const email of totpAccounts) {
        const verified = of(results, 'twoFactor.verify', email);
        expect(verified.length, email).toBe(WORKSTATIONS);
        expect(verified.filter((r) => r.code === 'OK').length, email).toBe(1);
        const backup = of(results, 'twoFactor.useBackupCode', email);
        expect(backup.length, email).toBe(WORKSTATIONS - 1);
        expect(backup.filter((r) => r.code === 'OK').length, email).toBe(1);
      }
      // The right email code eight times at once: accepted once; sixteen wrong guesses: refused, and counted
      // only up to the limit.
      for (const [email, channel] of [
        [verifyRight, 'account.verifyEmail'],
        [resetRight, 'account.resetPassword'],
      ] as const) {
        expect(codesOf(of(results, channel, email))).toEqual(
          ['OK', ...Array<string>(WORKSTATIONS - 1).fill('INVALID_CODE')].sort(),
        );
      }
      for (const [email, channel] of [
        [verifyGuess, 'account.verifyEmail'],
        [resetGuess, 'account.resetPassword'],
      ] as const) {
        expect(codesOf(of(results, channel, email))).toEqual(Array(2 * WORKSTATIONS).fill('INVALID_CODE'));
      }
      const adminActs = results.filter((r) => r.action !== undefined);
      expect(adminActs.length).toBe(4);
      expect(adminActs.filter((r) => r.code === 'OK').length).toBeGreaterThanOrEqual(1);

      // ---- A fresh core: the dead codes stay dead, the reset password works ----
      const check = await startParentCore(databaseUrl, 'check');
      try {
        const db = check.db.knex;
        for (const [email, channel, payload] of [
          [verifyGuess, 'account.verifyEmail', { email: verifyGuess, code: code.get(verifyGuess) }],
          [
            resetGuess,
            'account.resetPassword',
            { email: resetGuess, code: code.get(resetGuess), newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
          ],
        ] as const) {
          const answer = await check.dispatch(channel, payload, { id: `check:${email}` });
          expect(answer, `the right code after ${CODE_ATTEMPTS} wrong ones, ${email}`).toMatchObject({
            ok: false,
            error: { code: 'INVALID_CODE' },
          });
        }
        const resetSignIn = await check.dispatch(
          'session.signIn',
          { email: resetRight, password: NEW_PASSWORD },
          { id: 'check:reset' },
        );
        expect(resetSignIn.ok).toBe(true);
        await check.dispatch('session.signOut', {}, { id: 'check:reset' });

        const { users, byHash, activeAdmins } = await expectInvariants(db, results, true);
        // Registered once; the verification and reset codes' rows say what the answers said.
        expect(users.filter((u) => u.email === same).length).toBe(1);
        const codeRow = async (email: string, purpose: string) =>
          (await db('email_codes')
            .join('users', 'users.id', 'email_codes.user_id')
            .where({ 'users.email': email, purpose })
            .orderBy('email_codes.id', 'desc')
            .first('failed_attempts', 'consumed_at')) as { failed_attempts: number; consumed_at: number | null };
        expect(await codeRow(verifyGuess, 'verify_email')).toMatchObject({
          failed_attempts: CODE_ATTEMPTS,
          consumed_at: null,
        });
        expect(await codeRow(resetGuess, 'reset_password')).toMatchObject({
          failed_attempts: CODE_ATTEMPTS,
          consumed_at: null,
        });
        expect((await codeRow(verifyRight, 'verify_email')).consumed_at).not.toBeNull();
        const verifiedAt = (email: string) => db('users').where({ email }).first('email_verified_at');
        expect((await verifiedAt(verifyRight))!.email_verified_at).not.toBeNull();
        expect((await verifiedAt(verifyGuess))!.email_verified_at).toBeNull();
        // The hammered account: locked at exactly the threshold.
        const hammerGuard = byHash.get(guardKey(keys.signInGuard, hammer));
        expect(Number(hammerGuard?.consecutive_failures)).toBe(LOCKOUT);
        expect(hammerGuard?.locked_until).not.toBeNull();
        // Each race's TOTP step is the one the account used last; one backup code of each account spent.
        for (const email of totpAccounts) {
          const row = (await db('two_factor')
            .where({ user_id: ids.get(email) })
            .first('last_used_step')) as {
            last_used_step: number;
          };
          expect(Number(row.last_used_step), email).toBe(chosenStep.get(email));
          const used = (await db('backup_codes')
            .where({ user_id: ids.get(email) })
            .whereNotNull('used_at')
            .pluck('id')) as number[];
          expect(used.length, email).toBe(1);
        }
        // Two admins at each other: exactly one of them is still an active admin.
        expect(activeAdmins.map((u) => u.email).filter((e) => e === adminA || e === adminB).length).toBe(1);
        const events = await expectChainVerifies(check);
        console.info(
          `many-workstations load: starts ${startMs.join('/')} ms; plan ${planMs} ms for ${results.length} requests ` +
            `(${(results.length / (planMs / 1000)).toFixed(0)}/s); ${users.length} users, ${events} audit events; ` +
            `admin race ${adminActs.map((r) => `${r.email.slice(0, 7)} ${r.action} ${r.code}`).join(', ')}; ` +
            `total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      } finally {
        await check.close();
      }
    } finally {
      await Promise.all(fleet.map((w) => w.end()));
    }
  }, 180_000);

  it('answers DATABASE_UNAVAILABLE while the server is down and recovers by itself, half-writing nothing', async (ctx) => {
    if (skip) ctx.skip(`no PostgreSQL binaries under ${PG_BIN}`);
    const startedAt = Date.now();
    const databaseUrl = await createDatabase('hs_fault');
    const fleet = await startFleet(databaseUrl, () => {});
    try {
      const seed = await startParentCore(databaseUrl, 'seed');
      await expectMigratedOnce(seed.db.knex);
      const patients = Array.from({ length: 4 }, (_, i) => `patient${i}@example.org`);
      const doctors = Array.from({ length: 4 }, (_, i) => `doctor${i}@example.org`);
      const wrong = 'wrong@example.org';
      await createAccounts(seed, [
        ...[...patients, wrong].map((e) => [e, 'patient'] as [string, 'patient']),
        ...doctors.map((e) => [e, 'doctor'] as [string, 'doctor']),
      ]);
      const secrets = new Map<string, string>();
      for (const email of doctors) {
        const e = await signInAndEnroll(seed, email);
        secrets.set(email, e.secret);
        await seed.dispatch('session.signOut', {}, { id: e.caller });
      }
      await seed.close();

      // Each workstation: a registration, a right sign-in, a wrong one (one account for all: throttled, then
      // locked), a 2FA sign-in (an account shared with one other workstation: the same step may come twice).
      fleet.forEach((w, i) => {
        const ops: LoopOp[] = [
          { op: 'register', emailPrefix: `fault-${i}`, password: PASSWORD },
          { op: 'signIn', email: patients[i % 4]!, password: PASSWORD },
          { op: 'signIn', email: wrong, password: WRONG_PASSWORD },
          { op: 'totpSignIn', email: doctors[i % 4]!, password: PASSWORD, secret: secrets.get(doctors[i % 4]!)! },
        ];
        w.send({ t: 'loop', ops });
      });
      const oks = (w: Workstation, after: number) =>
        w.results.filter((r) => r.code === 'OK' && r.sentAt >= after).length;
      await Promise.all(fleet.map((w) => w.until('2 answers OK before the outage', () => oks(w, 0) >= 2, 60_000)));

      // ---- The outage ----
      const stopBegan = Date.now();
      await cluster!.stopServer();
      const stopped = Date.now();
      await sleep(5_000);
      const startBegan = Date.now();
      await cluster!.startServer();
      const started = Date.now();
      // ---- Recovery, without restarting anything ----
      try {
        await Promise.all(
          fleet.map((w) => w.until('2 answers OK after the restart', () => oks(w, started) >= 2, 60_000)),
        );
      } catch (err) {
        // The evidence: what each workstation was answered last, what its core logged, what the server said.
        for (const w of fleet)
          console.error(
            `ws-${w.index} last answers (ms after the restart): ` +
              w.results
                .slice(-6)
                .map((r) => `${r.channel} ${r.code} ${r.sentAt - started}..${r.answeredAt - started}`)
                .join('; ') +
              `\n  logged: ${w.logs.slice(-5).join(' | ')}\n  ${w.describe()}`,
          );
        console.error(`the server's errors:\n${cluster!.errors().slice(-40).join('\n')}`);
        throw err;
      }
      for (const w of fleet) w.send({ t: 'stop' });
      await Promise.all(fleet.map((w) => w.said('done', 60_000)));
      const results = fleet.flatMap((w) => w.results);

      const unexpected = unexpectedAnswers(fleet, ALLOWED.fault);
      if (unexpected.length > 0)
        console.error(`many-workstations fault: the server's errors:\n${cluster!.errors().slice(-60).join('\n')}`);
      expect(fleet.flatMap((w) => w.fatal.map((f) => `ws-${w.index}: ${f}`))).toEqual([]);
      expect.soft(unexpected).toEqual([]);
      // What the core logged as errors: only audit events it could not write while the server was away.
      const logged = fleet.flatMap((w) => w.logs.map((l) => `ws-${w.index}: ${l}`));
      expect.soft(logged.filter((l) => !l.includes('could not write an audit event'))).toEqual([]);
      // A request made entirely while the server was down answered DATABASE_UNAVAILABLE; each workstation had some.
      const duringOutage = results.filter((r) => r.sentAt >= stopped && r.answeredAt <= startBegan);
      expect(duringOutage.filter((r) => r.code !== 'DATABASE_UNAVAILABLE')).toEqual([]);
      for (const w of fleet)
        expect(w.results.filter((r) => r.code === 'DATABASE_UNAVAILABLE').length, `ws-${w.index}`).toBeGreaterThan(0);
      // Answered within seconds, never left hanging.
      const slowest = Math.max(...results.map((r) => r.answeredAt - r.sentAt));
      expect(results.filter((r) => r.answeredAt - r.sentAt > MAX_REQUEST_MS)).toEqual([]);

      const check = await startParentCore(databaseUrl, 'check');
      try {
        const { users } = await expectInvariants(check.db.knex, results, false);
        const events = await expectChainVerifies(check);
        const unavailable = results.filter((r) => r.code === 'DATABASE_UNAVAILABLE').length;
        console.info(
          `many-workstations fault: server stopped in ${stopped - stopBegan} ms, down ${startBegan - stopped} ms, ` +
            `started in ${started - startBegan} ms; ${results.length} requests, ${unavailable} DATABASE_UNAVAILABLE ` +
            `(${duringOutage.length} wholly during the outage), slowest ${slowest} ms; recovered after ` +
            `${Math.max(...fleet.map((w) => Math.min(...w.results.filter((r) => r.code === 'OK' && r.sentAt >= started).map((r) => r.answeredAt)) - started))} ms; ` +
            `${users.length} users, ${events} audit events; total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        );
      } finally {
        await check.close();
      }
    } finally {
      await Promise.all(fleet.map((w) => w.end()));
    }
  }, 180_000);
});

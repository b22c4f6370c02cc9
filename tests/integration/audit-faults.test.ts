// Faults: the core's process is killed (SIGKILL) at random moments while requests run, again and again, on one
// database. Afterwards the database must pass PRAGMA integrity_check, the audit chain must verify from the genesis
// to its head, and every committed change must have its audit event (and no event be left without its change).
//
// SQLite only: the process that is killed holds the embedded database, so what a kill can damage is that file.
// With PostgreSQL the database lives in its server, whose crash safety is the server's own; a killed client
// only ends its connection, and the server rolls back its open transaction.
//
// The child (tests/support/fault-child.ts) is bundled once with esbuild and run under plain Node: under tsx it
// takes two to three times as long to start, and it starts 50 times. The next child loads its modules while the previous one runs, and opens the
// database only after the previous one is dead, so one process at a time uses the file, as in the app.
// Every kill falls after a child's `ready`, so migrations (run by the first child) are never interrupted.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '../../src/main/core';
import { verifyTrail } from '../../src/main/core/audit/audit-jobs';
import { APP_VERSION } from '../../src/main/core/config';
import { deriveKeys } from '../../src/main/core/crypto/keys';
import { sqliteFile } from '../../src/main/core/db/connection';
import { silentLogger } from '../../src/main/core/log';
import { guardKey } from '../../src/main/core/repositories/sign-in-guards';

const KILLS = 50;
/** The kill phase stops here even short of KILLS (and the test then fails on the count): a bound on the time. */
const KILL_PHASE_BUDGET_MS = 240_000;
const READY_TIMEOUT_MS = 30_000;
/** How long after its `ready` a child is killed: at random in this range, while requests are in flight. */
const KILL_AFTER_MS: [number, number] = [150, 900];

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-faults-'));
const dataDir = path.join(workDir, 'data');
const masterKey = randomBytes(32);

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

type Kind = 'register' | 'signin';

interface Request {
  kind: Kind;
  email: string;
  reported: boolean;
}

/** One child process and what it said. */
class FaultChild {
  readonly process: ChildProcess;
  readonly requests = new Map<string, Request>();
  readonly unexpected: string[] = [];
  stderr = '';
  private stdoutRest = '';
  private readonly waiting = new Map<string, () => void>();
  private readonly seen = new Set<string>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    bundle: string,
    readonly runId: string,
  ) {
    this.process = spawn(process.execPath, [bundle, dataDir, runId], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // The bundle lives in a temporary folder; its packages are the project's.
        NODE_PATH: path.resolve('node_modules'),
        FAULT_MASTER_KEY: masterKey.toString('base64'),
      },
    });
    this.process.stdout!.setEncoding('utf8');
    this.process.stderr!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => this.read(chunk));
    this.process.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
    // Writing `go` to a child that died already must not throw in the test process.
    this.process.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      // 'close': the process ended and its output was read to the end.
      this.process.on('close', (code, signal) => {
        for (const wake of this.waiting.values()) wake();
        resolve({ code, signal });
      });
    });
  }

  private read(chunk: string): void {
    const lines = (this.stdoutRest + chunk).split('\n');
    this.stdoutRest = lines.pop()!;
    for (const line of lines) {
      const [word, n, kind, email] = line.split(' ');
      if (word === 'loaded' || word === 'ready') {
        this.seen.add(word);
        this.waiting.get(word)?.();
      } else if (word === 'start') {
        this.requests.set(n!, { kind: kind as Kind, email: email!, reported: false });
      } else if (word === 'committed') {
        const request = this.requests.get(n!);
        if (!request || request.email !== email) this.unexpected.push(`committed without start: ${line}`);
        else request.reported = true;
      } else {
        this.unexpected.push(line);
      }
    }
  }

  /** Resolves when the child said `word`; rejects if it died or took too long first. */
  async said(word: 'loaded' | 'ready'): Promise<void> {
    if (!this.seen.has(word)) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiting.set(word, resolve);
        timer = setTimeout(resolve, READY_TIMEOUT_MS);
      });
      clearTimeout(timer);
    }
    if (!this.seen.has(word))
      throw new Error(`child ${this.runId} never said ${word}; exit ${this.process.exitCode}; stderr:\n${this.stderr}`);
  }

  go(): void {
    this.process.stdin!.write('go\n');
  }

  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.process.kill('SIGKILL');
    return this.exited;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([min, max]: [number, number]) => min + Math.floor(Math.random() * (max - min + 1));

describe('faults: the core killed at random moments (SQLite)', () => {
  it('keeps the database sound, the chain whole and every committed change audited through 50 kills', async () => {
    const startedAt = Date.now();
    const bundle = path.join(workDir, 'fault-child.js');
    await build({
      entryPoints: [path.resolve('tests/support/fault-child.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Packages are bundled too (resolving them file by file costs a start half a second), except the native
      // addons and knex, the database layer under test, which load from node_modules as they are.
      external: ['better-sqlite3', 'argon2', 'knex', 'pg-native'],
      logLevel: 'warning',
    });

    // ---- The kill phase ----
    const children: FaultChild[] = [];
    const deadline = Date.now() + KILL_PHASE_BUDGET_MS;
    // The next child loads its modules (about a second on this busy two-core machine) while one runs, and
    // waits for its `go`. One ahead is enough: more only take the running child's processor time.
    let spawned = 0;
    const spawnNext = () => new FaultChild(bundle, `r${spawned++}`);
    let next = spawnNext();
    let kills = 0;
    const phases = { loadWait: 0, start: 0 };
    try {
      while (kills < KILLS && Date.now() < deadline) {
        const child = next;
        children.push(child);
        const t0 = Date.now();
        await child.said('loaded');
        const t1 = Date.now();
        child.go();
        next = spawnNext();
        await child.said('ready');
        phases.loadWait += t1 - t0;
        phases.start += Date.now() - t1;
        await sleep(between(KILL_AFTER_MS));
        const { signal } = await child.kill();
        kills += 1;
        // It ran until the kill: it did not crash or stop on its own before.
        expect({ run: child.runId, signal, stderr: child.stderr }).toEqual({
          run: child.runId,
          signal: 'SIGKILL',
          stderr: '',
        });
        expect(child.unexpected).toEqual([]);
      }
    } finally {
      // Whatever happened, no child is left running (killing one that has ended does nothing).
      await Promise.all([...children, next].map((c) => c.kill()));
    }
    const killPhaseMs = Date.now() - startedAt;
    console.info(
      `faults: per kill, ${(phases.loadWait / kills).toFixed(0)} ms waiting for a loaded child, ` +
        `${(phases.start / kills).toFixed(0)} ms for its core to start`,
    );

    const requests = children.flatMap((c) => [...c.requests.values()]);
    const reported = requests.filter((r) => r.reported);
    const started = (kind: Kind) => requests.filter((r) => r.kind === kind);
    const reportedEmails = (kind: Kind) => new Set(reported.filter((r) => r.kind === kind).map((r) => r.email));

    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // Not vacuous: every kill cut requests short (both lanes always have one in flight), and enough committed.
    expect(requests.length - reported.length).toBeGreaterThanOrEqual(kills);
    // (A loaded machine hashes few passwords between kills: a handful of registrations is enough to check.)
    expect(reportedEmails('register').size).toBeGreaterThanOrEqual(2);
    expect(reportedEmails('signin').size).toBeGreaterThanOrEqual(10);

    // ---- The file itself ----
    const file = new Sqlite(sqliteFile(dataDir));
    try {
      expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(file.pragma('foreign_key_check')).toEqual([]);
    } finally {
      file.close();
    }

    // ---- The chain, verified by a real core's verification, as `audit verify` does ----
    const core = await startCore({
      config: { dataDir, masterKey, appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
      workstation: { hostname: 'fault-check', osUser: 'tester' },
    });
    try {
      const knex = core.db.knex;
      const keys = deriveKeys(masterKey);
      const verification = await verifyTrail(
        knex,
        { dataDir },
        { chainKey: keys.auditChain, signatureKey: keys.auditSignature },
        null,
        () => {},
      ).result;
      const [{ n: eventCount, maxSeq }] = (await knex('audit_events').select(
        knex.raw('count(*) as n'),
        knex.raw('max(seq) as maxSeq'),
      )) as [{ n: number; maxSeq: number }];
      expect(verification).toMatchObject({ ok: true, firstBadSeq: null, problem: null, checked: eventCount });
      expect(maxSeq).toBe(eventCount); // no gap in the sequence
      expect(await knex('audit_chain').where({ id: 1 }).first('last_seq')).toEqual({ last_seq: eventCount });

      const events = (await knex('audit_events').select(
        'seq',
        'action',
        'outcome',
        'actor_email',
        'resource_id',
        'error_code',
        'workstation',
      )) as Array<{
        seq: number;
        action: string;
        outcome: string;
        actor_email: string | null;
        resource_id: string | null;
        error_code: string | null;
        workstation: string;
      }>;
      // Only what the children did: registrations and failed sign-ins.
      expect(new Set(events.map((e) => `${e.action}/${e.outcome}`))).toEqual(
        new Set(['USER_CREATED/success', 'LOGIN_FAILED/failure']),
      );

      // ---- Registrations: each user row with its profile, code, mail and USER_CREATED event; nothing else ----
      const users = (await knex('users').select('id', 'email')) as Array<{ id: number; email: string }>;
      const startedRegistrations = new Set(started('register').map((r) => r.email));
      expect(users.filter((u) => !startedRegistrations.has(u.email))).toEqual([]);
      const userEmails = new Set(users.map((u) => u.email));
      expect([...reportedEmails('register')].filter((e) => !userEmails.has(e))).toEqual([]);

      const created = events.filter((e) => e.action === 'USER_CREATED');
      expect(created.length).toBe(users.length);
      const createdByUser = new Map(created.map((e) => [e.resource_id, e]));
      expect(createdByUser.size).toBe(users.length);
      for (const user of users) {
        expect(createdByUser.get(String(user.id))?.actor_email, `USER_CREATED for ${user.email}`).toBe(user.email);
      }
      const count = async (table: string) =>
        Number(((await knex(table).count({ n: '*' })) as Array<{ n: number }>)[0]!.n);
      expect(await count('profiles')).toBe(users.length);
      expect(await count('email_codes')).toBe(users.length);
      const recipients = (await knex('mail_outbox').pluck('recipient')) as string[];
      expect(recipients.sort()).toEqual(users.map((u) => u.email).sort());

      // ---- Failed sign-ins: a counted failure (INVALID_CREDENTIALS) writes one sign_in_guards row for its
      // email and one to its workstation's rate_limits count, with its LOGIN_FAILED event; a RATE_LIMITED one
      // (the workstation's limit reached) writes only its event. Each email is tried once, so 1:1. ----
      const failed = events.filter((e) => e.action === 'LOGIN_FAILED');
      const startedSignIns = new Set(started('signin').map((r) => r.email));
      expect(failed.filter((e) => !startedSignIns.has(e.actor_email ?? ''))).toEqual([]);
      const failedEmails = new Set(failed.map((e) => e.actor_email));
      expect(failedEmails.size).toBe(failed.length);
      expect([...reportedEmails('signin')].filter((e) => !failedEmails.has(e))).toEqual([]);
      expect(failed.filter((e) => !['INVALID_CREDENTIALS', 'RATE_LIMITED'].includes(e.error_code ?? ''))).toEqual([]);
      const counted = failed.filter((e) => e.error_code === 'INVALID_CREDENTIALS');
      const guards = (await knex('sign_in_guards').select('email_hash', 'consecutive_failures')) as Array<{
        email_hash: string;
        consecutive_failures: number;
      }>;
      expect(guards.map((g) => g.email_hash).sort()).toEqual(
        counted.map((e) => guardKey(keys.signInGuard, e.actor_email!)).sort(),
      );
      expect(guards.filter((g) => Number(g.consecutive_failures) !== 1)).toEqual([]);
      const perWorkstation = new Map<string, number>();
      for (const e of counted) {
        const key = `sign-in-failures:tester@${e.workstation}`;
        perWorkstation.set(key, (perWorkstation.get(key) ?? 0) + 1);
      }
      const limits = (await knex('rate_limits')
        .where('key', 'like', 'sign-in-failures:%')
        .select('key', 'count')) as Array<{ key: string; count: number }>;
      expect(new Map(limits.map((l) => [l.key, Number(l.count)]))).toEqual(perWorkstation);

      const inFlight = requests.filter((r) => !r.reported);
      const committedUnreported = inFlight.filter((r) =>
        r.kind === 'register' ? userEmails.has(r.email) : failedEmails.has(r.email),
      ).length;
      console.info(
        `faults: ${kills} kills in ${(killPhaseMs / 1000).toFixed(1)} s; ${requests.length} requests started, ` +
          `${reported.length} reported committed, ${inFlight.length} cut short by a kill ` +
          `(${committedUnreported} of them committed before it); ${users.length} users, ${eventCount} audit events`,
      );
    } finally {
      await core.close();
    }
  }, 300_000);
});

// npm run bench:workstations — many workstations on one PostgreSQL server: sign-ins per second and audited
// requests per second with 1, 4 and 8 workstation processes, each a real core, all on one database.
// Prints figures, asserts nothing. The parent starts a throwaway loopback cluster (fsync off) unless
// HEALTHSPHERE_BENCH_DATABASE_URL names an empty database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knex from 'knex';
import { startCore } from '../src/main/core';
import { APP_VERSION } from '../src/main/core/config';
import { silentLogger } from '../src/main/core/log';
import { postgresBinariesPresent, startCluster } from '../tests/support/postgres-cluster';

const PASSWORD = 'steady bench passphrase';
const ACCOUNTS = 32;
const SIGN_INS_PER_WORKSTATION = 60;
const REQUESTS_PER_WORKSTATION = 1_500;

interface ChildResult {
  signIns: number;
  signInMs: number;
  requests: number;
  requestMs: number;
  errors: number;
}

/** One workstation: a real core on the shared database; waits for "go", then signs in and sends requests. */
async function child(): Promise<void> {
  const [url, masterKey, index] = process.argv.slice(3) as [string, string, string];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-ws-'));
  const core = await startCore({
    config: { dataDir, databaseUrl: url, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
    log: silentLogger,
    sendMail: false,
    workstation: { hostname: `ws-${index}`, osUser: 'bench' },
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  let errors = 0;
  const caller = { id: `bench-${index}` };
  const t0 = performance.now();
  for (let i = 0; i < SIGN_INS_PER_WORKSTATION; i++) {
    const email = `staff${(Number(index) * 7 + i) % ACCOUNTS}@clinic.example`;
    const result = await core.dispatch('session.signIn', { email, password: PASSWORD }, caller);
    if (!result.ok) errors++;
  }
  const signInMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < REQUESTS_PER_WORKSTATION; i++) {
    // A cheap audited request: the session's own status, one audit event each.
    const result = await core.dispatch('session.current', {}, caller);
    if (!result.ok) errors++;
  }
  const requestMs = performance.now() - t1;
  const result: ChildResult = {
    signIns: SIGN_INS_PER_WORKSTATION,
    signInMs,
    requests: REQUESTS_PER_WORKSTATION,
    requestMs,
    errors,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

function startWorkstation(url: string, masterKey: string, index: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', __filename, 'child', url, masterKey, String(index)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    let at: number;
    while ((at = out.indexOf('\n')) >= 0) {
      lines.push(out.slice(0, at));
      out = out.slice(at + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift()!;
  };
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, nextLine, exited };
}

async function round(url: string, masterKey: string, workstations: number): Promise<void> {
  const children = Array.from({ length: workstations }, (_, i) => startWorkstation(url, masterKey, i));
  for (const c of children) if ((await c.nextLine()) !== 'ready') throw new Error('a workstation did not start');
  const start = performance.now();
  // Closing stdin after "go" also lets each workstation exit once it is done.
  for (const c of children) c.proc.stdin.end('go\n');
  const results = await Promise.all(children.map(async (c) => JSON.parse(await c.nextLine()) as ChildResult));
  const wall = (performance.now() - start) / 1000;
  await Promise.all(children.map((c) => c.exited));
  const signIns = results.reduce((a, r) => a + r.signIns, 0);
  const requests = results.reduce((a, r) => a + r.requests, 0);
  // Each workstation runs its sign-ins, then its requests; the phases overlap little, so each rate is its count
  // over the slowest workstation's time for that phase.
  const signInSeconds = Math.max(...results.map((r) => r.signInMs)) / 1000;
  const requestSeconds = Math.max(...results.map((r) => r.requestMs)) / 1000;
  const errors = results.reduce((a, r) => a + r.errors, 0);
  console.log(
    `  ${String(workstations).padStart(2)} workstation${workstations === 1 ? ' ' : 's'}` +
      `   sign-ins ${(signIns / signInSeconds).toFixed(1).padStart(7)} /s` +
      `   audited requests ${(requests / requestSeconds).toFixed(0).padStart(6)} /s` +
      `   (${wall.toFixed(1)} s${errors ? `, ${errors} errors` : ''})`,
  );
}

async function main(): Promise<void> {
  const given = process.env['HEALTHSPHERE_BENCH_DATABASE_URL'];
  if (!given && !postgresBinariesPresent()) {
    console.log('Workstations on PostgreSQL: not measured (no server binaries; set HEALTHSPHERE_BENCH_DATABASE_URL).');
    return;
  }
  const cluster = given ? null : await startCluster();
  const url = given ?? cluster!.url;
  const masterKey = randomBytes(32).toString('base64');
  try {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-ws-seed-'));
    const core = await startCore({
      config: { dataDir, databaseUrl: url, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    // Patients: no second step at sign-in, so a sign-in is one password check and one session.
    for (let i = 0; i < ACCOUNTS; i++)
      await core.admin.createStaffAccount({
        email: `staff${i}@clinic.example`,
        firstName: 'Ward',
        lastName: `Person${i}`,
        password: PASSWORD,
        role: 'patient',
      });
    await core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });

    console.log(
      `\nMany workstations on one PostgreSQL 15${given ? '' : ' (throwaway loopback cluster, fsync off)'} — ` +
        `node ${process.version}, ${os.cpus().length} cores; each workstation a process with its own core`,
    );
    for (const n of [1, 4, 8]) await round(url, masterKey, n);
    const db = knex({ client: 'pg', connection: url });
    const events = await db('audit_events').count({ n: '*' });
    console.log(`  audit events written: ${Number(events[0]!.n).toLocaleString('en-US')}, one chain`);
    await db.destroy();
  } finally {
    cluster?.stop();
  }
}

if (process.argv[2] === 'child') void child();
else void main();

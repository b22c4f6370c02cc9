// npm run bench: prints figures, asserts nothing.
// - argon2id cost at the settings in force;
// - sign-in latency (p50, p95) through dispatch, split into argon2 time and everything else;
// - the event loop's longest stall while 20 sign-ins run at once;
// - audited requests per second; an unknown email against a wrong password (enumeration by timing).
// On SQLite by default, and on PostgreSQL too when HEALTHSPHERE_BENCH_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { generate } from 'otplib';
import { type Core, startCore } from '../src/main/core';
import { APP_VERSION } from '../src/main/core/config';
import { hashPassword, verifyPassword } from '../src/main/core/crypto/password';
import { silentLogger } from '../src/main/core/log';
import { postgresBinariesPresent, startCluster } from '../tests/support/postgres-cluster';

const PASSWORD = 'steady bench passphrase';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function row(label: string, value: string): void {
  console.log(`  ${label.padEnd(52)} ${value}`);
}

async function rate(label: string, count: number, task: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await task(i);
    times.push(performance.now() - t0);
  }
  const ms = performance.now() - start;
  row(label, `${(count / (ms / 1000)).toFixed(1).padStart(8)} /s  ${(ms / count).toFixed(2).padStart(8)} ms each`);
  return times.sort((a, b) => a - b);
}

async function benchEngine(name: string, databaseUrl?: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-'));
  const core = await startCore({
    config: { dataDir, databaseUrl, masterKey: randomBytes(32), appVersion: APP_VERSION },
    log: silentLogger,
    sendMail: false,
  });
  try {
    for (let i = 0; i < 20; i++) {
      await core.admin.createStaffAccount({
        email: `doctor${i}@clinic.example`,
        firstName: 'B',
        lastName: 'C',
        password: PASSWORD,
        role: 'doctor',
      });
    }
    console.log(`\n${name}`);
    const hash = await hashPassword(PASSWORD);
    const argon2 = await rate('argon2id verify alone', 20, () => verifyPassword(hash, PASSWORD));
    const signIns = await rate('sign-in through dispatch', 40, (i) =>
      core.dispatch(
        'session.signIn',
        { email: `doctor${i % 20}@clinic.example`, password: PASSWORD },
        { id: `bench-${i}` },
      ),
    );
    const argonP50 = percentile(argon2, 50);
    row(
      'sign-in latency p50 / p95',
      `${percentile(signIns, 50).toFixed(1)} / ${percentile(signIns, 95).toFixed(1)} ms`,
    );
    row(
      '  of which argon2 (p50) / everything else (p50)',
      `${argonP50.toFixed(1)} / ${(percentile(signIns, 50) - argonP50).toFixed(1)} ms`,
    );

    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        core.dispatch(
          'session.signIn',
          { email: `doctor${i}@clinic.example`, password: PASSWORD },
          { id: `burst-${i}` },
        ),
      ),
    );
    loop.disable();
    row('20 sign-ins at once: total', `${(performance.now() - start).toFixed(0)} ms`);
    row('20 sign-ins at once: longest event-loop stall', `${(loop.max / 1e6).toFixed(1)} ms`);

    // Interleaved, one attempt per account so no throttle interferes: both must cost one argon2 verification.
    const spent = { wrong: 0, unknown: 0 };
    for (let i = 0; i < 10; i++) {
      let t0 = performance.now();
      await core.dispatch(
        'session.signIn',
        { email: `doctor${i + 10}@clinic.example`, password: 'not it' },
        { id: 'x' },
      );
      spent.wrong += performance.now() - t0;
      t0 = performance.now();
      await core.dispatch('session.signIn', { email: `nobody${i}@clinic.example`, password: 'not it' }, { id: 'x' });
      spent.unknown += performance.now() - t0;
    }
    row(
      'sign-in refused: wrong password / unknown email',
      `${(spent.wrong / 10).toFixed(1)} / ${(spent.unknown / 10).toFixed(1)} ms`,
    );
    await rate('audited request (session.list)', 500, () => core.dispatch('session.list', {}, { id: 'bench-0' }));
    await rate('refused request (invalid input, audited)', 500, () =>
      core.dispatch('session.signIn', { email: 1 }, { id: 'x' }),
    );
    await benchUserSearch(core);
  } finally {
    await core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Signs a staff member in through dispatch, enrolling in 2FA with a code computed here. */
async function staffSession(core: Core, role: 'admin' | 'doctor', callerId: string): Promise<void> {
  const email = `${callerId}@clinic.example`;
  await core.admin.createStaffAccount({ email, firstName: 'Ops', lastName: role, password: PASSWORD, role });
  await core.dispatch('session.signIn', { email, password: PASSWORD }, { id: callerId });
  const begun = (await core.dispatch('twoFactor.beginEnrollment', {}, { id: callerId })) as {
    value: { manualKey: string };
  };
  const code = await generate({ secret: begun.value.manualKey.replace(/\s/g, '') });
  await core.dispatch('twoFactor.confirmEnrollment', { code }, { id: callerId });
}

/** User administration and patient lookup with 100,000 users in the database. */
async function benchUserSearch(core: Core): Promise<void> {
  const now = Date.now();
  const surnames = [
    'Smith',
    'Jones',
    'Taylor',
    'Brown',
    'Williams',
    'Wilson',
    'Johnson',
    'Davies',
    'Robinson',
    'Wright',
  ];
  const t0 = performance.now();
  await core.db.knex.transaction(async (trx) => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      email: `user${i}@example.org`,
      first_name: `Person${i % 997}`,
      last_name: `${surnames[i % surnames.length]}${Math.floor(i / 1000)}`,
      role: i % 20 === 0 ? 'nurse' : 'patient',
      password_hash: '!',
      is_active: i % 13 !== 0,
      created_at: now,
      updated_at: now,
    }));
    await trx.batchInsert('users', rows, 500);
  });
  row('insert 100,000 users', `${(performance.now() - t0).toFixed(0)} ms`);
  await staffSession(core, 'admin', 'ops-admin');
  await staffSession(core, 'doctor', 'ops-doctor');
  const p95 = async (label: string, task: (i: number) => Promise<unknown>) => {
    const times = await rate(label, 100, task);
    row(`  ${label}: p50 / p95`, `${percentile(times, 50).toFixed(2)} / ${percentile(times, 95).toFixed(2)} ms`);
  };
  await p95('users.list, first page of 50', () => core.dispatch('users.list', {}, { id: 'ops-admin' }));
  await p95('users.list, search by name prefix', (i) =>
    core.dispatch('users.list', { search: surnames[i % surnames.length] }, { id: 'ops-admin' }),
  );
  await p95('users.list, nurses, active', () =>
    core.dispatch('users.list', { role: 'nurse', status: 'active' }, { id: 'ops-admin' }),
  );
  await p95('patients.search by name', (i) =>
    core.dispatch('patients.search', { query: `Person${i % 997}` }, { id: 'ops-doctor' }),
  );
}

async function main(): Promise<void> {
  console.log(`HealthSphere benchmarks — node ${process.version}, ${os.cpus().length} cores`);
  await benchEngine('SQLite (WAL)');
  const given = process.env['HEALTHSPHERE_BENCH_DATABASE_URL'];
  if (given) return benchEngine('PostgreSQL', given);
  if (!postgresBinariesPresent()) {
    console.log(
      '\nPostgreSQL: not measured (no server binaries; set HEALTHSPHERE_BENCH_DATABASE_URL to an empty database).',
    );
    return;
  }
  // The same throwaway loopback cluster the tests use.
  const cluster = await startCluster();
  try {
    await benchEngine('PostgreSQL 15 (throwaway cluster on loopback, fsync off)', cluster.url);
  } finally {
    cluster.stop();
  }
}

void main();

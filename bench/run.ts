// npm run bench: prints figures, asserts nothing. Sign-ins and audited requests per second through dispatch
// on a fresh SQLite database (and on PostgreSQL when HEALTHSPHERE_BENCH_DATABASE_URL is set).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCore } from '../src/main/core';
import { APP_VERSION } from '../src/main/core/config';
import { hashPassword, verifyPassword } from '../src/main/core/crypto/password';
import { silentLogger } from '../src/main/core/log';

async function timed(label: string, count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await task(i);
  const ms = performance.now() - start;
  console.log(
    `${label.padEnd(44)} ${(count / (ms / 1000)).toFixed(1).padStart(9)} /s   ${(ms / count).toFixed(2).padStart(8)} ms each`,
  );
}

async function benchEngine(name: string, databaseUrl?: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-'));
  const core = await startCore({
    config: { dataDir, databaseUrl, masterKey: randomBytes(32), appVersion: APP_VERSION },
    log: silentLogger,
    sendMail: false,
  });
  try {
    await core.admin.createStaffAccount({
      email: 'doctor@clinic.example',
      firstName: 'B',
      lastName: 'C',
      password: 'steady bench passphrase',
      role: 'doctor',
    });
    const caller = { id: 'bench' };
    console.log(`\n${name}`);
    await timed('sign-in (argon2id verify + session + audit)', 20, () =>
      core.dispatch('session.signIn', { email: 'doctor@clinic.example', password: 'steady bench passphrase' }, caller),
    );
    // Enumeration resistance: an unknown email must cost about what a wrong password costs.
    await timed('sign-in, wrong password', 20, () =>
      core.dispatch('session.signIn', { email: 'doctor@clinic.example', password: 'not the passphrase' }, caller),
    );
    await timed('sign-in, unknown email', 20, () =>
      core.dispatch('session.signIn', { email: 'nobody@clinic.example', password: 'not the passphrase' }, caller),
    );
    await timed('audited request (session.current)', 500, () => core.dispatch('session.current', {}, caller));
    await timed('refused request (invalid input, audited)', 500, () =>
      core.dispatch('session.signIn', { email: 1 }, caller),
    );
  } finally {
    await core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`HealthSphere benchmarks — node ${process.version}, ${os.cpus().length} cores`);
  const hash = await hashPassword('steady bench passphrase');
  await timed('argon2id hash (19 MiB, t=2, p=1)', 10, () => hashPassword('steady bench passphrase'));
  await timed('argon2id verify', 10, () => verifyPassword(hash, 'steady bench passphrase'));
  await benchEngine('SQLite (WAL)');
  const pg = process.env['HEALTHSPHERE_BENCH_DATABASE_URL'];
  if (pg) await benchEngine('PostgreSQL', pg);
  else console.log('\nPostgreSQL: not measured (set HEALTHSPHERE_BENCH_DATABASE_URL to a database you can write to).');
}

void main();

// A core in a child process that the fault test (tests/integration/audit-faults.test.ts) kills at a random
// moment. It starts the real core on the SQLite data dir it is given and sends real requests through dispatch
// until it is killed, telling the parent on stdout what it started and what definitely committed:
//   loaded                            modules loaded; waiting for `go`
//   ready                             the core started; requests begin
//   start <n> <kind> <email>          request n is about to be dispatched
//   committed <n> <kind> <email>      request n's transaction committed (its Promise resolved)
//   unexpected <n> <kind> <result>    an answer the test does not expect (the parent fails)
// It loads its modules first, then prints `loaded` and waits for a line `go` on stdin before it opens the
// database: the parent starts the next child while the previous one still runs, and lets it at the database only
// once the previous one is dead, so one process at a time uses the file, as in the app.
// kind is `register` (a new patient: users, profile, email code, outbox row, USER_CREATED) or `signin` (a failed
// sign-in for an unknown email: a sign_in_guards row, the workstation's rate_limits row, LOGIN_FAILED).
// Writes to a pipe are synchronous on Linux, so a line printed before the kill reaches the parent.
//
// Usage: node --import tsx tests/support/fault-child.ts <dataDir> <runId>, with FAULT_MASTER_KEY (base64, 32 bytes).
// The test runs it bundled by esbuild instead: under tsx it takes two to three times as long to start.
import { randomBytes } from 'node:crypto';
import { startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { prepareDummyHash } from '../../src/main/core/crypto/password';
import { silentLogger } from '../../src/main/core/log';
import { passwordProblem } from '../../src/shared/password-policy';

/** Requests in flight at once: two keep one waiting on the single SQLite connection while the other commits. */
const LANES = 2;

const FAULT_PASSWORD = 'correct horse battery staple';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Resolves on the parent's `go`; a parent that went away (stdin closed) ends the child. */
function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    let buffered = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.split('\n').includes('go')) resolve();
    });
    // Kept listening after `go`: a parent that dies leaves no core running on.
    process.stdin.on('end', () => process.exit(0));
  });
}

async function main(): Promise<void> {
  const [dataDir, runId] = process.argv.slice(2);
  const masterKey = Buffer.from(process.env.FAULT_MASTER_KEY ?? '', 'base64');
  if (!dataDir || !runId || masterKey.length !== 32)
    throw new Error('usage: fault-child <dataDir> <runId> with FAULT_MASTER_KEY');
  // Warm what a first request would otherwise build (the password strength estimator's dictionaries, the
  // argon2 hash of unknown emails' sign-ins) while the previous child still runs: then the kills fall across
  // whole requests, not mostly into the first one. Neither touches the database.
  passwordProblem(FAULT_PASSWORD, {});
  prepareDummyHash();
  say('loaded');
  await waitForGo();
  const core = await startCore({
    config: { dataDir, masterKey, appVersion: APP_VERSION },
    log: silentLogger,
    sendMail: false,
    // One workstation per child: the per-workstation limit on failed sign-ins (50 in 15 minutes) is then
    // rarely reached, so most sign-ins are counted failures rather than RATE_LIMITED ones.
    workstation: { hostname: `fault-host-${runId}`, osUser: 'tester' },
  });
  say('ready');
  let n = 0;
  const lane = async (laneNo: number) => {
    const caller = { id: `fault:${runId}:${laneNo}` };
    for (;;) {
      n += 1;
      const id = n;
      const kind = Math.random() < 0.5 ? 'register' : 'signin';
      const email = `${kind}-${runId}-${id}-${randomBytes(3).toString('hex')}@example.org`;
      say(`start ${id} ${kind} ${email}`);
      if (kind === 'register') {
        const result = await core.dispatch(
          'account.register',
          {
            email,
            firstName: 'Fault',
            lastName: 'Tester',
            phone: '+12025550143',
            password: FAULT_PASSWORD,
            confirmPassword: FAULT_PASSWORD,
          },
          caller,
        );
        say(result.ok ? `committed ${id} ${kind} ${email}` : `unexpected ${id} ${kind} ${JSON.stringify(result)}`);
      } else {
        const result = await core.dispatch('session.signIn', { email, password: FAULT_PASSWORD }, caller);
        // A failed sign-in is a committed failure: its counters and its LOGIN_FAILED event commit together.
        const counted = !result.ok && ['INVALID_CREDENTIALS', 'RATE_LIMITED'].includes(result.error.code);
        say(counted ? `committed ${id} ${kind} ${email}` : `unexpected ${id} ${kind} ${JSON.stringify(result)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
}

main().catch((err: unknown) => {
  process.stderr.write(`fault-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});

// One workstation of the clinic-wide deployment, in its own process, for the many-workstations test
// (tests/integration/many-workstations.test.ts): the real core on the test's PostgreSQL database, driven through
// dispatch as a renderer would drive it. The parent talks to it in JSON lines.
//
// stdin (parent → child):
//   {"t":"start"}                              start the core (this migrates: all children start at once)
//   {"t":"plan","steps":[...]}                 run these steps in order, then say `done`
//   {"t":"loop","ops":[...]}                   run these operations round and round until `stop`, then say `done`
//   {"t":"release","barrier":name,"data":{}}   a barrier this child waits at opens (data: e.g. the TOTP code)
//   {"t":"stop"}                               finish the operation in hand, then say `done`
// A closed stdin (the parent went away) ends the child.
//
// stdout (child → parent):
//   {"t":"loaded"}                             modules loaded; waiting for `start`
//   {"t":"ready","ms":n}                       the core started after n ms (migrations included)
//   {"t":"barrier","name":name}                waiting at this barrier
//   {"t":"result",...}                         one answered request: its channel, email, code ('OK' or the error
//                                              code), when it was sent and answered (epoch ms), and facts
//   {"t":"log","level":..,"message":..}        something the core logged as an error (its facts, never secrets)
//   {"t":"queryError","code":..,"message":..}  a query the database refused or could not run (evidence)
//   {"t":"done"}                               the plan or the loop is over
//   {"t":"fatal","stack":..}                   the process is about to die (an uncaught error): the parent fails
//
// Configuration from the environment: WS_INDEX (n: hostname ws-<n>), WS_DATABASE_URL, WS_MASTER_KEY (base64,
// 32 bytes, the same for every workstation), WS_DATA_DIR (its own), WS_SMTP_URL, WS_SEND_MAIL ('1' or '0').
//
// Usage: node --import tsx tests/support/workstation-child.ts; the test runs it bundled by esbuild instead.
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Core, startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { prepareDummyHash } from '../../src/main/core/crypto/password';
import type { Logger } from '../../src/main/core/log';
import type { Result } from '../../src/shared/errors';
import { passwordProblem } from '../../src/shared/password-policy';

/** A step of a plan. Steps with a barrier prepare, wait at it, then fire at the same moment as the others. */
export type Step =
  /** A patient registers (account.register). */
  | { op: 'register'; email: string; password: string; barrier?: string }
  /** Sign-ins with these passwords, all at once (each on its own caller); a completed one signs out again. */
  | { op: 'signIn'; email: string; passwords: string[]; barrier?: string }
  /** Sign in (password: a pending 2FA sign-in); at the first barrier send the TOTP code its release carries;
   * then, still pending (the code was refused), at the second barrier send the backup code. */
  | { op: 'twoFactor'; email: string; password: string; barrier: string; backupCode: string; backupBarrier: string }
  /** Email codes sent all at once: verification codes, or reset codes with a new password. */
  | {
      op: 'codes';
      channel: 'account.verifyEmail' | 'account.resetPassword';
      email: string;
      codes: string[];
      newPassword?: string;
      barrier?: string;
    }
  /** An admin signs in, completes 2FA (a TOTP code from a release of `twoFactorBarrier`, or a backup code),
   * then at the barrier deactivates or demotes another admin. */
  | {
      op: 'admin';
      email: string;
      password: string;
      secondFactor: { kind: 'totp'; barrier: string } | { kind: 'backup'; code: string };
      action: 'deactivate' | 'demote';
      targetUserId: number;
      barrier: string;
    };

/** An operation of the fault test's loop. */
export type LoopOp =
  | { op: 'register'; emailPrefix: string; password: string }
  | { op: 'signIn'; email: string; password: string }
  /** Sign in, then verify with the current TOTP code of this secret (computed here with oathtool). */
  | { op: 'totpSignIn'; email: string; password: string; secret: string };

export interface WorkstationResult {
  t: 'result';
  ws: number;
  /** The plan's step index, or the loop's round. */
  step: number;
  channel: string;
  email: string;
  code: string;
  sentAt: number;
  answeredAt: number;
  /** For a sign-in: its 2FA state. For a TOTP code: the time step it was computed for. For an admin action: what. */
  twoFactor?: string;
  timeStep?: number;
  action?: string;
}

type Message =
  | { t: 'start' }
  | { t: 'plan'; steps: Step[] }
  | { t: 'loop'; ops: LoopOp[] }
  | { t: 'release'; barrier: string; data?: { code?: string } }
  | { t: 'stop' };

const index = Number(process.env['WS_INDEX']);
const hostname = `ws-${index}`;

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

// Whatever kills this process is told to the parent first, with its stack: that is the evidence a test needs.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    say({ t: 'fatal', event, stack });
    process.stderr.write(`workstation ${hostname} ${event}: ${stack}\n`);
    process.exit(3);
  });
}

/** The core logs no secrets; its errors go to the parent, which shows them when a test fails. */
const log: Logger = {
  info: () => {},
  warn: () => {},
  error: (message, facts) => say({ t: 'log', level: 'error', message, facts: facts ?? {} }),
};

const releases = new Map<string, (data: { code?: string }) => void>();
const released = new Map<string, { code?: string }>();
let stopRequested = false;
let onStart: (() => void) | null = null;
let onWork: ((message: Message) => void) | null = null;

function waitAt(barrier: string): Promise<{ code?: string }> {
  say({ t: 'barrier', name: barrier });
  const early = released.get(barrier);
  if (early) return Promise.resolve(early);
  return new Promise((resolve) => releases.set(barrier, resolve));
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as Message;
    if (message.t === 'start') onStart?.();
    else if (message.t === 'release') {
      const data = message.data ?? {};
      released.set(message.barrier, data);
      releases.get(message.barrier)?.(data);
    } else if (message.t === 'stop') stopRequested = true;
    else onWork?.(message);
  })
  .on('close', () => process.exit(0));

let core: Core;
let callers = 0;
/** The answer of the last request sent: the loop pauses after DATABASE_UNAVAILABLE, as a person would. */
let lastCode = '';

function codeOf(result: Result<unknown>): string {
  return result.ok ? 'OK' : result.error.code;
}

/** Sends one request on a caller and reports it. */
async function send(
  step: number,
  channel: string,
  email: string,
  payload: unknown,
  caller: string,
  extra: Partial<WorkstationResult> = {},
): Promise<Result<unknown>> {
  const sentAt = Date.now();
  const result = await core.dispatch(channel, payload, { id: caller });
  lastCode = codeOf(result);
  const report: WorkstationResult = {
    t: 'result',
    ws: index,
    step,
    channel,
    email,
    code: codeOf(result),
    sentAt,
    answeredAt: Date.now(),
    ...extra,
  };
  if (channel === 'session.signIn' && result.ok) report.twoFactor = (result.value as { twoFactor: string }).twoFactor;
  say(report as unknown as Record<string, unknown>);
  return result;
}

function newCaller(): string {
  callers += 1;
  return `${hostname}:${callers}`;
}

async function register(step: number, email: string, password: string): Promise<void> {
  await send(
    step,
    'account.register',
    email,
    { email, firstName: 'Load', lastName: 'Tester', phone: '+12025550143', password, confirmPassword: password },
    newCaller(),
  );
}

/** A sign-in; a completed one signs out again so that sessions do not pile up. Returns the caller. */
async function signIn(step: number, email: string, password: string): Promise<{ caller: string; twoFactor?: string }> {
  const caller = newCaller();
  const result = await send(step, 'session.signIn', email, { email, password }, caller);
  if (!result.ok) return { caller };
  const { twoFactor } = result.value as { twoFactor: string };
  if (twoFactor === 'complete') await send(step, 'session.signOut', email, {}, caller);
  return { caller, twoFactor };
}

async function runStep(step: Step, n: number): Promise<void> {
  switch (step.op) {
    case 'register':
      if (step.barrier) await waitAt(step.barrier);
      await register(n, step.email, step.password);
      return;
    case 'signIn':
      if (step.barrier) await waitAt(step.barrier);
      await Promise.all(step.passwords.map((password) => signIn(n, step.email, password)));
      return;
    case 'twoFactor': {
      const { caller, twoFactor } = await signIn(n, step.email, step.password);
      const data = await waitAt(step.barrier);
      // A sign-in that is not pending is reported as the sign-in's answer; the parent fails on it.
      let pending = twoFactor === 'pending';
      if (pending) pending = !(await send(n, 'twoFactor.verify', step.email, { code: data.code }, caller)).ok;
      await waitAt(step.backupBarrier);
      if (pending) await send(n, 'twoFactor.useBackupCode', step.email, { code: step.backupCode }, caller);
      return;
    }
    case 'codes': {
      if (step.barrier) await waitAt(step.barrier);
      await Promise.all(
        step.codes.map((code) =>
          send(
            n,
            step.channel,
            step.email,
            step.channel === 'account.verifyEmail'
              ? { email: step.email, code }
              : { email: step.email, code, newPassword: step.newPassword, confirmPassword: step.newPassword },
            newCaller(),
          ),
        ),
      );
      return;
    }
    case 'admin': {
      const { caller, twoFactor } = await signIn(n, step.email, step.password);
      let signedIn = twoFactor === 'pending';
      if (step.secondFactor.kind === 'totp') {
        const data = await waitAt(step.secondFactor.barrier);
        if (signedIn) signedIn = (await send(n, 'twoFactor.verify', step.email, { code: data.code }, caller)).ok;
      } else if (signedIn) {
        const payload = { code: step.secondFactor.code };
        signedIn = (await send(n, 'twoFactor.useBackupCode', step.email, payload, caller)).ok;
      }
      await waitAt(step.barrier);
      if (!signedIn) return; // the parent fails on the sign-in's answer
      if (step.action === 'deactivate')
        await send(n, 'users.deactivate', step.email, { userId: step.targetUserId }, caller, { action: 'deactivate' });
      else
        await send(n, 'users.changeRole', step.email, { userId: step.targetUserId, role: 'nurse' }, caller, {
          action: 'demote',
        });
      return;
    }
  }
}

/** The current TOTP code of a secret by oathtool, an implementation independent of the product's. */
function totpNow(secret: string): { code: string; timeStep: number } {
  const seconds = Math.floor(Date.now() / 1000);
  const code = execFileSync('oathtool', ['--totp', '-b', secret, '--now', `@${seconds}`], { encoding: 'utf8' }).trim();
  return { code, timeStep: Math.floor(seconds / 30) };
}

async function runLoop(ops: LoopOp[]): Promise<void> {
  for (let round = 0; !stopRequested; round += 1) {
    if (lastCode === 'DATABASE_UNAVAILABLE') await new Promise((resolve) => setTimeout(resolve, 250));
    const op = ops[round % ops.length]!;
    switch (op.op) {
      case 'register':
        await register(round, `${op.emailPrefix}-${round}@example.org`, op.password);
        break;
      case 'signIn':
        await signIn(round, op.email, op.password);
        break;
      case 'totpSignIn': {
        const { caller, twoFactor } = await signIn(round, op.email, op.password);
        if (twoFactor !== 'pending') break;
        const { code, timeStep } = totpNow(op.secret);
        await send(round, 'twoFactor.verify', op.email, { code }, caller, { timeStep });
        break;
      }
    }
  }
}

async function main(): Promise<void> {
  const databaseUrl = process.env['WS_DATABASE_URL'];
  const dataDir = process.env['WS_DATA_DIR'];
  const masterKey = Buffer.from(process.env['WS_MASTER_KEY'] ?? '', 'base64');
  if (!Number.isInteger(index) || !databaseUrl || !dataDir || masterKey.length !== 32)
    throw new Error('workstation-child needs WS_INDEX, WS_DATABASE_URL, WS_DATA_DIR and WS_MASTER_KEY');
  // What a first request would build anyway, before the start: the start then measures the database part.
  passwordProblem('correct horse battery staple', {});
  prepareDummyHash();
  await new Promise<void>((resolve) => {
    onStart = resolve;
    say({ t: 'loaded' });
  });
  const began = Date.now();
  core = await startCore({
    config: {
      dataDir,
      databaseUrl,
      smtpUrl: process.env['WS_SMTP_URL'] || undefined,
      masterKey,
      appVersion: APP_VERSION,
    },
    log,
    sendMail: process.env['WS_SEND_MAIL'] === '1',
    workstation: { hostname, osUser: 'tester' },
  });
  // Evidence for an answer INTERNAL: every query the database refused, with its code and message.
  core.db.knex.on('query-error', (err: unknown) => {
    const e = err as { code?: unknown; message?: unknown };
    say({
      t: 'queryError',
      at: Date.now(),
      code: String(e.code ?? ''),
      message: String(e.message ?? err).slice(0, 300),
    });
  });
  const work = new Promise<Message>((resolve) => (onWork = resolve));
  say({ t: 'ready', ms: Date.now() - began });
  const message = await work;
  if (message.t === 'plan') {
    for (const [n, step] of message.steps.entries()) await runStep(step, n);
  } else if (message.t === 'loop') {
    await runLoop(message.ops);
  }
  say({ t: 'done' });
  await core.close();
}

main().catch((err: unknown) => {
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  say({ t: 'fatal', event: 'main', stack });
  process.stderr.write(`workstation ${hostname} failed: ${stack}\n`);
  process.exit(2);
});

// Issue 9, mail the HIPAA way: the mail settings (the password write-only), TLS verified against the clinic's own
// CA, the Business Associate Agreement gate for any server that is not this computer, failures said in plain words
// without losing a message, and the delivery log. Against real SMTP servers with certificates made by openssl, on
// SQLite and on PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import { isLoopbackHost } from '../../src/shared/mail';
import { type Person, person } from '../support/accounts';
import { firstNonLoopbackIPv4, testCertificates } from '../support/certificates';
import { type ReceivedMail, SilentServer, TestMailbox, codeIn } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, startTestCore } from '../support/test-core';
import { enroll } from '../support/totp';

const certs = testCertificates();
const REMOTE_IP = firstNonLoopbackIPv4();
/** Every SMTP timeout of the core under test: a server that hangs costs about this long. */
const MAIL_TIMEOUT_MS = 1500;
const ADMIN = { email: 'chief@clinic.example', password: 'quiet harbour lantern 42' };
const ADMIN_CALLER = 'admin-window';
const SMTP_USER = 'clinic-mailer';
const SMTP_PASSWORD = 'Smtp-Pa55word-never-shown';
const WRONG_SMTP_PASSWORD = 'Wr0ng-Smtp-Pa55word-never-shown';
const GONE = 'no-such-mailbox@example.org';

// The servers, shared by both engines (every test uses addresses of its own).
/** Plain text on loopback, STARTTLS not offered: HEALTHSPHERE_SMTP_URL of every core here. */
const plain = new TestMailbox();
/** STARTTLS with a certificate signed by the test CA. */
const starttls = new TestMailbox({ security: 'starttls', key: certs.serverKey, cert: certs.serverCert });
/** TLS from the first byte, same certificate. */
const implicitTls = new TestMailbox({ security: 'tls', key: certs.serverKey, cert: certs.serverCert });
/** STARTTLS with a self-signed certificate nobody trusts. */
const untrusted = new TestMailbox({ security: 'starttls', key: certs.untrustedKey, cert: certs.untrustedCert });
/** STARTTLS, and a user name and password required. */
const authed = new TestMailbox({
  security: 'starttls',
  key: certs.serverKey,
  cert: certs.serverCert,
  auth: { user: SMTP_USER, password: SMTP_PASSWORD },
});
/** STARTTLS on this computer's non-loopback address: a server "elsewhere", which needs a BAA. */
const remote = new TestMailbox({ security: 'starttls', key: certs.serverKey, cert: certs.serverCert, host: REMOTE_IP });
/** STARTTLS; refuses GONE for good (550). */
const refusing = new TestMailbox({
  security: 'starttls',
  key: certs.serverKey,
  cert: certs.serverCert,
  refuseRecipients: [GONE],
});
/** Accepts the connection and never says a word. */
const silent = new SilentServer();
/** STARTTLS, greets, takes the message and never answers after DATA. */
const hanging = new TestMailbox({
  security: 'starttls',
  key: certs.serverKey,
  cert: certs.serverCert,
  hangAfterData: true,
});
const closing = new SilentServer({ closeAtOnce: true });
const senderRefused = new TestMailbox({
  security: 'starttls',
  key: certs.serverKey,
  cert: certs.serverCert,
  refuseSender: { code: 530, message: '5.7.0 Authentication required' },
});
const relayDenied = new TestMailbox({
  security: 'starttls',
  key: certs.serverKey,
  cert: certs.serverCert,
  refuseEveryRecipient: { code: 554, message: '5.7.1 Relay access denied' },
});
const servers = [
  plain,
  starttls,
  implicitTls,
  untrusted,
  authed,
  remote,
  refusing,
  silent,
  hanging,
  closing,
  senderRefused,
  relayDenied,
];

const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-mail-policy-'));

beforeAll(async () => {
  for (const server of servers) await server.start();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fs.rmSync(policyDir, { recursive: true, force: true });
});

type Security = 'tls' | 'starttls' | 'none';

/** The settings that point at one of the test servers, trusting the test CA, without a user name. */
function at(server: { port: number }, security: Security, host = '127.0.0.1') {
  return { host, port: server.port, security, username: '', trustedCertificate: certs.caPem };
}

interface Settings {
  values: Record<string, unknown> & { host: string; port: number; security: Security; trustedCertificate: string };
  passwordSet: boolean;
  logo: unknown;
  fixedByPolicy: string[];
  fromEnvironment: boolean;
  loopback: boolean;
  baa: { provider: string; host: string; confirmedBy: string; confirmedAt: number } | null;
  delivery: { state: string; message: string };
}

interface TestAnswer {
  delivered: boolean;
  serverResponse: string;
  problem: string | null;
  server: string;
  tls: {
    version: string;
    cipher: string;
    certificateVerified: boolean;
    certificateSubject: string;
    certificateIssuer: string;
    certificateValidTo: string;
  } | null;
}

interface LogEntry {
  id: number;
  kind: string;
  category: string;
  recipient: string;
  subject: string;
  state: 'queued' | 'sent' | 'failed';
  attempts: number;
  createdAt: number;
  sentAt: number | null;
  nextAttemptAt: number | null;
  serverResponse: string | null;
  lastError: string | null;
}

interface LogPage {
  configured: boolean;
  delivery: { state: string; message: string };
  messages: LogEntry[];
  nextBefore: number | null;
}

/** A plain reason said before any of the server's own words (which follow in parentheses). */
const plainReason = (reason: RegExp) => new RegExp(`^[^(]*${reason.source}`);

/** The test servers a failure case breaks and mends mail with. */
interface FailureCase {
  name: string;
  bad: () => { values: Record<string, unknown>; password?: string };
  fix: () => { values: Record<string, unknown>; password?: string };
  good: TestMailbox;
  reason: RegExp;
  /** A count on the bad server that grows when the core really got as far as the failure. */
  reached: () => number;
}

const FAILURES: FailureCase[] = [
  {
    name: 'no STARTTLS offered (required)',
    bad: () => ({ values: at(plain, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /does not offer STARTTLS/,
    reached: () => plain.connections,
  },
  {
    name: 'an untrusted certificate',
    bad: () => ({ values: at(untrusted, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /certificate could not be verified/,
    reached: () => untrusted.connections,
  },
  {
    name: 'a wrong password',
    bad: () => ({ values: { ...at(authed, 'starttls'), username: SMTP_USER }, password: WRONG_SMTP_PASSWORD }),
    fix: () => ({ values: { ...at(authed, 'starttls'), username: SMTP_USER }, password: SMTP_PASSWORD }),
    good: authed,
    reason: /refused the user name or password/,
    reached: () => authed.failedLogins,
  },
  {
    name: 'a server that never greets',
    bad: () => ({ values: at(silent, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /did not answer/,
    reached: () => silent.connections,
  },
  {
    name: 'a server that hangs up at once',
    bad: () => ({ values: at(closing, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /closed the connection/,
    reached: () => closing.connections,
  },
  {
    // A settings problem, not a bad address: the message waits (its code is not erased).
    name: 'a sender refused (530)',
    bad: () => ({ values: at(senderRefused, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /refused to take mail from this sender/,
    reached: () => senderRefused.connections,
  },
  {
    name: 'relaying denied (554 5.7.1)',
    bad: () => ({ values: at(relayDenied, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /refused to take mail from this sender/,
    reached: () => relayDenied.connections,
  },
  {
    name: 'a server that hangs after DATA',
    bad: () => ({ values: at(hanging, 'starttls') }),
    fix: () => ({ values: at(starttls, 'starttls') }),
    good: starttls,
    reason: /did not answer/,
    reached: () => hanging.hungMessages,
  },
];

const uid = () => Math.random().toString(36).slice(2, 8);

describe.each(ENGINES)('mail delivery on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;

  async function start(options: Parameters<typeof startTestCore>[1] = {}) {
    t = await startTestCore(engine, { smtpUrl: plain.url, mailTimeoutMs: MAIL_TIMEOUT_MS, ...options });
    await t.core.admin.createStaffAccount({
      email: ADMIN.email,
      firstName: 'Grace',
      lastName: 'Hopper',
      password: ADMIN.password,
      role: 'admin',
    });
    const signedIn = await t.core.dispatch(
      'session.signIn',
      { email: ADMIN.email, password: ADMIN.password },
      { id: ADMIN_CALLER },
    );
    expect(signedIn.ok).toBe(true);
    await enroll(t.core, ADMIN_CALLER, t.clock.nowMs());
  }

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    await start();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t?.stop();
  });

  /** Every answer the admin's channels gave in this test (to look for secrets in). */
  let answers: unknown[] = [];
  beforeEach(() => {
    answers = [];
  });

  const call = async (channel: string, payload: unknown = {}, callerId = ADMIN_CALLER) => {
    const answer = await t.core.dispatch(channel, payload, { id: callerId });
    answers.push(answer);
    return answer;
  };

  async function ok<T>(channel: string, payload: unknown = {}): Promise<T> {
    const answer = await call(channel, payload);
    expect(answer, `${channel} answered ${JSON.stringify(answer)}`).toMatchObject({ ok: true });
    return (answer as { value: T }).value;
  }

  /** The refusal's fields, after checking its code. */
  async function refused(channel: string, payload: unknown, code: string): Promise<Record<string, string>> {
    const answer = await call(channel, payload);
    expect(answer, `${channel} answered ${JSON.stringify(answer)}`).toMatchObject({ ok: false, error: { code } });
    return (answer as { error: { fields?: Record<string, string> } }).error.fields ?? {};
  }

  const settings = () => ok<Settings>('mail.getSettings');
  const configure = (change: { values: Record<string, unknown>; password?: string; clearPassword?: boolean }) =>
    ok<{ values: Settings['values']; passwordSet: boolean; delivery: Settings['delivery'] }>(
      'mail.updateSettings',
      change,
    );
  const sendTest = (to = ADMIN.email) => ok<TestAnswer>('mail.sendTest', { to });
  const outbox = (filter: Record<string, unknown> = {}) => ok<LogPage>('mail.outbox', filter);
  const settingsRow = async () =>
    (await t.core.db.knex('settings').where({ key: 'mail' }).first()) as { value: string } | undefined;
  const outboxRow = async (id: number) =>
    (await t.core.db.knex('mail_outbox').where({ id }).first()) as { body_encrypted: string | null; attempts: number };

  function patient(name: string): Person {
    return person(`${name}.${uid()}`);
  }

  async function register(p: Person): Promise<void> {
    const answer = await t.core.dispatch(
      'account.register',
      { ...p, phone: '', confirmPassword: p.password },
      { id: `desk:${p.email}` },
    );
    expect(answer.ok).toBe(true);
  }

  /** The delivery log's one verification mail to an address. */
  async function verificationFor(email: string): Promise<LogEntry> {
    const page = await outbox({ query: email, category: 'verification' });
    expect(page.messages).toHaveLength(1);
    return page.messages[0]!;
  }

  it('keeps the server password write-only: never answered, audited, logged or stored in clear', async () => {
    const logged = [vi.spyOn(silentLogger, 'info'), vi.spyOn(silentLogger, 'warn'), vi.spyOn(silentLogger, 'error')];

    const saved = await configure({
      values: { ...at(authed, 'starttls'), username: SMTP_USER },
      password: SMTP_PASSWORD,
    });
    expect(saved.passwordSet).toBe(true);
    const shown = await settings();
    expect(shown.passwordSet).toBe(true);
    expect(shown.values).toMatchObject({ username: SMTP_USER, security: 'starttls', port: authed.port });
    expect(shown.values.trustedCertificate).toBe(certs.caPem.trim());

    // The password works: the server signed the core in.
    const tested = await sendTest();
    expect(tested).toMatchObject({ delivered: true, problem: null });
    const ada = patient('ada');
    await register(ada);
    await t.core.mail.kick();
    expect((await authed.waitFor(ada.email)).user).toBe(SMTP_USER);
    expect((await verificationFor(ada.email)).state).toBe('sent');

    // A wrong one is refused by the server, and said so.
    await configure({ values: {}, password: WRONG_SMTP_PASSWORD });
    const wrong = await sendTest();
    expect(wrong.delivered).toBe(false);
    expect(wrong.problem).toMatch(/refused the user name or password/);
    const bob = patient('bob');
    await register(bob);
    await t.core.mail.kick();
    expect((await verificationFor(bob.email)).lastError).toMatch(/refused the user name or password/);

    const cleared = await configure({ values: {}, clearPassword: true });
    expect(cleared.passwordSet).toBe(false);
    expect((await settings()).passwordSet).toBe(false);
    await outbox();

    const row = await settingsRow();
    expect(row).toBeDefined();
    const audit = await t.core.db.knex('audit_events').select();
    expect(audit.filter((e: { action: string }) => e.action === 'SETTINGS_CHANGED').length).toBeGreaterThanOrEqual(3);
    const outboxRows = await t.core.db.knex('mail_outbox').select();
    const places: Record<string, string> = {
      answers: JSON.stringify(answers),
      'settings row': JSON.stringify(row),
      'audit trail': JSON.stringify(audit),
      'mail outbox': JSON.stringify(outboxRows),
      log: JSON.stringify(logged.map((spy) => spy.mock.calls)),
    };
    if (engine === 'sqlite') {
      // The database file itself (and its write-ahead log), byte for byte.
      for (const file of fs.readdirSync(t.dataDir)) {
        const full = path.join(t.dataDir, file);
        if (fs.statSync(full).isFile()) places[`file ${file}`] = fs.readFileSync(full).toString('latin1');
      }
    }
    // The core's log was heard (a failed delivery is logged), and says neither password.
    expect(logged.reduce((n, spy) => n + spy.mock.calls.length, 0)).toBeGreaterThan(0);
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(SMTP_PASSWORD), `the password in the ${place}`).toBe(false);
      expect(text.includes(WRONG_SMTP_PASSWORD), `the wrong password in the ${place}`).toBe(false);
    }
  });

  it('refuses plain text to a server that is not this computer, and saves nothing', async () => {
    await configure({ values: { clinicName: 'Riverside Clinic' } });
    const before = await settings();
    const rowBefore = await settingsRow();

    const fields = await refused(
      'mail.updateSettings',
      { values: { host: REMOTE_IP, port: remote.port, security: 'none' } },
      'INVALID_INPUT',
    );
    expect(Object.keys(fields)).toContain('values.security');
    expect(await settings()).toEqual(before);
    expect(await settingsRow()).toEqual(rowBefore);

    // Nor by changing only the security of a remote server already set.
    await configure({ values: at(remote, 'starttls', REMOTE_IP) });
    const remoteSet = await settings();
    const remoteRow = await settingsRow();
    expect(
      Object.keys(await refused('mail.updateSettings', { values: { security: 'none' } }, 'INVALID_INPUT')),
    ).toContain('values.security');
    expect(await settings()).toEqual(remoteSet);
    expect(await settingsRow()).toEqual(remoteRow);

    // Names a DNS server answers are not this computer, however they look. (`localhost.` and `127.0.0.1.` are
    // kept as `localhost` and `127.0.0.1`, which are reached at 127.0.0.1 without asking DNS.)
    for (const host of ['127.300.0.1', 'localhost.example.com', '127.0.0.1.nip.io']) {
      expect(
        Object.keys(await refused('mail.updateSettings', { values: at(plain, 'none', host) }, 'INVALID_INPUT')),
        host,
      ).toContain('values.security');
    }
    expect(await settings()).toEqual(remoteSet);

    // Plain text to this computer is allowed, by address or by name.
    expect((await configure({ values: at(plain, 'none') })).values.security).toBe('none');
    expect((await configure({ values: at(plain, 'none', 'localhost') })).values.host).toBe('localhost');
    expect((await configure({ values: at(plain, 'none', 'LOCALHOST.') })).values.host).toBe('localhost');
    expect((await sendTest()).delivered).toBe(true);
  });

  it('refuses to change a setting the machine policy fixes', async () => {
    await t.stop();
    const file = path.join(policyDir, `policy-${engine}.json`);
    fs.writeFileSync(file, JSON.stringify({ mail: { clinicName: 'Policy Clinic' } }), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await start({ policy: loadConfig({ HEALTHSPHERE_POLICY: file }).policy });

    const before = await settings();
    expect(before.values.clinicName).toBe('Policy Clinic');
    expect(before.fixedByPolicy).toEqual(['clinicName']);

    const fields = await refused('mail.updateSettings', { values: { clinicName: 'Riverside Clinic' } }, 'POLICY_FIXED');
    expect(Object.keys(fields)).toEqual(['values.clinicName']);
    // With a key it does not fix, the whole request is refused.
    await refused(
      'mail.updateSettings',
      { values: { clinicName: 'Riverside Clinic', fromName: 'Front desk' } },
      'POLICY_FIXED',
    );
    expect(await settings()).toEqual(before);
    // The keys it does not fix are saved.
    expect((await configure({ values: { fromName: 'Front desk' } })).values).toMatchObject({
      fromName: 'Front desk',
      clinicName: 'Policy Clinic',
    });
  });

  it('sends a test mail over STARTTLS and implicit TLS verified against the trusted CA, and logs it', async () => {
    await configure({ values: at(starttls, 'starttls') });
    const viaStarttls = await sendTest();
    expect(viaStarttls).toMatchObject({ delivered: true, problem: null, server: `127.0.0.1:${starttls.port}` });
    expect(viaStarttls.serverResponse).toMatch(/^250/);
    expect(['TLSv1.3', 'TLSv1.2']).toContain(viaStarttls.tls?.version);
    expect(viaStarttls.tls?.cipher).toMatch(/\w/);
    expect(viaStarttls.tls?.certificateVerified).toBe(true);
    expect(viaStarttls.tls?.certificateIssuer).toContain('HealthSphere Test CA');
    const received = await starttls.waitFor(ADMIN.email);
    expect(received.secure).toBe(true);
    expect(received.html).not.toBe('');

    await configure({ values: at(implicitTls, 'tls') });
    const viaTls = await sendTest();
    expect(viaTls).toMatchObject({ delivered: true, problem: null });
    expect(viaTls.serverResponse).toMatch(/^250/);
    expect(['TLSv1.3', 'TLSv1.2']).toContain(viaTls.tls?.version);
    expect(viaTls.tls?.cipher).toMatch(/\w/);
    expect(viaTls.tls?.certificateVerified).toBe(true);
    expect((await implicitTls.waitFor(ADMIN.email)).secure).toBe(true);

    // Plain text to this computer: no protection to report.
    await configure({ values: at(plain, 'none') });
    const before = plain.mailTo(ADMIN.email).length;
    const viaPlain = await sendTest();
    expect(viaPlain).toMatchObject({ delivered: true, problem: null, tls: null });
    expect(viaPlain.serverResponse).toMatch(/^250/);
    expect((await plain.waitFor(ADMIN.email, before + 1)).secure).toBe(false);

    // Each test mail is in the delivery log, as a test.
    const log = await outbox({ category: 'test' });
    expect(log.messages).toHaveLength(3);
    for (const entry of log.messages) {
      expect(entry).toMatchObject({ category: 'test', recipient: ADMIN.email, state: 'sent', lastError: null });
    }
  });

  it('holds mail for a server that is not this computer until a BAA is on file for that very server', async () => {
    await configure({ values: at(remote, 'starttls', REMOTE_IP) });
    const held = await settings();
    expect(held.loopback).toBe(false);
    expect(held.baa).toBeNull();
    expect(held.delivery.state).toBe('needs-baa');
    // The admin overview says why too.
    const status = await ok<{ warnings: string[] }>('system.status');
    expect(status.warnings).toContain(held.delivery.message);
    expect(held.delivery.message).toMatch(/no Business Associate Agreement .* stays queued/);

    const connections = remote.connections;
    const ada = patient('ada');
    await register(ada);
    await t.core.mail.kick();
    expect(await verificationFor(ada.email)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(remote.mailTo(ada.email)).toHaveLength(0);
    expect(remote.connections).toBe(connections);

    // A confirmation for a server other than the one set is refused.
    const wrongHost = await refused(
      'mail.confirmBaa',
      { provider: 'Example Mail Inc.', host: 'smtp.example.com' },
      'INVALID_INPUT',
    );
    expect(Object.keys(wrongHost)).toEqual(['host']);
    expect((await settings()).baa).toBeNull();

    const lastSeq = Number((await t.core.db.knex('audit_events').max({ seq: 'seq' }))[0]!.seq);
    const confirmed = await ok<{ baa: Settings['baa']; delivery: Settings['delivery'] }>('mail.confirmBaa', {
      provider: 'Example Mail Inc.',
      host: REMOTE_IP,
    });
    expect(confirmed.baa).toEqual({
      provider: 'Example Mail Inc.',
      host: REMOTE_IP,
      confirmedBy: ADMIN.email,
      confirmedAt: t.clock.nowMs(),
    });
    expect(confirmed.delivery.state).toBe('ready');
    expect((await settings()).baa).toEqual(confirmed.baa);
    const events = await t.core.db
      .knex('audit_events')
      .where({ action: 'SETTINGS_CHANGED', outcome: 'success' })
      .andWhere('seq', '>', lastSeq);
    expect(events).toHaveLength(1);
    expect(events[0].details).toContain('Example Mail Inc.');
    expect(events[0].details).toContain(REMOTE_IP);

    await t.core.mail.kick();
    await remote.waitFor(ada.email);
    expect(await verificationFor(ada.email)).toMatchObject({ state: 'sent', attempts: 1 });

    // Withdrawn: held again.
    const withdrawn = await ok<{ delivery: Settings['delivery'] }>('mail.withdrawBaa');
    expect(withdrawn.delivery.state).toBe('needs-baa');
    const bob = patient('bob');
    await register(bob);
    await t.core.mail.kick();
    expect(await verificationFor(bob.email)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(remote.mailTo(bob.email)).toHaveLength(0);

    // Confirmed again, then the server changes to another one that is not this computer: held again.
    await ok('mail.confirmBaa', { provider: 'Example Mail Inc.', host: REMOTE_IP });
    await t.core.mail.kick();
    await remote.waitFor(bob.email);
    const otherHost = isLoopbackHost(os.hostname()) ? 'mail.clinic.example' : os.hostname();
    const moved = await configure({ values: { host: otherHost } });
    expect(moved.delivery.state).toBe('needs-baa');
    expect((await settings()).delivery.state).toBe('needs-baa');
    const carol = patient('carol');
    await register(carol);
    await t.core.mail.kick();
    expect(await verificationFor(carol.email)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(remote.mailTo(carol.email)).toHaveLength(0);

    // A server on this computer never needs one.
    const local = await configure({ values: at(starttls, 'starttls') });
    expect(local.delivery.state).toBe('ready');
    const loopback = await settings();
    expect(loopback.loopback).toBe(true);
    expect(loopback.delivery.state).toBe('ready');
    await t.core.mail.kick();
    await starttls.waitFor(carol.email);
    expect((await verificationFor(carol.email)).state).toBe('sent');
  });

  describe.each(FAILURES)('with $name', (failure) => {
    it('keeps the mail, says why in plain words, and sends it once the setting is fixed', async () => {
      await configure(failure.bad());
      const reachedBefore = failure.reached();
      const ada = patient('ada');
      await register(ada);
      await t.core.mail.kick();
      expect(failure.reached()).toBeGreaterThan(reachedBefore);

      const failed = await verificationFor(ada.email);
      expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
      expect(failed.nextAttemptAt).not.toBeNull();
      expect(failed.lastError).toMatch(plainReason(failure.reason));
      // Nothing lost: the message is still there to send.
      expect((await outboxRow(failed.id)).body_encrypted).not.toBeNull();
      expect(failure.good.mailTo(ada.email)).toHaveLength(0);

      // The test mail says the same.
      const tested = await sendTest();
      expect(tested.delivered).toBe(false);
      expect(tested.problem).toMatch(plainReason(failure.reason));

      // Fixing the setting makes the waiting mail due again.
      await configure(failure.fix());
      await t.core.mail.kick();
      const received = await failure.good.waitFor(ada.email);
      expect(received.secure).toBe(true);
      const sent = await verificationFor(ada.email);
      expect(sent).toMatchObject({ state: 'sent', lastError: null, nextAttemptAt: null });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(sent.serverResponse).toMatch(/^250/);
      expect((await outboxRow(sent.id)).body_encrypted).toBeNull();
    });
  });

  it('compares servers as hosts: case and a trailing dot change nothing, and a BAA holds for the same host', async () => {
    const host = 'Mail.Clinic.Example.';
    const set = await configure({ values: { ...at(remote, 'starttls'), host } });
    expect(set.values.host).toBe('mail.clinic.example');
    expect(set.delivery.state).toBe('needs-baa');
    const confirmed = await ok<{ baa: Settings['baa']; delivery: Settings['delivery'] }>('mail.confirmBaa', {
      provider: 'Example Mail Inc.',
      host: 'MAIL.clinic.example.',
    });
    expect(confirmed.baa?.host).toBe('mail.clinic.example');
    expect(confirmed.delivery.state).toBe('ready');
    // Saved again in another spelling: the same server, the agreement still holds.
    expect((await configure({ values: { host: 'MAIL.CLINIC.EXAMPLE' } })).delivery.state).toBe('ready');
  });

  it('never sends a kept password to another server: a new host drops it, a new port keeps it', async () => {
    const withPassword = await configure({
      values: { ...at(authed, 'starttls'), username: SMTP_USER },
      password: SMTP_PASSWORD,
    });
    expect(withPassword.passwordSet).toBe(true);
    expect((await configure({ values: { port: starttls.port } })).passwordSet).toBe(true);
    const moved = await configure({ values: { host: 'localhost' } });
    expect(moved.passwordSet).toBe(false);
    expect(JSON.stringify(await settingsRow())).not.toMatch(/passwordEncrypted":"v1/);
    // Typed again with the new server, it is kept.
    expect((await configure({ values: { host: '127.0.0.1' }, password: SMTP_PASSWORD })).passwordSet).toBe(true);
  });

  it('gives up a queued message it cannot read, and still sends the others', async () => {
    await configure({ values: at(starttls, 'starttls') });
    const [id] = (await t.core.db
      .knex('mail_outbox')
      .insert({
        kind: 'verification',
        recipient: 'damaged@example.org',
        subject: 'Your verification code',
        body_encrypted: 'v1:bm90IGEgY2lwaGVydGV4dA==',
        created_at: t.clock.nowMs(),
        attempts: 0,
        next_attempt_at: t.clock.nowMs(),
      })
      .returning('id')) as Array<{ id: number } | number>;
    const damagedId = typeof id === 'object' ? id.id : id!;
    const ada = patient('ada');
    await register(ada);
    await t.core.mail.kick();
    await starttls.waitFor(ada.email);
    const damaged = (await outbox({ query: 'damaged@' })).messages[0]!;
    expect(damaged).toMatchObject({ id: damagedId, state: 'failed', nextAttemptAt: null });
    expect(damaged.lastError).toMatch(/could not be read/);
    expect((await outboxRow(damagedId)).body_encrypted).toBeNull();
  });

  it('gives up on a recipient the server refuses for good (550), and still sends the rest', async () => {
    await configure({ values: at(refusing, 'starttls') });
    const gone: Person = { ...person('gone'), email: GONE };
    const ada = patient('ada');
    await register(gone);
    await register(ada);
    await t.core.mail.kick();

    await refusing.waitFor(ada.email);
    expect((await verificationFor(ada.email)).state).toBe('sent');
    const refusedEntry = await verificationFor(GONE);
    expect(refusedEntry).toMatchObject({ state: 'failed', attempts: 1, nextAttemptAt: null });
    expect(refusedEntry.lastError).toContain('550');
    expect(refusing.mailTo(GONE)).toHaveLength(0);

    // Not tried again, even much later.
    t.clock.advance(20 * 60_000);
    await t.core.mail.kick();
    expect((await outboxRow(refusedEntry.id)).attempts).toBe(1);
  });

  it('lists the delivery log by recipient, category and state, a page at a time, without codes or bodies', async () => {
    // Mail of every kind to the plain loopback server.
    await configure({ values: at(plain, 'none') });
    const ada = patient('ada');
    await register(ada);
    await t.core.mail.kick();
    const verification = await plain.waitFor(ada.email);
    const code = codeIn(verification);
    const verified = await t.core.dispatch('account.verifyEmail', { email: ada.email, code }, { id: 'desk' });
    expect(verified.ok).toBe(true);
    t.clock.advance(61_000); // past the one-code-a-minute limit
    const reset = await t.core.dispatch('account.requestPasswordReset', { email: ada.email }, { id: 'desk' });
    expect(reset.ok).toBe(true);
    await t.core.mail.kick();
    await plain.waitFor(ada.email, 3); // verification, welcome, reset
    const mails: ReceivedMail[] = plain.mailTo(ada.email);
    const codes = mails.filter((m) => /\b\d{6}\b/.test(m.text)).map(codeIn);
    expect(codes).toHaveLength(2);
    for (let i = 0; i < 55; i++) expect((await sendTest(`log.${i}@example.org`)).delivered).toBe(true);

    // A failed one: the server does not offer STARTTLS.
    await configure({ values: at(plain, 'starttls') });
    expect((await sendTest('failed.test@example.org')).delivered).toBe(false);
    const bob = patient('bob');
    await register(bob);
    await t.core.mail.kick();
    // A queued one: a remote server without a BAA.
    await configure({ values: at(remote, 'starttls', REMOTE_IP) });
    const carol = patient('carol');
    await register(carol);
    await t.core.mail.kick();

    // By part of a recipient's address.
    const adasPart = ada.email.split('@')[0]!.split('.')[1]!;
    const adas = await outbox({ query: adasPart });
    expect(adas.messages.length).toBeGreaterThanOrEqual(3);
    expect(adas.messages.every((m) => m.recipient === ada.email)).toBe(true);
    expect(adas.messages.map((m) => m.category)).toEqual(expect.arrayContaining(['verification', 'reset']));

    // By category.
    for (const category of ['verification', 'reset', 'welcome', 'notice', 'test']) {
      const page = await outbox({ category });
      expect(page.messages.every((m) => m.category === category)).toBe(true);
    }
    const verifications = await outbox({ category: 'verification' });
    expect(verifications.messages.map((m) => m.recipient).sort()).toEqual([ada.email, bob.email, carol.email].sort());
    expect((await outbox({ category: 'reset' })).messages.map((m) => m.recipient)).toEqual([ada.email]);
    expect((await outbox({ category: 'notice' })).messages.map((m) => m.recipient)).toContain(ADMIN.email);

    // By state.
    const queued = await outbox({ state: 'queued' });
    expect(queued.messages.map((m) => m.recipient)).toEqual([carol.email]);
    const failedPage = await outbox({ state: 'failed' });
    expect(failedPage.messages.map((m) => m.recipient).sort()).toEqual([bob.email, 'failed.test@example.org'].sort());
    expect(failedPage.messages.every((m) => m.state === 'failed' && m.lastError !== null)).toBe(true);
    const sentPage = await outbox({ state: 'sent' });
    expect(sentPage.messages.every((m) => m.state === 'sent' && m.sentAt !== null)).toBe(true);

    // A page at a time, newest first, no overlap, nothing missed.
    const total = Number((await t.core.db.knex('mail_outbox').count({ n: '*' }))[0]!.n);
    expect(total).toBeGreaterThan(50);
    const first = await outbox();
    expect(first.messages).toHaveLength(50);
    expect(first.nextBefore).toBe(first.messages[49]!.id);
    const ids = first.messages.map((m) => m.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const second = await outbox({ before: first.nextBefore });
    expect(second.messages.length).toBe(total - 50);
    expect(second.nextBefore).toBeNull();
    const secondIds = second.messages.map((m) => m.id);
    expect(secondIds.every((id) => id < first.nextBefore!)).toBe(true);
    expect(new Set([...ids, ...secondIds]).size).toBe(total);
    // Paging within a category.
    const tests = await outbox({ category: 'test' });
    expect(tests.messages).toHaveLength(50);
    expect(tests.nextBefore).not.toBeNull();
    const moreTests = await outbox({ category: 'test', before: tests.nextBefore });
    expect(moreTests.messages).toHaveLength(6);
    expect(moreTests.nextBefore).toBeNull();

    // Never a code, never a body.
    const everything = JSON.stringify(answers);
    const listed = JSON.stringify(answers.filter((a) => JSON.stringify(a).includes('"messages"')));
    for (const c of codes) expect(listed).not.toMatch(new RegExp(`(?<!\\d)${c}(?!\\d)`));
    for (const mail of mails) {
      const lines = mail.text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 25 && l !== mail.subject);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(everything.includes(JSON.stringify(line).slice(1, -1)), line).toBe(false);
    }
  });

  it('refuses bad settings at dispatch with the field named, and changes nothing', async () => {
    await configure({ values: { ...at(starttls, 'starttls'), clinicName: 'Riverside Clinic' } });
    const before = await settings();
    const rowBefore = await settingsRow();
    const notPng = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!', 'latin1');
    const cases: Array<[unknown, string]> = [
      [{ values: { port: 0 } }, 'values.port'],
      [{ values: { port: 70000 } }, 'values.port'],
      [{ values: { host: 'mail server.example' } }, 'values.host'],
      [{ values: { host: 'smtp://x' } }, 'values.host'],
      [{ values: { portalLink: 'http://portal.clinic.example' } }, 'values.portalLink'],
      [{ values: { portalLink: 'javascript:alert(1)' } }, 'values.portalLink'],
      [{ values: { fromAddress: 'not an address' } }, 'values.fromAddress'],
      [{ values: { trustedCertificate: certs.serverKey } }, 'values.trustedCertificate'],
      [{ values: {}, logo: { type: 'image/png', dataBase64: notPng.toString('base64') } }, 'logo'],
      // A good key with a bad one: none of it is saved.
      [{ values: { clinicName: 'Elsewhere Clinic', port: 0 } }, 'values.port'],
    ];
    for (const [payload, field] of cases) {
      const fields = await refused('mail.updateSettings', payload, 'INVALID_INPUT');
      expect(Object.keys(fields), JSON.stringify(payload)).toContain(field);
      expect(await settings()).toEqual(before);
      expect(await settingsRow()).toEqual(rowBefore);
    }
  });
});

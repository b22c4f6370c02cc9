// Issue 5 on SQLite and PostgreSQL: profiles with encrypted PHI, what each role sees, restricted records and
// emergency access, user administration and the first-run setup.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sqliteFile } from '../../src/main/core/db/connection';
import fs from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type Person, person, registerVerified, signIn } from '../support/accounts';
import { TestMailbox, codeIn } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, snapshotDomainTables, startTestCore } from '../support/test-core';
import { enroll, oathCode } from '../support/totp';

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

const STAFF_PASSWORD = 'quiet harbour lantern 42';

describe.each(ENGINES)('on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;
  let ada: Person;
  let adaId: number;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    t = await startTestCore(engine, { smtpUrl });
    ada = person('ada');
    await registerVerified(t.core, mailbox, ada);
    adaId = (await t.core.db.knex('users').where({ email: ada.email }).first()).id;
    await signIn(t.core, 'patient', ada.email, ada.password);
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (callerId: string, channel: string, payload: unknown = {}) =>
    t.core.dispatch(channel, payload, { id: callerId });
  const codeOf = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.error.code);
  const valueOf = <T>(r: Awaited<ReturnType<typeof call>>) => {
    if (!r.ok) throw new Error(`expected ok, got ${r.error.code} ${JSON.stringify(r.error.fields ?? {})}`);
    return r.value as T;
  };

  async function staff(role: 'doctor' | 'nurse' | 'admin', name: string = role): Promise<string> {
    await t.core.admin.createStaffAccount({
      email: `${name}@clinic.example`,
      firstName: name,
      lastName: 'Staff',
      password: STAFF_PASSWORD,
      role,
    });
    await signIn(t.core, name, `${name}@clinic.example`, STAFF_PASSWORD);
    secrets.set(name, (await enroll(t.core, name, t.clock.nowMs())).secret);
    return name;
  }
  const secrets = new Map<string, string>();

  it('lets a patient edit their own profile, and keeps its PHI unreadable at rest', async () => {
    const updated = valueOf<{ dateOfBirth: string; address: string; medical: unknown; phone: string }>(
      await call('patient', 'profile.update', {
        dateOfBirth: '1815-12-10'.replace('1815', '1985'),
        address: '12 St James Square, London',
        emergencyContactName: 'Mary Somerville',
        emergencyContactPhone: '+44 20 7946 0000',
      }),
    );
    expect(updated).toMatchObject({ dateOfBirth: '1985-12-10', address: '12 St James Square, London' });
    expect(updated.medical).toEqual({ bloodType: null, allergies: null, medicalNotes: null });
    const row = JSON.stringify(await t.core.db.knex('profiles').where({ user_id: adaId }).first());
    expect(row).not.toContain('1985-12-10');
    expect(row).not.toContain('St James');
    expect(row).not.toContain('Somerville');
    if (engine === 'sqlite') {
      await t.core.db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
      expect(fs.readFileSync(sqliteFile(t.dataDir)).toString('latin1')).not.toContain('St James');
    }
    const audit = JSON.stringify(await t.core.db.knex('audit_events').where({ action: 'UPDATE' }).select());
    expect(audit).not.toContain('St James');
    expect(audit).toContain('dateOfBirth,address');
  });

  it('refuses a date of birth in the future or before 1900, and a staff field for a patient, writing nothing', async () => {
    const before = await snapshotDomainTables(t.core);
    const future = await call('patient', 'profile.update', { dateOfBirth: '2999-01-01' });
    expect(future).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        fields: { dateOfBirth: 'A date of birth cannot be in the future or before 1900.' },
      },
    });
    expect(codeOf(await call('patient', 'profile.update', { dateOfBirth: '1985-02-30' }))).toBe('INVALID_INPUT');
    expect(codeOf(await call('patient', 'profile.update', { department: 'Cardiology' }))).toBe('INVALID_INPUT');
    expect(await snapshotDomainTables(t.core)).toEqual(before);
  });

  it('lets clinical staff find a patient by name, email or date of birth, read and edit medical fields; each view is audited', async () => {
    await call('patient', 'profile.update', { dateOfBirth: '1985-12-10' });
    await staff('doctor');
    await staff('nurse');
    for (const query of ['Ada', 'ada@', 'tester', 'Ada Tester', '1985-12-10']) {
      const found = valueOf<{ patients: Array<{ id: number; dateOfBirth: string }> }>(
        await call('doctor', 'patients.search', { query }),
      );
      expect(
        found.patients.map((p) => p.id),
        query,
      ).toEqual([adaId]);
    }
    expect(
      valueOf<{ patients: unknown[] }>(await call('doctor', 'patients.search', { query: '1985-12-11' })).patients,
    ).toEqual([]);
    // Staff are never found as patients.
    expect(
      valueOf<{ patients: unknown[] }>(await call('doctor', 'patients.search', { query: 'nurse' })).patients,
    ).toEqual([]);

    const edited = await call('doctor', 'patients.updateMedical', {
      patientId: adaId,
      bloodType: 'AB-',
      allergies: 'Penicillin',
      medicalNotes: 'Asthma since childhood.',
    });
    expect(valueOf<{ medical: unknown }>(edited).medical).toEqual({
      bloodType: 'AB-',
      allergies: 'Penicillin',
      medicalNotes: 'Asthma since childhood.',
    });
    const seen = valueOf<{ medical: { allergies: string } }>(await call('nurse', 'patients.get', { patientId: adaId }));
    expect(seen.medical.allergies).toBe('Penicillin');
    // The patient sees what their clinicians wrote, but cannot write it.
    expect(valueOf<{ medical: { bloodType: string } }>(await call('patient', 'profile.get')).medical.bloodType).toBe(
      'AB-',
    );
    expect(codeOf(await call('patient', 'patients.updateMedical', { patientId: adaId, allergies: 'none' }))).toBe(
      'FORBIDDEN',
    );

    const views = await t.core.db
      .knex('audit_events')
      .where({ channel: 'patients.get', outcome: 'success' })
      .select('actor_email', 'resource_id', 'patient_id', 'data_category', 'details');
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      actor_email: 'nurse@clinic.example',
      resource_id: String(adaId),
      patient_id: adaId,
      data_category: 'demographics,medical',
      details: null,
    });
    expect(JSON.stringify(await t.core.db.knex('audit_events').select())).not.toContain('Penicillin');
  });

  it('shows an administrator a patient with medical fields redacted, and refuses a patient other profiles', async () => {
    await staff('doctor');
    await call('doctor', 'patients.updateMedical', { patientId: adaId, allergies: 'Penicillin' });
    await staff('admin');
    const asAdmin = valueOf<{ medical: unknown; medicalRedacted: boolean; email: string }>(
      await call('admin', 'users.get', { userId: adaId }),
    );
    expect(asAdmin).toMatchObject({ medical: null, medicalRedacted: true, email: ada.email });
    expect(JSON.stringify(asAdmin)).not.toContain('Penicillin');
    expect(codeOf(await call('admin', 'patients.get', { patientId: adaId }))).toBe('FORBIDDEN');

    const bob = person('bob');
    await registerVerified(t.core, mailbox, bob);
    const bobId = (await t.core.db.knex('users').where({ email: bob.email }).first()).id;
    expect(codeOf(await call('patient', 'patients.get', { patientId: bobId }))).toBe('FORBIDDEN');
    expect(codeOf(await call('patient', 'users.get', { userId: bobId }))).toBe('FORBIDDEN');
    // Staff ids are not patients: the same answer as an id that does not exist.
    const doctorId = (await t.core.db.knex('users').where({ role: 'doctor' }).first()).id;
    expect(codeOf(await call('doctor', 'patients.get', { patientId: doctorId }))).toBe('NOT_FOUND');
    expect(codeOf(await call('doctor', 'patients.get', { patientId: 999_999 }))).toBe('NOT_FOUND');
  });

  it('restricts a record to its name until emergency access is declared with a reason, for a limited time, reviewed by an admin', async () => {
    await call('patient', 'profile.update', { dateOfBirth: '1985-12-10' });
    await staff('doctor');
    await staff('nurse');
    await staff('admin');
    expect(
      valueOf<{ restricted: boolean }>(
        await call('admin', 'patients.setRestricted', { patientId: adaId, restricted: true }),
      ).restricted,
    ).toBe(true);

    const limited = valueOf<{ limited: boolean; firstName: string; dateOfBirth: unknown; medical: unknown }>(
      await call('nurse', 'patients.get', { patientId: adaId }),
    );
    expect(limited).toMatchObject({ limited: true, firstName: 'Ada', dateOfBirth: null, medical: null });
    const found = valueOf<{ patients: Array<{ email: unknown; dateOfBirth: unknown; restricted: boolean }> }>(
      await call('nurse', 'patients.search', { query: 'Ada' }),
    );
    expect(found.patients[0]).toMatchObject({ email: null, dateOfBirth: null, restricted: true });
    expect(codeOf(await call('nurse', 'patients.updateMedical', { patientId: adaId, allergies: 'x' }))).toBe(
      'FORBIDDEN',
    );

    const tooShort = await call('nurse', 'patients.breakGlass', { patientId: adaId, reason: 'urgent' });
    expect(tooShort).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { reason: expect.stringContaining('20 characters') } },
    });
    const reason = 'Patient unconscious in the waiting room; need allergies before treatment.';
    const glass = valueOf<{ expiresAt: number }>(
      await call('nurse', 'patients.breakGlass', { patientId: adaId, reason }),
    );
    expect(glass.expiresAt).toBe(t.clock.nowMs() + 60 * 60_000);
    const full = valueOf<{ limited: boolean; dateOfBirth: string; emergencyAccessUntil: number }>(
      await call('nurse', 'patients.get', { patientId: adaId }),
    );
    expect(full).toMatchObject({ limited: false, dateOfBirth: '1985-12-10', emergencyAccessUntil: glass.expiresAt });
    // Only for the one who declared it.
    expect(valueOf<{ limited: boolean }>(await call('doctor', 'patients.get', { patientId: adaId })).limited).toBe(
      true,
    );

    const event = await t.core.db.knex('audit_events').where({ action: 'BREAK_GLASS', outcome: 'success' }).first();
    expect(event).toMatchObject({ patient_id: adaId, reason });

    // An hour later the access is over: the nurse signs in again (past idle) and sees the name only.
    t.clock.advance(61 * 60_000);
    await signIn(t.core, 'nurse', 'nurse@clinic.example', STAFF_PASSWORD);
    await call('nurse', 'twoFactor.verify', { code: oathCode(secrets.get('nurse')!, t.clock.nowMs()) });
    expect(valueOf<{ limited: boolean }>(await call('nurse', 'patients.get', { patientId: adaId })).limited).toBe(true);
  });

  it('lists emergency access for review, and records the review', async () => {
    await staff('nurse');
    await staff('admin');
    await call('admin', 'patients.setRestricted', { patientId: adaId, restricted: true });
    await call('nurse', 'patients.breakGlass', {
      patientId: adaId,
      reason: 'Patient collapsed at the front desk, need history.',
    });
    const summary = valueOf<{
      emergencyAccess: Array<{ id: number; by: string; patientName: string; reviewedAt: unknown }>;
      days: unknown[];
      usersByRole: unknown[];
    }>(await call('admin', 'reports.securitySummary'));
    expect(summary.days).toHaveLength(30);
    expect(summary.usersByRole).toContainEqual({ role: 'patient', active: 1, inactive: 0 });
    expect(summary.emergencyAccess).toEqual([
      expect.objectContaining({ by: 'nurse@clinic.example', patientName: 'Ada Tester', reviewedAt: null }),
    ]);
    await call('admin', 'reports.reviewEmergencyAccess', { id: summary.emergencyAccess[0]!.id });
    const after = valueOf<{ emergencyAccess: Array<{ reviewedAt: number | null }> }>(
      await call('admin', 'reports.securitySummary'),
    );
    expect(after.emergencyAccess[0]!.reviewedAt).toBe(t.clock.nowMs());
  });

  it('invites a doctor by mail; the doctor chooses a password with the code, signs in and must enroll in 2FA', async () => {
    await staff('admin');
    const created = valueOf<{ userId: number }>(
      await call('admin', 'users.create', {
        email: 'house@clinic.example',
        firstName: 'Gregory',
        lastName: 'House',
        role: 'doctor',
      }),
    );
    expect(created.userId).toBeGreaterThan(0);
    expect(codeOf(await signIn(t.core, 'house', 'house@clinic.example', ''.padEnd(12, 'x')))).toBe(
      'INVALID_CREDENTIALS',
    );
    await t.core.mail.kick();
    const invitation = await mailbox.waitFor('house@clinic.example');
    expect(invitation.subject).toBe('Your invitation to HealthSphere');
    const code = codeIn(invitation);
    t.clock.advance(48 * 60 * 60_000); // read two days later: still valid
    const accepted = await call('house', 'account.resetPassword', {
      email: 'house@clinic.example',
      code,
      newPassword: 'differential diagnosis rounds',
      confirmPassword: 'differential diagnosis rounds',
    });
    expect(codeOf(accepted)).toBe('ok');
    const signedIn = await signIn(t.core, 'house', 'house@clinic.example', 'differential diagnosis rounds');
    expect(signedIn.ok && signedIn.value).toMatchObject({ user: { role: 'doctor' }, twoFactor: 'enroll' });
    await enroll(t.core, 'house', t.clock.nowMs());
    expect(codeOf(await call('house', 'patients.search', { query: 'Ada' }))).toBe('ok');
  });

  it('changes roles and status with the last-admin rule, asks for the password again after 15 minutes', async () => {
    await staff('admin');
    await call('admin', 'settings.updateSecurity', { values: { sessionIdleMinutes: 60 } });
    const adminId = (await t.core.db.knex('users').where({ email: 'admin@clinic.example' }).first()).id;
    expect(await call('admin', 'users.changeRole', { userId: adminId, role: 'doctor' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(codeOf(await call('admin', 'users.deactivate', { userId: adminId }))).toBe('FORBIDDEN');
    expect(codeOf(await call('admin', 'users.changeRole', { userId: adaId, role: 'superuser' }))).toBe('INVALID_INPUT');

    expect(
      valueOf<{ role: string }>(await call('admin', 'users.changeRole', { userId: adaId, role: 'nurse' })).role,
    ).toBe('nurse');
    // Her session ended with the role change; she signs in again as a nurse, who must enroll.
    expect(codeOf(await call('patient', 'profile.get'))).not.toBe('ok');
    await call('admin', 'users.changeRole', { userId: adaId, role: 'patient' });
    expect(codeOf(await call('admin', 'users.deactivate', { userId: adaId }))).toBe('ok');
    expect(codeOf(await signIn(t.core, 'patient', ada.email, ada.password))).toBe('ACCOUNT_DISABLED');
    expect(codeOf(await call('admin', 'users.reactivate', { userId: adaId }))).toBe('ok');
    expect(codeOf(await signIn(t.core, 'patient', ada.email, ada.password))).toBe('ok');

    t.clock.advance(16 * 60_000);
    expect(
      codeOf(
        await call('admin', 'users.create', {
          email: 'x@clinic.example',
          firstName: 'X',
          lastName: 'Y',
          role: 'nurse',
        }),
      ),
    ).toBe('REAUTH_REQUIRED');
    expect(codeOf(await call('admin', 'session.reauthenticate', { password: 'wrong password here' }))).toBe(
      'PASSWORD_MISMATCH',
    );
    expect(codeOf(await call('admin', 'session.reauthenticate', { password: STAFF_PASSWORD }))).toBe('ok');
    expect(
      codeOf(
        await call('admin', 'users.create', {
          email: 'x@clinic.example',
          firstName: 'X',
          lastName: 'Y',
          role: 'nurse',
        }),
      ),
    ).toBe('ok');
  });

  it('never lets two admins deactivate each other at once', async () => {
    await staff('admin', 'first');
    await staff('admin', 'second');
    const id = async (email: string) => (await t.core.db.knex('users').where({ email }).first()).id as number;
    const [a, b] = await Promise.all([
      call('first', 'users.deactivate', { userId: await id('second@clinic.example') }),
      call('second', 'users.deactivate', { userId: await id('first@clinic.example') }),
    ]);
    expect([a, b].filter((r) => r.ok)).toHaveLength(1);
    const active = await t.core.db.knex('users').where({ role: 'admin', is_active: true }).count({ n: '*' });
    expect(Number(active[0]!.n)).toBe(1);
  });

  it('requires a new password before anything else when an admin asks for it', async () => {
    await staff('admin');
    expect(codeOf(await call('admin', 'users.requirePasswordChange', { userId: adaId }))).toBe('ok');
    expect(codeOf(await call('patient', 'profile.get'))).toBe('PASSWORD_CHANGE_REQUIRED');
    const status = valueOf<{ mustChangePassword: boolean }>(await call('patient', 'session.current'));
    expect(status.mustChangePassword).toBe(true);
    expect(
      codeOf(
        await call('patient', 'session.changePassword', {
          currentPassword: ada.password,
          newPassword: 'a brand new lantern phrase',
          confirmPassword: 'a brand new lantern phrase',
        }),
      ),
    ).toBe('ok');
    expect(codeOf(await call('patient', 'profile.get'))).toBe('ok');
  });

  it('lists users with filters and keyset pages that neither skip nor repeat', async () => {
    await staff('admin');
    const now = t.clock.nowMs();
    await t.core.db.knex.batchInsert(
      'users',
      Array.from({ length: 120 }, (_, i) => ({
        email: `bulk${i}@example.org`,
        first_name: 'Bulk',
        last_name: `Patient${i}`,
        role: i % 10 === 0 ? 'nurse' : 'patient',
        password_hash: '!',
        is_active: i % 7 !== 0,
        created_at: now,
        updated_at: now,
      })),
      50,
    );
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { users: Array<{ id: number }>; nextCursor: string | null } = valueOf(
        await call('admin', 'users.list', { cursor, limit: 50 }),
      );
      seen.push(...page.users.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(122);
    expect(new Set(seen).size).toBe(122);
    const nurses = valueOf<{ users: Array<{ role: string; active: boolean }> }>(
      await call('admin', 'users.list', { role: 'nurse', status: 'active', limit: 100 }),
    );
    expect(nurses.users.every((u) => u.role === 'nurse' && u.active)).toBe(true);
    expect(nurses.users).toHaveLength(10);
    const enrolled = valueOf<{ users: Array<{ email: string }> }>(
      await call('admin', 'users.list', { twoFactor: 'enrolled' }),
    );
    expect(enrolled.users.map((u) => u.email)).toEqual(['admin@clinic.example']);
    const searched = valueOf<{ users: Array<{ email: string }> }>(
      await call('admin', 'users.list', { search: 'bulk11' }),
    );
    const expected = ['bulk11', ...Array.from({ length: 10 }, (_, i) => `bulk11${i}`)].map((n) => `${n}@example.org`);
    expect(searched.users.map((u) => u.email).sort()).toEqual(expected.sort());

    for (let i = 0; i < 10; i++) {
      await signIn(t.core, 'attacker', ada.email, `wrong ${i}`);
      t.clock.advance(20_000);
    }
    const locked = valueOf<{ users: Array<{ email: string; locked: boolean }> }>(
      await call('admin', 'users.list', { locked: true }),
    );
    expect(locked.users).toEqual([expect.objectContaining({ email: ada.email, locked: true })]);
  });

  it('shows an admin a user’s sessions and lets them end one', async () => {
    await staff('admin');
    const sessions = valueOf<{ sessions: Array<{ id: number }> }>(
      await call('admin', 'users.sessions', { userId: adaId }),
    );
    expect(sessions.sessions).toHaveLength(1);
    expect(
      valueOf<{ ended: boolean }>(await call('admin', 'users.endSession', { sessionId: sessions.sessions[0]!.id }))
        .ended,
    ).toBe(true);
    expect(codeOf(await call('patient', 'profile.get'))).toBe('NOT_SIGNED_IN');
  });

  it('re-encodes an avatar so nothing hidden survives, and refuses what is not a small PNG or JPEG', async () => {
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(200);
    const withPayload = Buffer.concat([PNG.sync.write(png), Buffer.from('<?php system($_GET["c"]); ?>')]);
    const set = valueOf<{ avatar: string }>(
      await call('patient', 'profile.setAvatar', { image: `data:image/png;base64,${withPayload.toString('base64')}` }),
    );
    const stored = Buffer.from(set.avatar.replace('data:image/png;base64,', ''), 'base64');
    expect(stored.toString('latin1')).not.toContain('php');
    expect(PNG.sync.read(stored).width).toBe(2);

    const jpg = jpeg.encode({ data: Buffer.alloc(4 * 4 * 4, 120), width: 4, height: 4 }, 90).data;
    // A comment segment right after the start marker, as cameras write metadata.
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x12]), Buffer.from('GPS 51.5 N 0.1 W')]);
    const tagged = Buffer.concat([jpg.subarray(0, 2), comment, jpg.subarray(2)]);
    const fromJpeg = valueOf<{ avatar: string }>(
      await call('patient', 'profile.setAvatar', { image: `data:image/jpeg;base64,${tagged.toString('base64')}` }),
    );
    expect(Buffer.from(fromJpeg.avatar.split(',')[1]!, 'base64').toString('latin1')).not.toContain('GPS');

    const before = await snapshotDomainTables(t.core);
    const notImage = await call('patient', 'profile.setAvatar', {
      image: `data:image/png;base64,${Buffer.from('just text').toString('base64')}`,
    });
    expect(notImage).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', fields: { image: 'Choose a PNG or JPEG image.' } },
    });
    const gif = await call('patient', 'profile.setAvatar', { image: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' });
    expect(gif.ok === false && gif.error.fields).toEqual({ image: 'Choose a PNG or JPEG image.' });
    const huge = await call('patient', 'profile.setAvatar', {
      image: `data:image/png;base64,${Buffer.alloc(600 * 1024).toString('base64')}`,
    });
    expect(huge.ok === false && huge.error.code).toBe('INVALID_INPUT');
    const wide = new PNG({ width: 2000, height: 1 });
    const tooWide = await call('patient', 'profile.setAvatar', {
      image: `data:image/png;base64,${PNG.sync.write(wide).toString('base64')}`,
    });
    expect(tooWide.ok === false && tooWide.error.fields).toEqual({
      image: 'The image must be at most 1024 × 1024 pixels.',
    });
    expect(await snapshotDomainTables(t.core)).toEqual(before);

    const row = await t.core.db.knex('avatars').first();
    expect(row.png_enc).not.toContain(fromJpeg.avatar.split(',')[1]!.slice(0, 40));
    await staff('doctor');
    expect(valueOf<{ avatar: string }>(await call('doctor', 'profile.getAvatar', { userId: adaId })).avatar).toBe(
      fromJpeg.avatar,
    );
    const bob = person('bob');
    await registerVerified(t.core, mailbox, bob);
    await signIn(t.core, 'bob', bob.email, bob.password);
    expect(codeOf(await call('bob', 'profile.getAvatar', { userId: adaId }))).toBe('FORBIDDEN');
  });

  it('shows a patient their own recent account activity', async () => {
    const activity = valueOf<{ events: Array<{ action: string; workstation: string }> }>(
      await call('patient', 'account.activity'),
    );
    expect(activity.events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['LOGIN', 'EMAIL_VERIFIED', 'USER_CREATED']),
    );
    expect(activity.events[0]!.workstation).toBe('test-host');
  });
});

describe.each(ENGINES)('first run on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  it('creates the first admin once, who must then enroll in 2FA', async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run');
    const t = await startTestCore(engine);
    try {
      const call = (channel: string, payload: unknown = {}) => t.core.dispatch(channel, payload, { id: 'setup' });
      expect(await call('setup.status')).toEqual({ ok: true, value: { needsSetup: true } });
      const admin = {
        email: 'first@clinic.example',
        firstName: 'First',
        lastName: 'Admin',
        password: STAFF_PASSWORD,
        confirmPassword: STAFF_PASSWORD,
      };
      const weak = await call('setup.createFirstAdmin', {
        ...admin,
        password: 'Password1234',
        confirmPassword: 'Password1234',
      });
      expect(weak.ok === false && weak.error.code).toBe('WEAK_PASSWORD');
      const [one, two] = await Promise.all([
        call('setup.createFirstAdmin', admin),
        call('setup.createFirstAdmin', { ...admin, email: 'second@clinic.example' }),
      ]);
      expect([one, two].filter((r) => r.ok)).toHaveLength(1);
      expect([one, two].find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'SETUP_DONE' } });
      expect(await call('setup.status')).toEqual({ ok: true, value: { needsSetup: false } });
      const winner = one.ok ? admin.email : 'second@clinic.example';
      const signedIn = await call('session.signIn', { email: winner, password: STAFF_PASSWORD });
      expect(signedIn.ok && signedIn.value).toMatchObject({ user: { role: 'admin' }, twoFactor: 'enroll' });
      expect((await call('users.list')).ok).toBe(false);
    } finally {
      await t.stop();
    }
  });
});

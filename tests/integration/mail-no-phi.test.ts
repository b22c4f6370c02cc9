// Issue 9: mail the HIPAA way. A patient with a profile full of distinctive PHI, and staff with distinctive names,
// go through everything that sends mail, on SQLite and on PostgreSQL; every mail that arrives over SMTP, and every
// row the outbox kept, is searched for that PHI and none of it may be there. Then every template is rendered with
// what the templates can be given for that patient (the address only), with every brand.
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/main/core/crypto/keys';
import { decrypt } from '../../src/main/core/crypto/encryption';
import { OUTBOX_CONTEXT } from '../../src/main/core/mail/outbox';
import * as templates from '../../src/main/core/mail/templates';
import {
  LOGO_CID,
  type MailBrand,
  type MailDraft,
  type MailKind,
  accountLockedMail,
  invitationMail,
  passwordChangedMail,
  passwordResetCodeMail,
  registrationAttemptMail,
  renderMail,
  testMail,
  twoFactorNoticeMail,
  verificationCodeMail,
  welcomeMail,
} from '../../src/main/core/mail/templates';
import { signIn } from '../support/accounts';
import { type ReceivedMail, TestMailbox, codeIn } from '../support/smtp';
import { ENGINES, type TestCore, postgresUrl, startTestCore } from '../support/test-core';
import { enroll, oathCode } from '../support/totp';

const CLINIC = 'Riverside Clinic';
const PORTAL = 'https://portal.riverside.example/';
const STAFF_PASSWORD = 'quiet harbour lantern 42';

/** The patient: the address is all mail may know of them. */
const PATIENT = {
  email: 'p.7d41@example.org',
  firstName: 'Zebulon',
  lastName: 'Quixtaffer-Marlowe',
  phone: '+44 20 7946 0321',
  password: 'correct horse battery staple',
};
const PROFILE = {
  dateOfBirth: '1962-07-19',
  address: '4417 Marigold Terrace, Little Whinging, Surrey GU4 7XQ',
  emergencyContactName: 'Ottoline Brackenridge',
  emergencyContactPhone: '+44 161 496 0754',
};
const MEDICAL = {
  bloodType: 'AB-',
  allergies: 'Anaphylaxis to penicillin and shellfish',
  medicalNotes:
    'Type 2 diabetes mellitus, HbA1c 8.1%, on metformin. Insurance: Acme Mutual Health, member ID ZXQ-4471-9903.',
};
/** Staff have names too, and mail to them never carries them either. */
const DOCTOR = { email: 'dr.q9@clinic.example', firstName: 'Philippa', lastName: 'Featherstonehaugh' };
const INVITED = { email: 'staff.k3@clinic.example', firstName: 'Hieronymus', lastName: 'Vandersloot' };
const ADMIN = { email: 'it.c5@clinic.example', firstName: 'Theodosia', lastName: 'Ravenscroft' };

/** Every piece of PHI and every name above, in the forms it could take in a message. */
const FORBIDDEN = [
  // names
  'Zebulon',
  'Quixtaffer',
  'Marlowe',
  'Ottoline',
  'Brackenridge',
  'Philippa',
  'Featherstonehaugh',
  'Hieronymus',
  'Vandersloot',
  'Theodosia',
  'Ravenscroft',
  // the patient's phone and the emergency contact's, as typed, international, national and bare
  '+44 20 7946 0321',
  '+442079460321',
  '020 7946 0321',
  '02079460321',
  '2079460321',
  '7946 0321',
  '79460321',
  '+44 161 496 0754',
  '+441614960754',
  '0161 496 0754',
  '01614960754',
  '496 0754',
  '4960754',
  // date of birth
  '1962-07-19',
  '19620719',
  '19/07/1962',
  '07/19/1962',
  '7/19/1962',
  '19.07.1962',
  '19-07-1962',
  '07-19-1962',
  'July 19, 1962',
  'Jul 19, 1962',
  '19 July 1962',
  '19 Jul 1962',
  // address
  '4417 Marigold',
  'Marigold',
  'Terrace',
  'Whinging',
  'Surrey',
  'GU4 7XQ',
  // insurance
  'Acme',
  'Mutual',
  'ZXQ-4471-9903',
  'ZXQ',
  '4471-9903',
  // medical
  'AB-',
  'blood type',
  'Anaphylaxis',
  'penicillin',
  'shellfish',
  'diabetes',
  'mellitus',
  'HbA1c',
  '8.1%',
  'metformin',
  'allerg',
  'diagnos',
  'medical',
];

/** The PHI strings that occur in a text, ignoring case. */
function phiIn(text: string, among = FORBIDDEN): string[] {
  const lower = text.toLowerCase();
  return among.filter((s) => lower.includes(s.toLowerCase()));
}
/** In a message's headers (random boundaries and ids among them), the strings too long to occur by chance. */
const FORBIDDEN_IN_HEADERS = FORBIDDEN.filter((s) => s.length >= 6);

/** A 1×1 PNG for the clinic's logo. */
function tinyPng(): string {
  const png = new PNG({ width: 1, height: 1 });
  png.data.set([11, 92, 99, 255]);
  return PNG.sync.write(png).toString('base64');
}

const ALL_KINDS: Record<MailKind, true> = {
  verification: true,
  registration_attempt: true,
  password_reset: true,
  password_changed: true,
  account_locked: true,
  two_factor: true,
  invitation: true,
  welcome: true,
  test: true,
};

let mailbox: TestMailbox;
let smtpUrl: string;
beforeAll(async () => {
  mailbox = new TestMailbox();
  smtpUrl = await mailbox.start();
});
afterAll(() => mailbox.stop());

describe.each(ENGINES)('on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresUrl();
  let t: TestCore;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip('no PostgreSQL server for this run (see the warning at the start of the run)');
    mailbox.messages.length = 0;
    mailbox.refuse = false;
    t = await startTestCore(engine, { smtpUrl });
  });
  afterEach(async () => {
    await t?.stop();
  });

  const call = (callerId: string, channel: string, payload: unknown = {}) =>
    t.core.dispatch(channel, payload, { id: callerId });
  const valueOf = <T>(r: Awaited<ReturnType<typeof call>>): T => {
    if (!r.ok) throw new Error(`expected ok, got ${r.error.code} ${JSON.stringify(r.error.fields ?? {})}`);
    return r.value as T;
  };
  const ok = async (callerId: string, channel: string, payload: unknown = {}) =>
    valueOf<unknown>(await call(callerId, channel, payload));
  /** Moves past the current 30-second TOTP step, so a new code is not a replay. */
  const nextStep = () => t.clock.advance(31_000);

  /** The next mail of a subject to an address, after the outbox is kicked. */
  async function mailWith(to: string, subject: string): Promise<ReceivedMail> {
    await t.core.mail.kick();
    let found: ReceivedMail | undefined;
    await expect
      .poll(() => (found = mailbox.mailTo(to).find((m) => m.subject === subject && !taken.has(m))), {
        timeout: 10_000,
      })
      .toBeDefined();
    taken.add(found!);
    return found!;
  }
  const taken = new Set<ReceivedMail>();

  async function staffSignedIn(who: typeof DOCTOR, role: 'doctor' | 'admin', callerId: string) {
    await t.core.admin.createStaffAccount({ ...who, password: STAFF_PASSWORD, role });
    valueOf(await signIn(t.core, callerId, who.email, STAFF_PASSWORD));
    await enroll(t.core, callerId, t.clock.nowMs());
    await mailWith(who.email, 'Two-step verification is on');
    nextStep();
  }

  it('sends every kind of mail for a PHI-laden patient and named staff, and no mail or outbox row carries any of it', async () => {
    taken.clear();
    // The clinic's brand, as its administrator sets it up.
    await staffSignedIn(ADMIN, 'admin', 'admin');
    await ok('admin', 'mail.updateSettings', {
      values: { clinicName: CLINIC, portalLink: PORTAL },
      logo: { type: 'image/png', dataBase64: tinyPng() },
    });
    const beforeBrand = new Set(mailbox.messages); // the admin's own two-step notice
    expect(beforeBrand.size).toBe(1);
    await staffSignedIn(DOCTOR, 'doctor', 'doctor');

    // Registration: the verification code, then the welcome.
    await ok('kiosk', 'account.register', { ...PATIENT, confirmPassword: PATIENT.password });
    const verification = await mailWith(PATIENT.email, `Your ${CLINIC} verification code`);
    await ok('kiosk', 'account.verifyEmail', { email: PATIENT.email, code: codeIn(verification) });
    await mailWith(PATIENT.email, `Welcome to ${CLINIC}`);

    // The profile fills with PHI: the patient's own fields, and the doctor's medical ones.
    valueOf(await signIn(t.core, 'patient', PATIENT.email, PATIENT.password));
    const mine = valueOf<{ userId: number; phone: string; dateOfBirth: string; address: string }>(
      await call('patient', 'profile.update', PROFILE),
    );
    expect(mine).toMatchObject({ dateOfBirth: PROFILE.dateOfBirth, address: PROFILE.address });
    expect(phiIn(mine.phone ?? '')).not.toEqual([]); // the phone from the registration is in the profile
    const record = valueOf<{ medical: unknown; firstName: string }>(
      await call('doctor', 'patients.updateMedical', { patientId: mine.userId, ...MEDICAL }),
    );
    expect(record.medical).toEqual(MEDICAL);
    expect(record.firstName).toBe(PATIENT.firstName);

    // Someone registers again with the address, names and all.
    await ok('kiosk', 'account.register', {
      ...PATIENT,
      firstName: 'Zebulon',
      lastName: 'Quixtaffer',
      confirmPassword: PATIENT.password,
    });
    await mailWith(PATIENT.email, 'Someone tried to register with your email address');

    // Two-step verification: on, a backup code used, new backup codes, off.
    const { secret, backupCodes } = await enroll(t.core, 'patient', t.clock.nowMs());
    await mailWith(PATIENT.email, 'Two-step verification is on');
    await ok('patient', 'session.signOut');
    valueOf(await signIn(t.core, 'patient', PATIENT.email, PATIENT.password));
    await ok('patient', 'twoFactor.useBackupCode', { code: backupCodes[0]! });
    await mailWith(PATIENT.email, 'A backup code was used to sign in');
    nextStep();
    await ok('patient', 'twoFactor.regenerateBackupCodes', { code: oathCode(secret, t.clock.nowMs()) });
    await mailWith(PATIENT.email, 'New backup codes were made');
    nextStep();
    await ok('patient', 'twoFactor.disable', { password: PATIENT.password, code: oathCode(secret, t.clock.nowMs()) });
    await mailWith(PATIENT.email, 'Two-step verification is off');

    // The password changed by its owner.
    const changed = 'new horse battery staple';
    await ok('patient', 'session.changePassword', {
      currentPassword: PATIENT.password,
      newPassword: changed,
      confirmPassword: changed,
    });
    await mailWith(PATIENT.email, `Your ${CLINIC} password was changed`);

    // Two-step verification again, then reset by an administrator.
    await enroll(t.core, 'patient', t.clock.nowMs());
    await mailWith(PATIENT.email, 'Two-step verification is on');
    expect(valueOf<{ reset: boolean }>(await call('admin', 'users.resetTwoFactor', { email: PATIENT.email }))).toEqual({
      reset: true,
    });
    await mailWith(PATIENT.email, 'Your two-step verification was reset');

    // Locked after failed sign-ins.
    let lockedOut = false;
    for (let i = 0; i < 40 && !lockedOut; i++) {
      const r = await signIn(t.core, 'attacker', PATIENT.email, `wrong guess number ${i}`);
      lockedOut = !r.ok && r.error.code === 'ACCOUNT_LOCKED';
      t.clock.advance(20_000);
    }
    expect(lockedOut).toBe(true);
    await mailWith(PATIENT.email, `Your ${CLINIC} account was locked`);

    // Forgotten password: the reset code, then the notice that it was reset.
    await ok('kiosk', 'account.requestPasswordReset', { email: PATIENT.email });
    const reset = await mailWith(PATIENT.email, `Your ${CLINIC} password reset code`);
    const chosen = 'yet another horse staple';
    await ok('kiosk', 'account.resetPassword', {
      email: PATIENT.email,
      code: codeIn(reset),
      newPassword: chosen,
      confirmPassword: chosen,
    });
    const resetNotice = await mailWith(PATIENT.email, `Your ${CLINIC} password was changed`);
    expect(resetNotice.text).toContain('was reset with a code');

    // A staff invitation; the invited person sets their first password with it and is welcomed, not warned.
    await ok('admin', 'users.create', { ...INVITED, role: 'nurse' });
    const invitation = await mailWith(INVITED.email, `Your invitation to ${CLINIC}`);
    await ok('kiosk', 'account.resetPassword', {
      email: INVITED.email,
      code: codeIn(invitation),
      newPassword: STAFF_PASSWORD,
      confirmPassword: STAFF_PASSWORD,
    });
    const staffWelcome = await mailWith(INVITED.email, `Welcome to ${CLINIC}`);
    expect(staffWelcome.text).toContain(`Your password is set and your ${CLINIC} staff account is ready.`);

    // The administrator's test message.
    expect(valueOf<{ delivered: boolean }>(await call('admin', 'mail.sendTest', { to: ADMIN.email })).delivered).toBe(
      true,
    );
    await mailWith(ADMIN.email, `${CLINIC} test message`);

    // Everything queued has arrived, and nothing else.
    await t.core.mail.kick();
    const outbox = (await t.core.db.knex('mail_outbox').select().orderBy('id')) as Array<Record<string, unknown>>;
    await expect.poll(() => mailbox.messages.length).toBeGreaterThanOrEqual(outbox.length);
    const received = [...mailbox.messages];
    expect(received.length).toBe(taken.size);
    expect([...new Set(outbox.map((r) => r.kind))]).toEqual(
      expect.arrayContaining(Object.keys(ALL_KINDS).filter((k) => k !== 'test')),
    );
    expect(received.filter((m) => m.to === INVITED.email).map((m) => m.subject)).toEqual([
      `Your invitation to ${CLINIC}`,
      `Welcome to ${CLINIC}`,
    ]);
    expect(received.filter((m) => m.to === PATIENT.email).map((m) => m.subject)).toEqual([
      `Your ${CLINIC} verification code`,
      `Welcome to ${CLINIC}`,
      'Someone tried to register with your email address',
      'Two-step verification is on',
      'A backup code was used to sign in',
      'New backup codes were made',
      'Two-step verification is off',
      `Your ${CLINIC} password was changed`,
      'Two-step verification is on',
      'Your two-step verification was reset',
      `Your ${CLINIC} account was locked`,
      `Your ${CLINIC} password reset code`,
      `Your ${CLINIC} password was changed`,
    ]);

    // Every mail carries the brand: the clinic's name, its logo inline, and the bare portal link when it asks to act.
    for (const m of received.filter((r) => !beforeBrand.has(r))) {
      expect(m.text, m.subject).toContain(CLINIC);
      expect(m.html, m.subject).toContain(CLINIC);
      // mailparser turns the cid: reference into a data: URL of the attachment it names.
      expect(m.raw, m.subject).toMatch(new RegExp(`src=(3D)?"cid:${LOGO_CID}"`));
      expect(m.html, m.subject).toContain(`alt="${CLINIC} logo"`);
      expect(m.attachmentDetails.map((a) => a.cid)).toContain(LOGO_CID);
      if (m.subject !== `${CLINIC} test message`) expect(m.text, m.subject).toContain(PORTAL);
      // The only link is the portal's: no token, nothing that signs in.
      expect(m.text.match(/https?:\/\/\S+/g) ?? [], m.subject).toEqual(
        m.subject === `${CLINIC} test message` ? [] : [PORTAL],
      );
      expect(
        [...m.html.matchAll(/href="([^"]*)"/g)].map((h) => h[1]),
        m.subject,
      ).toEqual(m.subject === `${CLINIC} test message` ? [] : [PORTAL]);
    }

    // And none of the PHI, nor any name, in any subject, text, HTML or the raw message.
    for (const m of received) {
      expect(phiIn(m.subject), `subject of "${m.subject}"`).toEqual([]);
      expect(phiIn(m.text), `text of "${m.subject}"`).toEqual([]);
      // (The logo's data: URL is the clinic's image, and base64 can spell anything: it is left out.)
      expect(phiIn(m.html.replace(/data:[^"]*/g, '')), `HTML of "${m.subject}"`).toEqual([]);
      // The headers too: no display name beside an address, nothing in a Subject or any other header.
      const headers = m.raw.split(/\r?\n\r?\n/)[0]!;
      expect(headers).toMatch(/^subject:/im);
      expect(phiIn(headers, FORBIDDEN_IN_HEADERS), `headers of "${m.subject}"`).toEqual([]);
    }
    // Nor in what the outbox keeps: subjects, and any body not yet erased.
    const outboxKey = deriveKeys(t.masterKey).outbox;
    expect(outbox.length).toBeGreaterThanOrEqual(received.length - 1);
    for (const row of outbox) {
      const body = typeof row.body_encrypted === 'string' ? decrypt(outboxKey, row.body_encrypted, OUTBOX_CONTEXT) : '';
      expect(phiIn(`${JSON.stringify({ ...row, body_encrypted: null })}\n${body}`), String(row.subject)).toEqual([]);
    }
  }, 180_000);
});

/** Every template function with every variant, with what can be known of a person: their address. */
function everyDraft(to: string): Array<[string, MailDraft]> {
  return [
    ['verificationCodeMail', verificationCodeMail(to, '123456', 15)],
    ['registrationAttemptMail', registrationAttemptMail(to)],
    ['passwordResetCodeMail', passwordResetCodeMail(to, '123456', 15)],
    ['passwordChangedMail', passwordChangedMail(to, 'reset')],
    ['passwordChangedMail', passwordChangedMail(to, 'changed')],
    ['accountLockedMail', accountLockedMail(to, 15)],
    ['testMail', testMail(to)],
    ['twoFactorNoticeMail', twoFactorNoticeMail(to, 'enabled')],
    ['twoFactorNoticeMail', twoFactorNoticeMail(to, 'disabled')],
    ['twoFactorNoticeMail', twoFactorNoticeMail(to, 'reset')],
    ['twoFactorNoticeMail', twoFactorNoticeMail(to, 'backup_code_used', 9)],
    ['twoFactorNoticeMail', twoFactorNoticeMail(to, 'backup_codes_regenerated')],
    ['invitationMail', invitationMail(to, '123456', 72)],
    ['welcomeMail', welcomeMail(to, 'patient')],
    ['welcomeMail', welcomeMail(to, 'staff')],
  ];
}

describe('every template, rendered for the PHI-laden patient', () => {
  const brands: MailBrand[] = [
    { clinicName: '', portalLink: '', logo: false },
    { clinicName: CLINIC, portalLink: PORTAL, logo: true },
  ];

  it('covers every template function the module exports', () => {
    const exported = Object.entries(templates)
      .filter(([name, value]) => typeof value === 'function' && name !== 'renderMail')
      .map(([name]) => name);
    expect(new Set(everyDraft(PATIENT.email).map(([name]) => name))).toEqual(new Set(exported));
    expect(new Set(everyDraft(PATIENT.email).map(([, d]) => d.kind))).toEqual(new Set(Object.keys(ALL_KINDS)));
  });

  // Templates take only an address, codes and numbers, so this guards the detector (which must find the profile)
  // and any fixed text a template adds; the journey above is the test of what real mail carries.
  it('has a detector that finds the profile, and no PHI in the fixed text of any template', () => {
    expect(phiIn(JSON.stringify({ ...PATIENT, ...PROFILE, ...MEDICAL }))).toEqual(
      expect.arrayContaining(['Zebulon', '1962-07-19', 'ZXQ-4471-9903', 'penicillin', '+44 20 7946 0321']),
    );
    expect(phiIn(PATIENT.email)).toEqual([]);
    for (const brand of brands)
      for (const [name, draft] of everyDraft(PATIENT.email)) {
        const mail = renderMail(draft, brand);
        expect(mail.to).toBe(PATIENT.email);
        expect(phiIn(`${mail.subject}\n${mail.text}\n${mail.html}`), `${name} (${draft.kind})`).toEqual([]);
      }
  });
});

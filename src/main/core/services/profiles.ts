// Profiles: one's own, patients' for clinical staff (with restricted records and emergency access), and
// any user's for administrators with medical fields redacted. Every view of a patient's profile by someone
// else is audited with the patient and the data categories shown.
import type { Profile } from '../../../shared/profile';
import { decrypt, encrypt } from '../crypto/encryption';
import { DomainError } from '../domain-error';
import { reencodeAvatar } from '../images';
import { type ProfileRecord, dateOfBirthLookup, readProfile, writeProfile } from '../repositories/profiles';
import { type UserRow, findUserById, startsWithAny } from '../repositories/users';
import type { Handler, HandlerContext } from './handler';

type MedicalView = 'show' | 'redact';

function toProfile(
  user: UserRow,
  record: ProfileRecord,
  view: { medical: MedicalView; limited: boolean; emergencyAccessUntil: number | null },
): Profile {
  const isPatient = user.role === 'patient';
  const limited = view.limited;
  const p = record.phi;
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    role: user.role,
    limited,
    restricted: record.restricted,
    phone: limited ? null : p.phone,
    dateOfBirth: limited ? null : p.date_of_birth,
    address: limited ? null : p.address,
    emergencyContactName: limited ? null : p.emergency_contact_name,
    emergencyContactPhone: limited ? null : p.emergency_contact_phone,
    staff: isPatient
      ? null
      : { employeeId: record.employeeId, department: record.department, specialization: record.specialization },
    medical:
      !isPatient || limited || view.medical === 'redact'
        ? null
        : { bloodType: p.blood_type, allergies: p.allergies, medicalNotes: p.medical_notes },
    medicalRedacted: isPatient && !limited && view.medical === 'redact',
    emergencyAccessUntil: view.emergencyAccessUntil,
  };
}

async function activeEmergencyAccess(ctx: HandlerContext, patientId: number): Promise<number | null> {
  const row = (await ctx
    .trx('emergency_access')
    .where({ user_id: ctx.session!.user.id, patient_id: patientId })
    .where('expires_at', '>', ctx.nowMs)
    .max({ until: 'expires_at' })
    .first()) as { until: number | null } | undefined;
  return row?.until == null ? null : Number(row.until);
}

async function patientOr404(ctx: HandlerContext, patientId: number): Promise<UserRow> {
  const user = await findUserById(ctx.trx, patientId);
  // Not a patient, or no such user: the same answer, so ids reveal nothing.
  if (!user || user.role !== 'patient') throw new DomainError('NOT_FOUND');
  return user;
}

/** Reads a patient's profile as the clinical caller may see it, and records the view. */
async function clinicalView(ctx: HandlerContext, patient: UserRow): Promise<Profile> {
  const record = await readProfile(ctx.trx, ctx.keys, patient.id);
  const until = record.restricted ? await activeEmergencyAccess(ctx, patient.id) : null;
  const limited = record.restricted && until === null;
  ctx.setAuditSubject({
    resourceId: patient.id,
    patientId: patient.id,
    dataCategory: limited ? 'name' : 'demographics,medical',
    details: until !== null ? { emergencyAccess: true } : undefined,
  });
  return toProfile(patient, record, { medical: 'show', limited, emergencyAccessUntil: until });
}

export const getOwnProfile: Handler<'profile.get'> = async (ctx) => {
  const user = (await findUserById(ctx.trx, ctx.session!.user.id))!;
  ctx.setAuditSubject({ resourceId: user.id });
  return toProfile(user, await readProfile(ctx.trx, ctx.keys, user.id), {
    medical: 'show',
    limited: false,
    emergencyAccessUntil: null,
  });
};

export const updateOwnProfile: Handler<'profile.update'> = async (ctx, input) => {
  const user = (await findUserById(ctx.trx, ctx.session!.user.id))!;
  if (user.role === 'patient' && (input.department !== undefined || input.specialization !== undefined)) {
    throw new DomainError('INVALID_INPUT', { department: 'Only staff have a department and specialization.' });
  }
  await writeProfile(
    ctx.trx,
    ctx.keys,
    user.id,
    {
      phi: {
        phone: input.phone,
        date_of_birth: input.dateOfBirth,
        address: input.address,
        emergency_contact_name: input.emergencyContactName,
        emergency_contact_phone: input.emergencyContactPhone,
      },
      department: input.department,
      specialization: input.specialization,
    },
    ctx.nowMs,
  );
  // Which fields changed, never their values.
  ctx.setAuditSubject({ resourceId: user.id, details: { fields: Object.keys(input).join(',') } });
  return toProfile(user, await readProfile(ctx.trx, ctx.keys, user.id), {
    medical: 'show',
    limited: false,
    emergencyAccessUntil: null,
  });
};

const PAGE = 25;

function encodeCursor(values: Array<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor<T>(cursor: string | null): T | null {
  if (!cursor) return null;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new DomainError('INVALID_INPUT', { cursor: 'This list position is not valid; start again.' });
  }
}

export const searchPatients: Handler<'patients.search'> = async (ctx, input) => {
  const after = decodeCursor<[string, string, number]>(input.cursor);
  const query = ctx
    .trx('users')
    .leftJoin('profiles', 'profiles.user_id', 'users.id')
    .where('users.role', 'patient')
    .where('users.is_active', true)
    .select('users.id', 'users.first_name', 'users.last_name', 'users.email', 'profiles.restricted')
    .orderBy([
      { column: 'users.last_name', order: 'asc' },
      { column: 'users.first_name', order: 'asc' },
      { column: 'users.id', order: 'asc' },
    ])
    .limit(PAGE + 1);
  if (/^\d{4}-\d{2}-\d{2}$/.test(input.query)) {
    query.where('profiles.date_of_birth_lookup', dateOfBirthLookup(ctx.keys.phiLookup, input.query));
  } else {
    const words = input.query.split(/\s+/);
    query.where((q) => {
      startsWithAny(q, ['users.email', 'users.first_name', 'users.last_name'], input.query);
      // "Ada Lovelace": first and last name together.
      if (words.length === 2) {
        q.orWhere((both) => {
          startsWithAny(both, ['users.first_name'], words[0]!);
          startsWithAny(both, ['users.last_name'], words[1]!);
        });
      }
    });
  }
  if (after) {
    const [last, first, id] = after;
    query.where((q) =>
      q
        .where('users.last_name', '>', last)
        .orWhere((q2) => q2.where('users.last_name', last).where('users.first_name', '>', first))
        .orWhere((q3) => q3.where('users.last_name', last).where('users.first_name', first).where('users.id', '>', id)),
    );
  }
  const rows = (await query) as Array<{
    id: number;
    first_name: string;
    last_name: string;
    email: string;
    restricted: boolean | number | null;
  }>;
  const page = rows.slice(0, PAGE);
  const patients = [];
  for (const row of page) {
    const restricted = row.restricted === true || row.restricted === 1;
    const record = restricted ? null : await readProfile(ctx.trx, ctx.keys, row.id);
    patients.push({
      id: row.id,
      firstName: row.first_name,
      lastName: row.last_name,
      // A restricted record shows its name only, in search results as on its page.
      email: restricted ? null : row.email,
      dateOfBirth: record?.phi.date_of_birth ?? null,
      restricted,
    });
  }
  const last = page[page.length - 1];
  ctx.setAuditSubject({ details: { results: patients.length } });
  return {
    patients,
    nextCursor: rows.length > PAGE && last ? encodeCursor([last.last_name, last.first_name, last.id]) : null,
  };
};

export const getPatient: Handler<'patients.get'> = async (ctx, input) =>
  clinicalView(ctx, await patientOr404(ctx, input.patientId));

export const updateMedical: Handler<'patients.updateMedical'> = async (ctx, input) => {
  const patient = await patientOr404(ctx, input.patientId);
  const record = await readProfile(ctx.trx, ctx.keys, patient.id);
  if (record.restricted && (await activeEmergencyAccess(ctx, patient.id)) === null) throw new DomainError('FORBIDDEN');
  await writeProfile(
    ctx.trx,
    ctx.keys,
    patient.id,
    { phi: { blood_type: input.bloodType, allergies: input.allergies, medical_notes: input.medicalNotes } },
    ctx.nowMs,
  );
  const view = await clinicalView(ctx, patient);
  ctx.setAuditSubject({
    patientId: patient.id,
    dataCategory: 'medical',
    details: {
      fields: Object.keys(input)
        .filter((k) => k !== 'patientId')
        .join(','),
    },
  });
  return view;
};

export const setRestricted: Handler<'patients.setRestricted'> = async (ctx, input) => {
  const patient = await patientOr404(ctx, input.patientId);
  await writeProfile(
    ctx.trx,
    ctx.keys,
    patient.id,
    { restricted: { value: input.restricted, by: ctx.session!.user.id } },
    ctx.nowMs,
  );
  ctx.setAuditSubject({ resourceId: patient.id, patientId: patient.id, details: { restricted: input.restricted } });
  return { restricted: input.restricted };
};

export const breakGlass: Handler<'patients.breakGlass'> = async (ctx, input) => {
  const patient = await patientOr404(ctx, input.patientId);
  const record = await readProfile(ctx.trx, ctx.keys, patient.id);
  if (!record.restricted)
    throw new DomainError('INVALID_INPUT', { patientId: 'This record is not restricted: open it directly.' });
  const expiresAt = ctx.nowMs + ctx.settings.emergencyAccessMinutes * 60_000;
  await ctx.trx('emergency_access').insert({
    user_id: ctx.session!.user.id,
    patient_id: patient.id,
    reason: input.reason,
    started_at: ctx.nowMs,
    expires_at: expiresAt,
  });
  ctx.setAuditSubject({ resourceId: patient.id, patientId: patient.id, reason: input.reason, details: { expiresAt } });
  return { expiresAt };
};

/** An administrator's view of any user: accounts are theirs to manage, medical fields are not theirs to read. */
export const getUserProfile: Handler<'users.get'> = async (ctx, input) => {
  const user = await findUserById(ctx.trx, input.userId);
  if (!user) throw new DomainError('NOT_FOUND');
  const record = await readProfile(ctx.trx, ctx.keys, user.id);
  ctx.setAuditSubject({
    resourceId: user.id,
    ...(user.role === 'patient' ? { patientId: user.id, dataCategory: 'demographics' } : {}),
  });
  return toProfile(user, record, { medical: 'redact', limited: false, emergencyAccessUntil: null });
};

const AVATAR_CONTEXT = (userId: number) => `avatars.png:${userId}`;

export const setAvatar: Handler<'profile.setAvatar'> = async (ctx, input) => {
  const userId = ctx.session!.user.id;
  if (input.image === '') {
    await ctx.trx('avatars').where({ user_id: userId }).delete();
    return { avatar: null };
  }
  const png = reencodeAvatar(input.image);
  const sealed = encrypt(ctx.keys.phi, png.toString('base64'), AVATAR_CONTEXT(userId));
  await ctx
    .trx('avatars')
    .insert({ user_id: userId, png_enc: sealed, updated_at: ctx.nowMs })
    .onConflict('user_id')
    .merge();
  ctx.setAuditSubject({ resourceId: userId, details: { bytes: png.length } });
  return { avatar: `data:image/png;base64,${png.toString('base64')}` };
};

/** One's own avatar; a patient's for their clinicians (a restricted one only with emergency access); anyone's for admins. */
export const getAvatar: Handler<'profile.getAvatar'> = async (ctx, input) => {
  const me = ctx.session!.user;
  const userId = input.userId ?? me.id;
  if (userId !== me.id) {
    const target = await findUserById(ctx.trx, userId);
    if (!target) throw new DomainError('NOT_FOUND');
    if (me.role === 'patient') throw new DomainError('FORBIDDEN');
    if (me.role !== 'admin') {
      if (target.role !== 'patient') throw new DomainError('FORBIDDEN');
      const record = await readProfile(ctx.trx, ctx.keys, userId);
      if (record.restricted && (await activeEmergencyAccess(ctx, userId)) === null) throw new DomainError('FORBIDDEN');
    }
    if (target.role === 'patient')
      ctx.setAuditSubject({ resourceId: userId, patientId: userId, dataCategory: 'photo' });
  }
  const row = (await ctx.trx('avatars').where({ user_id: userId }).first('png_enc')) as { png_enc: string } | undefined;
  return { avatar: row ? `data:image/png;base64,${decrypt(ctx.keys.phi, row.png_enc, AVATAR_CONTEXT(userId))}` : null };
};

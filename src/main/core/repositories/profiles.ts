// Profiles: PHI fields encrypted at rest (AES-256-GCM, each ciphertext bound to its field and user), staff
// fields in the clear, and whether the record is restricted.
import type { Knex } from 'knex';
import { decrypt, encrypt } from '../crypto/encryption';
import { keyedHash } from '../crypto/hmac';

export const PHI_FIELDS = [
  'phone',
  'date_of_birth',
  'address',
  'emergency_contact_name',
  'emergency_contact_phone',
  'blood_type',
  'allergies',
  'medical_notes',
] as const;
export type PhiField = (typeof PHI_FIELDS)[number];

export interface ProfileRecord {
  userId: number;
  phi: Record<PhiField, string | null>;
  employeeId: string | null;
  department: string | null;
  specialization: string | null;
  restricted: boolean;
}

export interface PhiKeys {
  phi: Buffer;
  phiLookup: Buffer;
}

const context = (field: PhiField, userId: number) => `profiles.${field}:${userId}`;

export function dateOfBirthLookup(key: Buffer, dateOfBirth: string): string {
  return keyedHash(key, `dob:${dateOfBirth}`);
}

type Row = Record<string, unknown> & { user_id: number };

function toRecord(keys: PhiKeys, userId: number, row: Row | undefined): ProfileRecord {
  const phi = Object.fromEntries(
    PHI_FIELDS.map((f) => {
      const sealed = row?.[`${f}_enc`] as string | null | undefined;
      return [f, sealed ? decrypt(keys.phi, sealed, context(f, userId)) : null];
    }),
  ) as Record<PhiField, string | null>;
  return {
    userId,
    phi,
    employeeId: (row?.['employee_id'] as string | null) ?? null,
    department: (row?.['department'] as string | null) ?? null,
    specialization: (row?.['specialization'] as string | null) ?? null,
    restricted: row?.['restricted'] === true || row?.['restricted'] === 1,
  };
}

export async function readProfile(db: Knex | Knex.Transaction, keys: PhiKeys, userId: number): Promise<ProfileRecord> {
  const row = (await db('profiles').where({ user_id: userId }).first()) as Row | undefined;
  return toRecord(keys, userId, row);
}

export interface ProfileChanges {
  phi?: Partial<Record<PhiField, string | null>>;
  employeeId?: string | null;
  department?: string | null;
  specialization?: string | null;
  restricted?: { value: boolean; by: number };
}

/** Writes the given fields (an empty string clears one); creates the profile row when there is none. */
export async function writeProfile(
  trx: Knex.Transaction,
  keys: PhiKeys,
  userId: number,
  changes: ProfileChanges,
  nowMs: number,
): Promise<void> {
  const values: Record<string, unknown> = { updated_at: nowMs };
  for (const [field, value] of Object.entries(changes.phi ?? {}) as Array<[PhiField, string | null | undefined]>) {
    if (value === undefined) continue;
    const clear = value === null || value === '';
    values[`${field}_enc`] = clear ? null : encrypt(keys.phi, value, context(field, userId));
    if (field === 'date_of_birth')
      values['date_of_birth_lookup'] = clear ? null : dateOfBirthLookup(keys.phiLookup, value);
  }
  for (const [column, value] of [
    ['employee_id', changes.employeeId],
    ['department', changes.department],
    ['specialization', changes.specialization],
  ] as const) {
    if (value !== undefined) values[column] = value === '' ? null : value;
  }
  if (changes.restricted) {
    values['restricted'] = changes.restricted.value;
    values['restricted_at'] = changes.restricted.value ? nowMs : null;
    values['restricted_by'] = changes.restricted.value ? changes.restricted.by : null;
  }
  await trx('profiles')
    .insert({ user_id: userId, restricted: false, ...values })
    .onConflict('user_id')
    .merge(values);
}

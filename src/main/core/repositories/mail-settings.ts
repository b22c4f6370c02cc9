// The mail settings an admin saved, in the `settings` table under 'mail': the server keys they set, the server
// password encrypted with its own derived key (never stored or returned in clear), the clinic's logo, and the
// Business Associate Agreement confirmation.
import type { Knex } from 'knex';
import {
  type BaaRecord,
  baaRecordSchema,
  type MailLogo,
  mailLogoSchema,
  type MailSettingsPatch,
  mailSettingsSchema,
} from '../../../shared/mail';

const MAIL_KEY = 'mail';

export interface SavedMail {
  values: MailSettingsPatch;
  /** AES-GCM ciphertext of the server password (context PASSWORD_CONTEXT), or null. */
  passwordEncrypted: string | null;
  logo: MailLogo | null;
  baa: BaaRecord | null;
}

export const MAIL_PASSWORD_CONTEXT = 'settings.mail.password';

export const NOTHING_SAVED: SavedMail = { values: {}, passwordEncrypted: null, logo: null, baa: null };

export async function loadSavedMail(db: Knex | Knex.Transaction): Promise<SavedMail> {
  const row = (await db('settings').where({ key: MAIL_KEY }).first()) as { value: string } | undefined;
  if (!row) return NOTHING_SAVED;
  const stored = JSON.parse(row.value) as Partial<Record<keyof SavedMail, unknown>>;
  // A stored value that no longer validates (a rule tightened in a new version) is dropped, key by key.
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((stored.values ?? {}) as Record<string, unknown>)) {
    const candidate = mailSettingsSchema.shape[key as keyof typeof mailSettingsSchema.shape]?.safeParse(value);
    if (candidate?.success) values[key] = candidate.data;
  }
  const logo = mailLogoSchema.safeParse(stored.logo);
  const baa = baaRecordSchema.safeParse(stored.baa);
  return {
    values: values as MailSettingsPatch,
    passwordEncrypted: typeof stored.passwordEncrypted === 'string' ? stored.passwordEncrypted : null,
    logo: logo.success ? logo.data : null,
    baa: baa.success ? baa.data : null,
  };
}

export async function saveMail(trx: Knex.Transaction, saved: SavedMail, userId: number | null, nowMs: number) {
  await trx('settings')
    .insert({ key: MAIL_KEY, value: JSON.stringify(saved), updated_at: nowMs, updated_by: userId })
    .onConflict('key')
    .merge();
}

// Settings an admin saved in the database, merged over the built-in defaults and validated.
import type { Knex } from 'knex';
import { DEFAULT_SECURITY_SETTINGS, type SecuritySettings, securitySettingsSchema } from '../../../shared/settings';

const SECURITY_KEY = 'security';

export async function loadSecuritySettings(db: Knex | Knex.Transaction): Promise<SecuritySettings> {
  const row = (await db('settings').where({ key: SECURITY_KEY }).first()) as { value: string } | undefined;
  if (!row) return DEFAULT_SECURITY_SETTINGS;
  // A stored value that no longer validates (a bound tightened in a new version) falls back to its default.
  const stored = JSON.parse(row.value) as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    const candidate = securitySettingsSchema.shape[key as keyof SecuritySettings]?.safeParse(value);
    if (candidate?.success) merged[key] = candidate.data;
  }
  return securitySettingsSchema.parse(merged);
}

/** Saves the values that differ from the defaults; returns the settings now in force. */
export async function saveSecuritySettings(
  trx: Knex.Transaction,
  values: SecuritySettings,
  userId: number | null,
  nowMs: number,
): Promise<void> {
  const changed = Object.fromEntries(
    Object.entries(values).filter(
      ([key, value]) =>
        JSON.stringify(DEFAULT_SECURITY_SETTINGS[key as keyof SecuritySettings]) !== JSON.stringify(value),
    ),
  );
  await trx('settings')
    .insert({ key: SECURITY_KEY, value: JSON.stringify(changed), updated_at: nowMs, updated_by: userId })
    .onConflict('key')
    .merge();
}

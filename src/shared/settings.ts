// The security settings an admin may change, with their bounds and defaults. The core validates every
// change against this schema; the admin screen shows the defaults beside the values in force.
import { MIN_AUDIT_RETENTION_YEARS } from './audit';
import { z } from 'zod';
import { ROLES } from './roles';

const int = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const securitySettingsSchema = z.strictObject({
  /** Never below 8 (NIST SP 800-63B); 12 by default. */
  passwordMinLength: int(8, 64, 12),
  /** The original system's rule (an upper-case letter, a lower-case letter and a digit); off, as NIST advises. */
  passwordRequireComposition: z.boolean().default(false),
  /** After this many consecutive failures each further sign-in attempt waits longer. */
  signInThrottleAfter: int(1, 20, 5),
  /** After this many consecutive failures the account locks. */
  lockoutThreshold: int(3, 50, 10),
  lockoutMinutes: int(1, 24 * 60, 15),
  /** Failed sign-ins allowed from one workstation in 15 minutes, across all accounts (password spraying). */
  workstationFailureLimit: int(10, 1000, 50),
  sessionIdleMinutes: int(1, 60, 15),
  sessionAbsoluteHours: int(1, 24, 12),
  codeValidMinutes: int(5, 60, 10),
  codeMaxAttempts: int(3, 10, 5),
  codeResendIntervalSeconds: int(30, 600, 60),
  codeResendPerHour: int(1, 20, 5),
  /** argon2id memory in KiB; the OWASP minimum is 19 MiB. Raising it rehashes each password at its next sign-in. */
  argon2MemoryKiB: int(19 * 1024, 1024 * 1024, 19 * 1024),
  argon2Iterations: int(2, 10, 2),
  /** How long emergency access to a restricted record lasts. */
  emergencyAccessMinutes: int(5, 24 * 60, 60),
  /** How long audit events are kept before they may be archived: HIPAA asks six years at least. */
  auditRetentionYears: int(MIN_AUDIT_RETENTION_YEARS, 100, MIN_AUDIT_RETENTION_YEARS),
  /** Roles whose users must use two-step verification; taken to enrollment right after their password. */
  twoFactorRequiredRoles: z
    .array(z.enum(ROLES))
    .max(ROLES.length)
    .refine((roles) => new Set(roles).size === roles.length, 'Each role once.')
    .default(['admin', 'doctor', 'nurse']),
});

export type SecuritySettings = z.output<typeof securitySettingsSchema>;

type SettingsShape = typeof securitySettingsSchema.shape;

/**
 * Any subset of the settings with exactly the same bounds, and no default filled in for a key left out: an
 * admin's change, or the settings a machine policy fixes. Strict, so a misspelt key is an error.
 */
export const securitySettingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(securitySettingsSchema.shape).map(([key, schema]) => [key, schema.removeDefault().optional()]),
  ) as { [K in keyof SettingsShape]: z.ZodOptional<ReturnType<SettingsShape[K]['removeDefault']>> },
);

export type SecuritySettingsPatch = z.output<typeof securitySettingsPatchSchema>;

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = securitySettingsSchema.parse({});

/** What each setting means, for the admin screen. */
export const SECURITY_SETTING_LABELS: Record<keyof SecuritySettings, string> = {
  passwordMinLength: 'Minimum password length (characters)',
  passwordRequireComposition: 'Require upper-case, lower-case and a digit',
  signInThrottleAfter: 'Slow down sign-in after this many failures',
  lockoutThreshold: 'Lock the account after this many failures',
  lockoutMinutes: 'Lockout duration (minutes)',
  workstationFailureLimit: 'Failed sign-ins per workstation per 15 minutes',
  sessionIdleMinutes: 'Lock the screen after idle (minutes)',
  sessionAbsoluteHours: 'End a session after (hours)',
  codeValidMinutes: 'Email code valid for (minutes)',
  codeMaxAttempts: 'Wrong tries before an email code is dead',
  codeResendIntervalSeconds: 'Minimum time between email codes (seconds)',
  codeResendPerHour: 'Email codes per account per hour',
  argon2MemoryKiB: 'Password hashing memory (KiB)',
  argon2Iterations: 'Password hashing passes',
  twoFactorRequiredRoles: 'Roles that must use two-step verification',
  emergencyAccessMinutes: 'Emergency access lasts (minutes)',
  auditRetentionYears: 'Keep audit events at least (years)',
};

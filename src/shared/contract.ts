// The IPC contract: every channel a renderer may call, its input and output schemas, who may call it,
// and how it is audited. The preload, the browser preview's client and the core's dispatch are all built from it.
import { z } from 'zod';
import type { Permission } from './roles';
import {
  emailCodeSchema,
  emailSchema,
  newPasswordFields,
  passwordSchema,
  personNameSchema,
  roleSchema,
  registrationSchema,
  userSummarySchema,
} from './schemas';
import { securitySettingsPatchSchema, securitySettingsSchema } from './settings';
import {
  MAIL_CATEGORIES,
  MAIL_STATES,
  baaRecordSchema,
  mailDeliveryStatusSchema,
  mailLogoSchema,
  mailSettingsPatchSchema,
  mailSettingsSchema,
} from './mail';
import {
  type AuditAction,
  auditCursorSchema,
  auditEventSchema,
  auditFiltersSchema,
  auditJobSchema,
  checkpointSchema,
} from './audit';
import { medicalUpdateSchema, ownProfileUpdateSchema, profileSchema } from './profile';
import { ROLES } from './roles';

/** Every channel travels over IPC as this prefix plus its name. */
export const CHANNEL_PREFIX = 'hs:';

/**
 * The one message the core pushes to a renderer, outside request and answer: "your session was locked or ended
 * by this computer (screen lock, sleep, idle); ask session.current". It carries nothing else. Electron sends it on
 * this IPC channel to the app's own window only; the browser preview sends `{ type: 'session-changed' }` over
 * that page's socket.
 */
export const SESSION_CHANGED_CHANNEL = `${CHANNEL_PREFIX}event:session-changed`;

/** What window.api offers besides the channels: that one push. */
export interface SessionChangeEvents {
  /** Calls `listener`, with nothing, each time the push arrives; returns a function that stops it. */
  onSessionChange(listener: () => void): () => void;
}

/**
 * Why a session was locked: 'idle' without requests to the app for the idle time; 'screen-locked' the OS screen
 * locked; 'suspend' the computer went to sleep; 'system-idle' no keyboard or mouse input on the whole computer
 * for the idle time. The same words are the audit event's details.reason.
 */
export const LOCK_REASONS = ['idle', 'screen-locked', 'suspend', 'system-idle'] as const;
export type LockReason = (typeof LOCK_REASONS)[number];

/** Actions recorded in the audit trail. */
export { AUDIT_ACTIONS, type AuditAction } from './audit';

/**
 * Who may call a channel:
 * - 'public': anyone, signed in or not (sign-in, registration);
 * - 'session': any signed-in user;
 * - a permission: a signed-in user whose role has it.
 */
export type Access = 'public' | 'session' | Permission;

export type TwoFactorState = 'pending' | 'enroll';
const BOTH_STATES: ReadonlyArray<TwoFactorState> = ['pending', 'enroll'];

/** A TOTP code from an authenticator app: 6 digits; spaces and the "123 456" grouping are accepted. */
const totpCodeSchema = z
  .string()
  .max(20, 'Enter the 6-digit code from your authenticator app.')
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.'));

/** A backup code as printed (XXXXX-XXXXX), in any case, with or without the dash and spaces. */
const backupCodeSchema = z
  .string()
  .max(40, 'Enter a backup code as printed, for example ABCDE-FGHJK.')
  .transform((s) => s.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-Z2-9]{10}$/, 'Enter a backup code as printed, for example ABCDE-FGHJK.'));

/** Either kind of second factor, for a password reset of an account that has two-step verification. */
const secondFactorSchema = z
  .string()
  .max(40, 'Enter the code from your authenticator app or a backup code.')
  .transform((s) => s.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(/^(\d{6}|[A-Z2-9]{10})$/, 'Enter the code from your authenticator app or a backup code.'));

const twoFactorStatusSchema = z.enum(['complete', 'pending', 'enroll']);

export interface ChannelSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  access: Access;
  /**
   * Whether the request counts as activity that keeps the session from going idle. A status check does not;
   * nor does anything allowed while the screen is locked.
   */
  activity?: false;
  /** Allowed while the session is locked (unlock, switch user, status). */
  whileLocked?: true;
  /**
   * Two-step verification states, besides a completed sign-in, in which the channel may be called:
   * 'pending' (password given, code not yet) and 'enroll' (the role requires 2FA and none is set up).
   * Any other channel answers TWO_FACTOR_REQUIRED in those states.
   */
  twoFactorStates?: ReadonlyArray<TwoFactorState>;
  /** Allowed while an administrator requires this user to choose a new password (only that, and leaving). */
  duringPasswordChange?: true;
  /** A sensitive action: the caller's password must have been confirmed in the last 15 minutes. */
  reauth?: true;
  /** A larger payload limit than the default, for the one channel that carries an image. */
  maxPayloadBytes?: number;
  /**
   * Allowed on a front-desk kiosk (machine policy `kioskMode`): patient registration, email verification, the
   * status calls of the kiosk's start screen, and the kiosk's own channels. Every other channel answers KIOSK_MODE
   * there, before anything else is looked at (src/main/core/kiosk.ts).
   */
  kiosk?: true;
  /** The audit action of the request; a failed request may be recorded under its own action. */
  audit: { action: AuditAction; onFailure?: AuditAction; resourceType: string };
}

function channel<I extends z.ZodType, O extends z.ZodType>(spec: ChannelSpec<I, O>): ChannelSpec<I, O> {
  return spec;
}

const empty = z.strictObject({});

export const contract = {
  'account.register': channel({
    input: registrationSchema,
    // The same answer whether or not the email already had an account: nothing reveals who is registered.
    output: z.object({ email: z.string() }),
    access: 'public',
    kiosk: true,
    audit: { action: 'USER_CREATED', resourceType: 'user' },
  }),
  'account.verifyEmail': channel({
    input: z.strictObject({ email: emailSchema, code: emailCodeSchema }),
    output: z.object({ verified: z.literal(true) }),
    access: 'public',
    kiosk: true,
    audit: { action: 'EMAIL_VERIFIED', resourceType: 'user' },
  }),
  'account.resendCode': channel({
    input: z.strictObject({ email: emailSchema }),
    output: z.object({ email: z.string() }),
    access: 'public',
    kiosk: true,
    audit: { action: 'EMAIL_CODE_SENT', resourceType: 'user' },
  }),
  'account.passwordPolicy': channel({
    input: empty,
    output: z.object({ minLength: z.number().int(), requireComposition: z.boolean() }),
    access: 'public',
    activity: false,
    kiosk: true,
    audit: { action: 'VIEW', resourceType: 'settings' },
  }),
  'account.requestPasswordReset': channel({
    input: z.strictObject({ email: emailSchema }),
    // The same answer whether or not the email has an account.
    output: z.object({ email: z.string() }),
    access: 'public',
    audit: { action: 'PASSWORD_RESET_REQUESTED', resourceType: 'user' },
  }),
  'account.resetPassword': channel({
    input: z
      .strictObject({
        email: emailSchema,
        code: emailCodeSchema,
        ...newPasswordFields,
        /** Needed when the account has two-step verification: a current code or a backup code. */
        secondFactor: secondFactorSchema.optional(),
      })
      .refine((v) => v.newPassword === v.confirmPassword, {
        message: 'The passwords do not match.',
        path: ['confirmPassword'],
      }),
    output: z.object({ reset: z.literal(true) }),
    access: 'public',
    audit: { action: 'PASSWORD_RESET', resourceType: 'user' },
  }),
  'session.signIn': channel({
    input: z.strictObject({ email: emailSchema, password: passwordSchema }),
    // twoFactor 'pending': a code is needed next; 'enroll': the role requires 2FA and it must be set up first.
    output: z.object({ user: userSummarySchema, twoFactor: twoFactorStatusSchema, mustChangePassword: z.boolean() }),
    access: 'public',
    audit: { action: 'LOGIN', onFailure: 'LOGIN_FAILED', resourceType: 'session' },
  }),
  'session.current': channel({
    input: empty,
    output: z.object({
      user: userSummarySchema.nullable(),
      /** The screen is locked after idle time: only this user's password, or switching user, goes on. */
      locked: z.boolean(),
      /** Why, when locked (absent otherwise). */
      lockReason: z.enum(LOCK_REASONS).optional(),
      /** Seconds until the session locks for lack of activity; null when signed out or locked. */
      idleLockInSeconds: z.number().int().nullable(),
      /** Where the sign-in stands on two-step verification; null when signed out. */
      twoFactor: twoFactorStatusSchema.nullable(),
      /** An administrator requires a new password before anything else. */
      mustChangePassword: z.boolean(),
    }),
    access: 'public',
    activity: false,
    whileLocked: true,
    twoFactorStates: BOTH_STATES,
    duringPasswordChange: true,
    // A kiosk has no session: the answer is "signed out", which is all the start screen needs to know.
    kiosk: true,
    audit: { action: 'VIEW', resourceType: 'session' },
  }),
  'session.unlock': channel({
    input: z.strictObject({ password: passwordSchema }),
    output: z.object({ user: userSummarySchema }),
    access: 'session',
    whileLocked: true,
    audit: { action: 'SESSION_UNLOCKED', onFailure: 'LOGIN_FAILED', resourceType: 'session' },
  }),
  'session.signOut': channel({
    input: empty,
    output: z.object({ signedOut: z.literal(true) }),
    access: 'session',
    whileLocked: true,
    twoFactorStates: BOTH_STATES,
    duringPasswordChange: true,
    audit: { action: 'LOGOUT', resourceType: 'session' },
  }),
  'session.changePassword': channel({
    input: z
      .strictObject({ currentPassword: passwordSchema, ...newPasswordFields })
      .refine((v) => v.newPassword === v.confirmPassword, {
        message: 'The passwords do not match.',
        path: ['confirmPassword'],
      }),
    output: z.object({ changed: z.literal(true), otherSessionsEnded: z.number().int() }),
    access: 'session',
    duringPasswordChange: true,
    audit: { action: 'PASSWORD_CHANGED', resourceType: 'user' },
  }),
  'session.list': channel({
    input: empty,
    output: z.object({
      sessions: z.array(
        z.object({
          id: z.number().int(),
          workstation: z.string(),
          startedAt: z.number().int(),
          lastActiveAt: z.number().int(),
          current: z.boolean(),
        }),
      ),
    }),
    access: 'session',
    audit: { action: 'VIEW', resourceType: 'session' },
  }),
  'session.end': channel({
    input: z.strictObject({ sessionId: z.number().int().positive() }),
    output: z.object({ ended: z.literal(true) }),
    access: 'session',
    audit: { action: 'SESSION_ENDED', resourceType: 'session' },
  }),
  'twoFactor.status': channel({
    input: empty,
    output: z.object({ enabled: z.boolean(), required: z.boolean(), backupCodesRemaining: z.number().int() }),
    access: 'session',
    audit: { action: 'VIEW', resourceType: 'two_factor' },
  }),
  'twoFactor.beginEnrollment': channel({
    input: empty,
    // The user's own new secret, shown once to be scanned or typed into an authenticator app; never logged or audited.
    output: z.object({ otpauthUri: z.string(), qrCodeDataUrl: z.string(), manualKey: z.string() }),
    access: 'session',
    twoFactorStates: ['enroll'],
    audit: { action: 'TWO_FACTOR_ENROLLMENT_STARTED', resourceType: 'two_factor' },
  }),
  'twoFactor.confirmEnrollment': channel({
    input: z.strictObject({ code: totpCodeSchema }),
    output: z.object({ backupCodes: z.array(z.string()) }),
    access: 'session',
    twoFactorStates: ['enroll'],
    audit: { action: 'TWO_FACTOR_ENABLED', resourceType: 'two_factor' },
  }),
  'twoFactor.verify': channel({
    input: z.strictObject({ code: totpCodeSchema }),
    output: z.object({ user: userSummarySchema }),
    access: 'session',
    twoFactorStates: ['pending'],
    audit: { action: 'TWO_FACTOR_VERIFIED', onFailure: 'TWO_FACTOR_FAILED', resourceType: 'session' },
  }),
  'twoFactor.useBackupCode': channel({
    input: z.strictObject({ code: backupCodeSchema }),
    output: z.object({ user: userSummarySchema, backupCodesRemaining: z.number().int() }),
    access: 'session',
    twoFactorStates: ['pending'],
    audit: { action: 'BACKUP_CODE_USED', onFailure: 'TWO_FACTOR_FAILED', resourceType: 'session' },
  }),
  'twoFactor.regenerateBackupCodes': channel({
    input: z.strictObject({ code: totpCodeSchema }),
    output: z.object({ backupCodes: z.array(z.string()) }),
    access: 'session',
    audit: { action: 'BACKUP_CODES_REGENERATED', resourceType: 'two_factor' },
  }),
  'twoFactor.disable': channel({
    input: z.strictObject({ password: passwordSchema, code: totpCodeSchema }),
    output: z.object({ disabled: z.literal(true) }),
    access: 'session',
    audit: { action: 'TWO_FACTOR_DISABLED', resourceType: 'two_factor' },
  }),
  'users.resetTwoFactor': channel({
    input: z.strictObject({ email: emailSchema }),
    output: z.object({ reset: z.boolean() }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'TWO_FACTOR_RESET', resourceType: 'user' },
  }),
  'system.status': channel({
    input: empty,
    output: z.object({
      mailConfigured: z.boolean(),
      /** How the data key is protected on this machine. */
      keyProtection: z.enum(['os-keychain', 'key-file', 'environment']),
      warnings: z.array(z.string()),
    }),
    access: 'settings.manage',
    audit: { action: 'VIEW', resourceType: 'system' },
  }),
  'setup.status': channel({
    input: empty,
    output: z.object({ needsSetup: z.boolean() }),
    access: 'public',
    activity: false,
    audit: { action: 'VIEW', resourceType: 'setup' },
  }),
  'setup.createFirstAdmin': channel({
    input: z
      .strictObject({
        email: emailSchema,
        firstName: personNameSchema,
        lastName: personNameSchema,
        password: passwordSchema,
        confirmPassword: passwordSchema,
      })
      .refine((v) => v.password === v.confirmPassword, {
        message: 'The passwords do not match.',
        path: ['confirmPassword'],
      }),
    output: z.object({ email: z.string() }),
    access: 'public',
    audit: { action: 'USER_CREATED', resourceType: 'user' },
  }),
  'session.reauthenticate': channel({
    input: z.strictObject({ password: passwordSchema }),
    output: z.object({ confirmedUntil: z.number().int() }),
    access: 'session',
    audit: { action: 'REAUTHENTICATED', onFailure: 'LOGIN_FAILED', resourceType: 'session' },
  }),
  'account.activity': channel({
    input: empty,
    output: z.object({
      events: z.array(
        z.object({ at: z.number().int(), action: z.string(), outcome: z.string(), workstation: z.string().nullable() }),
      ),
    }),
    access: 'profile.own',
    audit: { action: 'VIEW', resourceType: 'account_activity' },
  }),
  'profile.get': channel({
    input: empty,
    output: profileSchema,
    access: 'profile.own',
    audit: { action: 'VIEW', resourceType: 'profile' },
  }),
  'profile.update': channel({
    input: ownProfileUpdateSchema,
    output: profileSchema,
    access: 'profile.own',
    audit: { action: 'UPDATE', resourceType: 'profile' },
  }),
  'profile.setAvatar': channel({
    input: z.strictObject({
      /** A PNG or JPEG as a data URL; empty removes the avatar. */
      image: z.string().max(800_000, 'The image is too large: at most 512 KB.'),
    }),
    output: z.object({ avatar: z.string().nullable() }),
    access: 'profile.own',
    maxPayloadBytes: 820_000,
    audit: { action: 'UPDATE', resourceType: 'avatar' },
  }),
  'profile.getAvatar': channel({
    input: z.strictObject({ userId: z.number().int().positive().optional() }),
    output: z.object({ avatar: z.string().nullable() }),
    access: 'profile.own',
    audit: { action: 'VIEW', resourceType: 'avatar' },
  }),
  'patients.search': channel({
    input: z.strictObject({
      /** A name or email (its start), or a date of birth as YYYY-MM-DD. */
      query: z
        .string()
        .max(100)
        .transform((s) => s.normalize('NFKC').trim())
        .pipe(z.string().min(2, 'Type at least 2 characters.')),
      cursor: z.string().max(200).nullable().default(null),
    }),
    output: z.object({
      patients: z.array(
        z.object({
          id: z.number().int(),
          firstName: z.string(),
          lastName: z.string(),
          email: z.string().nullable(),
          dateOfBirth: z.string().nullable(),
          restricted: z.boolean(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
    access: 'patients.read',
    audit: { action: 'VIEW', resourceType: 'patient_search' },
  }),
  'patients.get': channel({
    input: z.strictObject({ patientId: z.number().int().positive() }),
    output: profileSchema,
    access: 'patients.read',
    audit: { action: 'VIEW', resourceType: 'patient_profile' },
  }),
  'patients.updateMedical': channel({
    input: medicalUpdateSchema,
    output: profileSchema,
    access: 'patients.medical.update',
    audit: { action: 'UPDATE', resourceType: 'patient_profile' },
  }),
  'patients.setRestricted': channel({
    input: z.strictObject({ patientId: z.number().int().positive(), restricted: z.boolean() }),
    output: z.object({ restricted: z.boolean() }),
    access: 'patients.restrict',
    audit: { action: 'RECORD_RESTRICTED', resourceType: 'patient_profile' },
  }),
  'patients.breakGlass': channel({
    input: z.strictObject({
      patientId: z.number().int().positive(),
      reason: z
        .string()
        .max(1000, 'At most 1000 characters.')
        .transform((s) => s.normalize('NFKC').trim())
        .pipe(z.string().min(20, 'Say why, in at least 20 characters: it is reviewed.')),
    }),
    output: z.object({ expiresAt: z.number().int() }),
    access: 'patients.breakGlass',
    audit: { action: 'BREAK_GLASS', resourceType: 'patient_profile' },
  }),
  'users.list': channel({
    input: z.strictObject({
      role: z.enum(ROLES).optional(),
      status: z.enum(['active', 'inactive', 'all']).default('all'),
      locked: z.boolean().optional(),
      twoFactor: z.enum(['enrolled', 'not_enrolled']).optional(),
      search: z
        .string()
        .max(100)
        .transform((s) => s.normalize('NFKC').trim())
        .default(''),
      cursor: z.string().max(200).nullable().default(null),
      limit: z.number().int().min(1).max(100).default(50),
    }),
    output: z.object({
      users: z.array(
        z.object({
          id: z.number().int(),
          email: z.string(),
          firstName: z.string(),
          lastName: z.string(),
          role: roleSchema,
          active: z.boolean(),
          emailVerified: z.boolean(),
          locked: z.boolean(),
          twoFactorEnabled: z.boolean(),
          mustChangePassword: z.boolean(),
        }),
      ),
      nextCursor: z.string().nullable(),
    }),
    access: 'users.manage',
    audit: { action: 'VIEW', resourceType: 'user_list' },
  }),
  'users.get': channel({
    input: z.strictObject({ userId: z.number().int().positive() }),
    output: profileSchema,
    access: 'users.manage',
    audit: { action: 'VIEW', resourceType: 'user_profile' },
  }),
  'users.create': channel({
    input: z.strictObject({
      email: emailSchema,
      firstName: personNameSchema,
      lastName: personNameSchema,
      role: roleSchema,
    }),
    output: z.object({ userId: z.number().int() }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'USER_CREATED', resourceType: 'user' },
  }),
  'users.changeRole': channel({
    input: z.strictObject({ userId: z.number().int().positive(), role: roleSchema }),
    output: z.object({ role: roleSchema }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'ROLE_CHANGED', resourceType: 'user' },
  }),
  'users.deactivate': channel({
    input: z.strictObject({ userId: z.number().int().positive() }),
    output: z.object({ active: z.literal(false) }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'USER_DEACTIVATED', resourceType: 'user' },
  }),
  'users.reactivate': channel({
    input: z.strictObject({ userId: z.number().int().positive() }),
    output: z.object({ active: z.literal(true) }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'USER_REACTIVATED', resourceType: 'user' },
  }),
  'users.requirePasswordChange': channel({
    input: z.strictObject({ userId: z.number().int().positive() }),
    output: z.object({ required: z.literal(true) }),
    access: 'users.manage',
    reauth: true,
    audit: { action: 'PASSWORD_CHANGE_REQUIRED', resourceType: 'user' },
  }),
  'users.sessions': channel({
    input: z.strictObject({ userId: z.number().int().positive() }),
    output: z.object({
      sessions: z.array(
        z.object({
          id: z.number().int(),
          workstation: z.string(),
          startedAt: z.number().int(),
          lastActiveAt: z.number().int(),
        }),
      ),
    }),
    access: 'users.manage',
    audit: { action: 'VIEW', resourceType: 'user_sessions' },
  }),
  'users.endSession': channel({
    input: z.strictObject({ sessionId: z.number().int().positive() }),
    output: z.object({ ended: z.boolean() }),
    access: 'users.manage',
    audit: { action: 'SESSION_ENDED', resourceType: 'session' },
  }),
  'reports.securitySummary': channel({
    input: empty,
    output: z.object({
      usersByRole: z.array(z.object({ role: roleSchema, active: z.number().int(), inactive: z.number().int() })),
      /** The last 30 days, oldest first, as YYYY-MM-DD (UTC). */
      days: z.array(z.object({ day: z.string(), failedSignIns: z.number().int(), lockouts: z.number().int() })),
      emergencyAccess: z.array(
        z.object({
          id: z.number().int(),
          by: z.string(),
          patientId: z.number().int(),
          patientName: z.string(),
          reason: z.string(),
          startedAt: z.number().int(),
          expiresAt: z.number().int(),
          reviewedAt: z.number().int().nullable(),
        }),
      ),
    }),
    access: 'audit.review',
    audit: { action: 'VIEW', resourceType: 'security_report' },
  }),
  'reports.reviewEmergencyAccess': channel({
    input: z.strictObject({ id: z.number().int().positive() }),
    output: z.object({ reviewed: z.literal(true) }),
    access: 'audit.review',
    audit: { action: 'BREAK_GLASS_REVIEWED', resourceType: 'break_glass' },
  }),
  'settings.getSecurity': channel({
    input: empty,
    output: z.object({
      values: securitySettingsSchema,
      defaults: securitySettingsSchema,
      /** The settings the machine policy fixes on this workstation: shown read-only, refused by updateSecurity. */
      fixedByPolicy: z.array(securitySettingsSchema.keyof()),
    }),
    access: 'settings.manage',
    audit: { action: 'VIEW', resourceType: 'settings' },
  }),
  'settings.updateSecurity': channel({
    // Only the keys sent are changed (`.partial()` would fill every other key with its default).
    input: z.strictObject({ values: securitySettingsPatchSchema }),
    output: z.object({ values: securitySettingsSchema }),
    access: 'settings.manage',
    reauth: true,
    audit: { action: 'SETTINGS_CHANGED', resourceType: 'settings' },
  }),
  'users.unlock': channel({
    input: z.strictObject({ email: emailSchema }),
    output: z.object({ unlocked: z.boolean() }),
    access: 'users.manage',
    audit: { action: 'ACCOUNT_UNLOCKED', resourceType: 'user' },
  }),
  'mail.getSettings': channel({
    input: empty,
    output: z.object({
      /** The settings in force: the machine policy's over what an admin saved over HEALTHSPHERE_SMTP_URL's. */
      values: mailSettingsSchema,
      /** Whether a server password is kept (encrypted); the password itself is never returned. */
      passwordSet: z.boolean(),
      /** The machine policy's server URL carries the password: it cannot be set or removed here. */
      passwordFixed: z.boolean(),
      logo: mailLogoSchema.nullable(),
      /** The keys the machine policy fixes on this workstation: shown read-only, refused by updateSettings. */
      fixedByPolicy: z.array(mailSettingsSchema.keyof()),
      /** Nothing saved here yet: the server comes from HEALTHSPHERE_SMTP_URL on this computer. */
      fromEnvironment: z.boolean(),
      /** Whether the server in force is this computer (no BAA needed, plain text allowed). */
      loopback: z.boolean(),
      baa: baaRecordSchema.nullable(),
      delivery: mailDeliveryStatusSchema,
    }),
    access: 'mail.manage',
    audit: { action: 'VIEW', resourceType: 'settings' },
  }),
  'mail.updateSettings': channel({
    input: z.strictObject({
      values: mailSettingsPatchSchema,
      /**
       * A new server password; left out keeps the one kept, unless the server's host changes (a kept password is
       * never sent to another server). Never returned, never audited.
       */
      password: z.string().max(512).optional(),
      clearPassword: z.boolean().optional(),
      /** A new logo, or null to remove it; left out keeps it. */
      logo: mailLogoSchema.nullable().optional(),
    }),
    output: z.object({ values: mailSettingsSchema, passwordSet: z.boolean(), delivery: mailDeliveryStatusSchema }),
    // A logo of up to 100 KB travels as base64, with a certificate beside it.
    maxPayloadBytes: 200 * 1024,
    access: 'mail.manage',
    reauth: true,
    audit: { action: 'SETTINGS_CHANGED', resourceType: 'settings' },
  }),
  'mail.confirmBaa': channel({
    input: z.strictObject({
      provider: z
        .string()
        .trim()
        .min(2, 'Enter the name of the mail provider the agreement is with.')
        .max(200, 'At most 200 characters.'),
      /** The server the admin saw on screen: a confirmation for a server that changed meanwhile is refused. */
      host: z.string().trim().min(1).max(253),
    }),
    output: z.object({ baa: baaRecordSchema, delivery: mailDeliveryStatusSchema }),
    access: 'mail.manage',
    reauth: true,
    audit: { action: 'SETTINGS_CHANGED', resourceType: 'settings' },
  }),
  'mail.withdrawBaa': channel({
    input: empty,
    output: z.object({ delivery: mailDeliveryStatusSchema }),
    access: 'mail.manage',
    reauth: true,
    audit: { action: 'SETTINGS_CHANGED', resourceType: 'settings' },
  }),
  'mail.sendTest': channel({
    input: z.strictObject({ to: emailSchema }),
    output: z.object({
      delivered: z.boolean(),
      /** The server's own last answer (e.g. "250 2.0.0 Ok: queued"), or the error it gave. */
      serverResponse: z.string(),
      /** What went wrong, in plain words, when it did. */
      problem: z.string().nullable(),
      /** host:port the test went to. */
      server: z.string(),
      /** The protected connection's facts; null when there was none (plain text to this computer, or none made). */
      tls: z
        .object({
          version: z.string(),
          cipher: z.string(),
          certificateVerified: z.boolean(),
          certificateSubject: z.string(),
          certificateIssuer: z.string(),
          certificateValidTo: z.string(),
        })
        .nullable(),
    }),
    access: 'mail.manage',
    audit: { action: 'TEST_MAIL_SENT', resourceType: 'mail' },
  }),
  'mail.outbox': channel({
    input: z.strictObject({
      state: z.enum(['all', ...MAIL_STATES]).default('all'),
      category: z.enum(['all', ...MAIL_CATEGORIES]).default('all'),
      /** Part of a recipient's address or of a subject. */
      query: z.string().trim().max(254).default(''),
      /** The id the previous page ended before (newest first). */
      before: z.number().int().positive().nullable().default(null),
    }),
    output: z.object({
      configured: z.boolean(),
      delivery: mailDeliveryStatusSchema,
      messages: z.array(
        z.object({
          id: z.number().int(),
          kind: z.string(),
          category: z.enum(MAIL_CATEGORIES),
          recipient: z.string(),
          subject: z.string(),
          /** queued: not yet accepted; sent: accepted by the server; failed: the last attempt failed. */
          state: z.enum(MAIL_STATES),
          attempts: z.number().int(),
          createdAt: z.number().int(),
          sentAt: z.number().int().nullable(),
          /** When a failed message is tried again; null once it is sent or given up. */
          nextAttemptAt: z.number().int().nullable(),
          /** The server's answer when it accepted the message. */
          serverResponse: z.string().nullable(),
          lastError: z.string().nullable(),
        }),
      ),
      /** Pass as `before` for the next (older) page; null at the end. */
      nextBefore: z.number().int().nullable(),
    }),
    access: 'mail.manage',
    audit: { action: 'VIEW', resourceType: 'mail' },
  }),
  'audit.search': channel({
    input: z.strictObject({
      filters: auditFiltersSchema.default({}),
      sort: z.enum(['newest', 'oldest']).default('newest'),
      /** Where the previous page ended (keyset pagination: any depth costs the same). */
      cursor: auditCursorSchema.nullable().default(null),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    output: z.object({ events: z.array(auditEventSchema), nextCursor: auditCursorSchema.nullable() }),
    access: 'audit.review',
    audit: { action: 'VIEW', resourceType: 'audit_trail' },
  }),
  'audit.event': channel({
    input: z.strictObject({ seq: z.number().int().min(1) }),
    output: z.object({ event: auditEventSchema, macValid: z.boolean() }),
    access: 'audit.review',
    audit: { action: 'VIEW', resourceType: 'audit_event' },
  }),
  'audit.stats': channel({
    input: z
      .strictObject({
        from: z.number().int().min(0).max(253_402_300_799_999),
        to: z.number().int().min(0).max(253_402_300_799_999),
      })
      .refine((r) => r.from <= r.to && r.to - r.from <= 366 * 24 * 60 * 60_000, {
        path: ['to'],
        message: 'Choose a range of at most one year, ending after it starts.',
      }),
    output: z.object({
      /** Per UTC day from `from` to `to`, oldest first, as YYYY-MM-DD. */
      days: z.array(z.object({ day: z.string(), events: z.number().int(), failedSignIns: z.number().int() })),
      retentionYears: z.number().int(),
      totalEvents: z.number().int(),
      oldestAt: z.number().int().nullable(),
    }),
    access: 'audit.review',
    audit: { action: 'VIEW', resourceType: 'audit_statistics' },
  }),
  'audit.startExport': channel({
    input: z.strictObject({ format: z.enum(['csv', 'json']), filters: auditFiltersSchema.default({}) }),
    output: auditJobSchema,
    access: 'audit.review',
    reauth: true,
    audit: { action: 'EXPORT', resourceType: 'audit_trail' },
  }),
  'audit.startVerify': channel({
    input: z.strictObject({
      /** A checkpoint exported earlier (its JSON text): verification then also proves nothing was cut off. */
      checkpoint: z.string().max(2_000).nullable().default(null),
    }),
    output: auditJobSchema,
    access: 'audit.review',
    audit: { action: 'AUDIT_VERIFIED', resourceType: 'audit_trail' },
  }),
  'audit.job': channel({
    input: z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/) }),
    output: auditJobSchema,
    access: 'audit.review',
    // Watching a progress bar is not activity: the screen still locks when nobody is there.
    activity: false,
    audit: { action: 'VIEW', resourceType: 'audit_job' },
  }),
  'audit.cancelJob': channel({
    input: z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/) }),
    output: auditJobSchema,
    access: 'audit.review',
    audit: { action: 'UPDATE', resourceType: 'audit_job' },
  }),
  'audit.checkpoint': channel({
    input: empty,
    output: z.object({ checkpoint: checkpointSchema, text: z.string() }),
    access: 'audit.review',
    audit: { action: 'AUDIT_CHECKPOINT', resourceType: 'audit_trail' },
  }),
  'kiosk.status': channel({
    input: empty,
    output: z.object({
      /** The machine policy makes this computer a front-desk kiosk. */
      enabled: z.boolean(),
      /** This window is a kiosk now (false after an administrator's exit, until the kiosk returns). */
      active: z.boolean(),
      /** Out of kiosk with nobody signed in yet: seconds until the kiosk returns by itself; null otherwise. */
      returnsInSeconds: z.number().int().nullable(),
    }),
    access: 'public',
    activity: false,
    whileLocked: true,
    twoFactorStates: BOTH_STATES,
    duringPasswordChange: true,
    kiosk: true,
    audit: { action: 'VIEW', resourceType: 'kiosk' },
  }),
  'kiosk.exit': channel({
    input: z.strictObject({
      email: emailSchema,
      password: passwordSchema,
      /** Needed when the administrator has two-step verification: a current code or a backup code. */
      code: secondFactorSchema.optional(),
    }),
    output: z.object({ returnsInSeconds: z.number().int() }),
    access: 'public',
    kiosk: true,
    // A wrong password here is a failed sign-in like any other: the same counters, the same action in the trail.
    audit: { action: 'KIOSK_EXITED', onFailure: 'LOGIN_FAILED', resourceType: 'kiosk' },
  }),
  'kiosk.enter': channel({
    input: empty,
    output: z.object({ active: z.literal(true) }),
    access: 'public',
    whileLocked: true,
    twoFactorStates: BOTH_STATES,
    duringPasswordChange: true,
    kiosk: true,
    audit: { action: 'KIOSK_ENTERED', resourceType: 'kiosk' },
  }),
} satisfies Record<string, ChannelSpec>;

export type Contract = typeof contract;
export type ChannelName = keyof Contract;
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;

export const CHANNEL_NAMES = Object.keys(contract) as ChannelName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

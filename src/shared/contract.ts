// The IPC contract: every channel a renderer may call, its input and output schemas, who may call it,
// and how it is audited. The preload, the browser preview's client and the core's dispatch are all built from it.
import { z } from 'zod';
import type { Permission } from './roles';
import {
  emailCodeSchema,
  emailSchema,
  newPasswordFields,
  passwordSchema,
  registrationSchema,
  userSummarySchema,
} from './schemas';
import { securitySettingsSchema } from './settings';

/** Every channel travels over IPC as this prefix plus its name. */
export const CHANNEL_PREFIX = 'hs:';

/** Actions recorded in the audit trail. */
export const AUDIT_ACTIONS = [
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'SESSION_LOCKED',
  'SESSION_UNLOCKED',
  'SESSION_EXPIRED',
  'SESSION_ENDED',
  'ACCOUNT_LOCKED',
  'ACCOUNT_UNLOCKED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'PASSWORD_RESET_REQUESTED',
  'EMAIL_VERIFIED',
  'EMAIL_CODE_SENT',
  'USER_CREATED',
  'SETTINGS_CHANGED',
  'TEST_MAIL_SENT',
  'VIEW',
  'REQUEST_REJECTED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who may call a channel:
 * - 'public': anyone, signed in or not (sign-in, registration);
 * - 'session': any signed-in user;
 * - a permission: a signed-in user whose role has it.
 */
export type Access = 'public' | 'session' | Permission;

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
    audit: { action: 'USER_CREATED', resourceType: 'user' },
  }),
  'account.verifyEmail': channel({
    input: z.strictObject({ email: emailSchema, code: emailCodeSchema }),
    output: z.object({ verified: z.literal(true) }),
    access: 'public',
    audit: { action: 'EMAIL_VERIFIED', resourceType: 'user' },
  }),
  'account.resendCode': channel({
    input: z.strictObject({ email: emailSchema }),
    output: z.object({ email: z.string() }),
    access: 'public',
    audit: { action: 'EMAIL_CODE_SENT', resourceType: 'user' },
  }),
  'account.passwordPolicy': channel({
    input: empty,
    output: z.object({ minLength: z.number().int(), requireComposition: z.boolean() }),
    access: 'public',
    activity: false,
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
      .strictObject({ email: emailSchema, code: emailCodeSchema, ...newPasswordFields })
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
    output: z.object({ user: userSummarySchema }),
    access: 'public',
    audit: { action: 'LOGIN', onFailure: 'LOGIN_FAILED', resourceType: 'session' },
  }),
  'session.current': channel({
    input: empty,
    output: z.object({
      user: userSummarySchema.nullable(),
      /** The screen is locked after idle time: only this user's password, or switching user, goes on. */
      locked: z.boolean(),
      /** Seconds until the session locks for lack of activity; null when signed out or locked. */
      idleLockInSeconds: z.number().int().nullable(),
    }),
    access: 'public',
    activity: false,
    whileLocked: true,
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
  'settings.getSecurity': channel({
    input: empty,
    output: z.object({ values: securitySettingsSchema, defaults: securitySettingsSchema }),
    access: 'settings.manage',
    audit: { action: 'VIEW', resourceType: 'settings' },
  }),
  'settings.updateSecurity': channel({
    input: z.strictObject({ values: securitySettingsSchema.partial() }),
    output: z.object({ values: securitySettingsSchema }),
    access: 'settings.manage',
    audit: { action: 'SETTINGS_CHANGED', resourceType: 'settings' },
  }),
  'users.unlock': channel({
    input: z.strictObject({ email: emailSchema }),
    output: z.object({ unlocked: z.boolean() }),
    access: 'users.manage',
    audit: { action: 'ACCOUNT_UNLOCKED', resourceType: 'user' },
  }),
  'mail.sendTest': channel({
    input: z.strictObject({ to: emailSchema }),
    output: z.object({ delivered: z.boolean(), serverResponse: z.string() }),
    access: 'mail.manage',
    audit: { action: 'TEST_MAIL_SENT', resourceType: 'mail' },
  }),
  'mail.outbox': channel({
    input: z.strictObject({ state: z.enum(['all', 'queued', 'sent', 'failed']).default('all') }),
    output: z.object({
      configured: z.boolean(),
      messages: z.array(
        z.object({
          id: z.number().int(),
          kind: z.string(),
          recipient: z.string(),
          subject: z.string(),
          state: z.enum(['queued', 'sent', 'failed']),
          attempts: z.number().int(),
          createdAt: z.number().int(),
          sentAt: z.number().int().nullable(),
          lastError: z.string().nullable(),
        }),
      ),
    }),
    access: 'mail.manage',
    audit: { action: 'VIEW', resourceType: 'mail' },
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

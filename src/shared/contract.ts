// The IPC contract: every channel a renderer may call, its input and output schemas, who may call it,
// and how it is audited. The preload, the browser preview's client and the core's dispatch are all built from it.
import { z } from 'zod';
import type { Permission } from './roles';
import { emailCodeSchema, emailSchema, passwordSchema, registrationSchema, userSummarySchema } from './schemas';

/** Every channel travels over IPC as this prefix plus its name. */
export const CHANNEL_PREFIX = 'hs:';

/** Actions recorded in the audit trail. */
export const AUDIT_ACTIONS = [
  'LOGIN',
  'LOGIN_FAILED',
  'LOGOUT',
  'SESSION_EXPIRED',
  'EMAIL_VERIFIED',
  'EMAIL_CODE_SENT',
  'USER_CREATED',
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
  'session.signIn': channel({
    input: z.strictObject({ email: emailSchema, password: passwordSchema }),
    output: z.object({ user: userSummarySchema }),
    access: 'public',
    audit: { action: 'LOGIN', onFailure: 'LOGIN_FAILED', resourceType: 'session' },
  }),
  'session.current': channel({
    input: empty,
    output: z.object({ user: userSummarySchema.nullable() }),
    access: 'public',
    audit: { action: 'VIEW', resourceType: 'session' },
  }),
  'session.signOut': channel({
    input: empty,
    output: z.object({ signedOut: z.literal(true) }),
    access: 'session',
    audit: { action: 'LOGOUT', resourceType: 'session' },
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

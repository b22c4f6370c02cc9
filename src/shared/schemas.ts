// Field schemas shared by the contract: the renderer validates with them as the user types, the core at dispatch.
import { z } from 'zod';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ROLES } from './roles';

/** Lengths that bound every text a renderer can send; the core refuses anything longer before any work. */
export const LIMITS = {
  emailLength: 254,
  nameLength: 100,
  passwordMaxLength: 128,
  passwordMinLength: 12,
} as const;

// Control characters (C0, DEL, C1) have no place in a name or an email address.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** The one spelling of an email address we store and compare: NFKC, trimmed, lower case. */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

export const emailSchema = z
  .string()
  .max(LIMITS.emailLength + 64, 'Email address is too long.')
  .transform(normalizeEmail)
  .pipe(z.email('Enter a valid email address.').max(LIMITS.emailLength, 'Email address is too long.'));

export const personNameSchema = z
  .string()
  .max(LIMITS.nameLength * 2, 'Too long.')
  .transform((s) => s.normalize('NFKC').trim())
  .pipe(
    z
      .string()
      .min(1, 'Required.')
      .max(LIMITS.nameLength, `At most ${LIMITS.nameLength} characters.`)
      .refine((s) => !CONTROL_CHARACTERS.test(s), 'Contains characters that are not allowed.'),
  );

/** A phone number in international form, stored as E.164 ("+12025550143"). Empty means no phone. */
export const phoneSchema = z
  .string()
  .max(40, 'Too long.')
  .transform((s, ctx) => {
    const trimmed = s.trim();
    if (trimmed === '') return '';
    const phone = parsePhoneNumberFromString(trimmed);
    if (!trimmed.startsWith('+') || !phone || !phone.isValid()) {
      ctx.addIssue({
        code: 'custom',
        message: 'Enter a valid number in international format, for example +12025550143.',
      });
      return z.NEVER;
    }
    return phone.number;
  });

/**
 * Any password a person may type. NFKC-normalized (NIST SP 800-63B), so the same characters typed on another
 * keyboard match; counted in characters, so an emoji counts once. New passwords also pass the policy in the core.
 */
export const passwordSchema = z
  .string()
  .max(LIMITS.passwordMaxLength * 8, `At most ${LIMITS.passwordMaxLength} characters.`)
  .transform((s) => s.normalize('NFKC'))
  .pipe(
    z
      .string()
      .min(1, 'Required.')
      .refine((s) => [...s].length <= LIMITS.passwordMaxLength, `At most ${LIMITS.passwordMaxLength} characters.`),
  );

export const emailCodeSchema = z
  .string()
  .max(20, 'Enter the 6-digit code.')
  .transform((s) => s.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code.'));

export const roleSchema = z.enum(ROLES);

export const userSummarySchema = z.object({
  id: z.number().int(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  role: roleSchema,
});
export type UserSummary = z.infer<typeof userSummarySchema>;

/** A new password and its confirmation, for reset and change; the policy is applied by the core. */
export const newPasswordFields = { newPassword: passwordSchema, confirmPassword: passwordSchema };

export const registrationSchema = z
  .strictObject({
    email: emailSchema,
    firstName: personNameSchema,
    lastName: personNameSchema,
    phone: phoneSchema.optional().default(''),
    password: passwordSchema,
    confirmPassword: passwordSchema,
  })
  .refine((v) => v.password === v.confirmPassword, {
    message: 'The passwords do not match.',
    path: ['confirmPassword'],
  });

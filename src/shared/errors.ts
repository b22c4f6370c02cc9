// The one catalogue of error codes that cross the process boundary, with the message a person sees.

export const ERROR_MESSAGES = {
  INVALID_INPUT: 'Some of the information entered is not valid.',
  UNKNOWN_CHANNEL: 'That request is not part of this application.',
  INVALID_CREDENTIALS: 'The email or password is incorrect.',
  EMAIL_NOT_VERIFIED: 'Your email address is not verified yet. Enter the code we sent you, or ask for a new one.',
  ACCOUNT_LOCKED: 'This account is locked. Try again later or ask an administrator to unlock it.',
  ACCOUNT_DISABLED: 'This account has been deactivated. Ask an administrator for help.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  PASSWORD_MISMATCH: 'That password is not correct.',
  INVALID_CODE: 'That code is not valid. Check the latest email we sent, or ask for a new code.',
  WEAK_PASSWORD: 'Choose a stronger password.',
  TWO_FACTOR_REQUIRED: 'Finish two-step verification first.',
  TWO_FACTOR_ENFORCED: 'Your role must use two-step verification, so it cannot be turned off.',
  INVALID_TWO_FACTOR_CODE:
    'That code is not valid. Enter the current code from your authenticator app, or a backup code.',
  NOT_SIGNED_IN: 'Please sign in.',
  SESSION_LOCKED: 'The screen is locked. Enter your password to continue, or switch user.',
  SESSION_EXPIRED: 'Your session has ended. Please sign in again.',
  FORBIDDEN: 'You do not have permission to do that.',
  NOT_FOUND: 'That record does not exist.',
  REAUTH_REQUIRED: 'For this action, confirm your password again.',
  PASSWORD_CHANGE_REQUIRED: 'Choose a new password before you go on.',
  LAST_ADMIN: 'This would leave the clinic without an active administrator.',
  KIOSK_MODE:
    'This computer is a front-desk kiosk: only patient registration and email verification are available here.',
  POLICY_FIXED:
    'That setting is set by your organization (a machine policy IT put on this computer), so it cannot be changed here.',
  SETUP_DONE: 'HealthSphere is already set up. Sign in instead.',
  UNAVAILABLE: 'The service is not available right now. Try again in a moment.',
  DATABASE_UNAVAILABLE:
    "The clinic's database server cannot be reached, so nothing was saved. HealthSphere keeps trying: try again in a moment, and tell IT if it lasts.",
  INTERNAL: 'Something went wrong. Try again, and tell your administrator if it keeps happening.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export const ERROR_CODES = Object.keys(ERROR_MESSAGES) as ErrorCode[];

export interface AppError {
  code: ErrorCode;
  message: string;
  /** Which fields were refused, for INVALID_INPUT, WEAK_PASSWORD and POLICY_FIXED; never echoes the value. */
  fields?: Record<string, string>;
  /** For RATE_LIMITED and ACCOUNT_LOCKED: when trying again can succeed. */
  retryAfterSeconds?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function errorResult(
  code: ErrorCode,
  fields?: Record<string, string>,
  retryAfterSeconds?: number,
): { ok: false; error: AppError } {
  const error: AppError = { code, message: ERROR_MESSAGES[code] };
  if (fields) error.fields = fields;
  if (retryAfterSeconds !== undefined) error.retryAfterSeconds = retryAfterSeconds;
  return { ok: false, error };
}

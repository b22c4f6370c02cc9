// The rules for a new password, shared so the form can say why a password is refused while the user types.
import { LIMITS } from './schemas';

export interface PasswordContext {
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** Returns why the password is refused, or null when it is acceptable. */
export function passwordProblem(
  password: string,
  context: PasswordContext,
  minLength: number = LIMITS.passwordMinLength,
): string | null {
  if (password.length < minLength) return `Use at least ${minLength} characters.`;
  if (password.length > LIMITS.passwordMaxLength) return `Use at most ${LIMITS.passwordMaxLength} characters.`;
  if (new Set(password).size < 4) return 'Use more different characters.';
  const lower = password.toLowerCase();
  const personal = [context.email?.split('@')[0], context.firstName, context.lastName]
    .map((part) => part?.trim().toLowerCase() ?? '')
    .filter((part) => part.length >= 3);
  if (personal.some((part) => lower.includes(part))) return 'Do not use your name or email address in your password.';
  return null;
}

// The rules for a new password, shared so the form says why a password is refused while the user types.
// Length counts characters (code points), so an emoji counts once.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { LIMITS } from './schemas';

export interface PasswordContext {
  email?: string;
  firstName?: string;
  lastName?: string;
}

export interface PasswordPolicy {
  minLength: number;
  requireComposition: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: LIMITS.passwordMinLength,
  requireComposition: false,
};

/** zxcvbn's score (0–4) a password needs: 3 resists an offline attack on a slow hash. */
const MIN_STRENGTH_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function strength(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
  return estimator;
}

export function characterCount(password: string): number {
  return [...password].length;
}

/** Returns why the password is refused, or null when it is acceptable. */
export function passwordProblem(
  password: string,
  context: PasswordContext,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): string | null {
  const length = characterCount(password);
  if (length < policy.minLength) return `Use at least ${policy.minLength} characters.`;
  if (length > LIMITS.passwordMaxLength) return `Use at most ${LIMITS.passwordMaxLength} characters.`;
  if (password.trim() === '') return 'A password cannot be only spaces.';
  if (new Set(password).size < 4) return 'Use more different characters.';
  if (policy.requireComposition && !(/[A-Z]/.test(password) && /[a-z]/.test(password) && /\d/.test(password))) {
    return 'Include an upper-case letter, a lower-case letter and a digit.';
  }
  const lower = password.toLowerCase();
  const personal = [context.email?.split('@')[0], context.firstName, context.lastName]
    .map((part) => part?.trim().toLowerCase() ?? '')
    .filter((part) => part.length >= 3);
  if (personal.some((part) => lower.includes(part))) return 'Do not use your name or email address in your password.';
  const result = strength().check(password.slice(0, 100), personal);
  if (result.score < MIN_STRENGTH_SCORE) {
    const why = result.feedback.warning ? `${result.feedback.warning.replace(/\.?$/, '.')} ` : '';
    return `${why}This password would be easy to guess: add more words or characters.`;
  }
  return null;
}

// The password policy in force (from the core's settings) and the fields for choosing a new password.
import { PasswordInput } from '@mantine/core';
import { useEffect, useState, type RefObject } from 'react';
import {
  DEFAULT_PASSWORD_POLICY,
  passwordProblem,
  type PasswordContext,
  type PasswordPolicy,
} from '../../../shared/password-policy';
import { call } from '../api';

/** Asks the core once, when the screen appears, for the policy in force; the default until it answers. */
export function usePasswordPolicy(): PasswordPolicy {
  const [policy, setPolicy] = useState<PasswordPolicy>(DEFAULT_PASSWORD_POLICY);
  useEffect(() => {
    let live = true;
    void call((api) => api.account.passwordPolicy({})).then((result) => {
      if (live && result.ok) setPolicy(result.value);
    });
    return () => {
      live = false;
    };
  }, []);
  return policy;
}

/** The rules in a sentence, shown under an empty password field. */
export function passwordRules(policy: PasswordPolicy): string {
  const composition = policy.requireComposition
    ? ', including an upper-case letter, a lower-case letter and a digit'
    : '';
  return `Use at least ${policy.minLength} characters${composition}, and not your name or email address.`;
}

/** What to show under a new password while it is typed: the rules, why it is refused, or that it is fine. */
export function passwordFeedback(
  password: string,
  context: PasswordContext,
  policy: PasswordPolicy,
  fieldError: string | undefined,
): string {
  if (password === '' || fieldError) return passwordRules(policy);
  return passwordProblem(password, context, policy) ?? 'This password meets the rules.';
}

export interface NewPasswordInputsProps {
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  passwordError?: string;
  confirmError?: string;
  policy: PasswordPolicy;
  context: PasswordContext;
  passwordRef?: RefObject<HTMLInputElement | null>;
  confirmRef?: RefObject<HTMLInputElement | null>;
  /** After a submit attempt, a mismatch is shown at once. */
  submitted?: boolean;
}

/** "New password" with live feedback, and "Confirm new password" that says when the two differ. */
export function NewPasswordInputs({
  password,
  confirm,
  onPassword,
  onConfirm,
  passwordError,
  confirmError,
  policy,
  context,
  passwordRef,
  confirmRef,
  submitted = false,
}: NewPasswordInputsProps) {
  const [confirmTouched, setConfirmTouched] = useState(false);
  const mismatch =
    confirm !== '' && confirm !== password && (submitted || confirmTouched || confirm.length >= password.length)
      ? 'The passwords do not match.'
      : undefined;
  return (
    <>
      <PasswordInput
        ref={passwordRef}
        label="New password"
        description={passwordFeedback(password, context, policy, passwordError)}
        autoComplete="new-password"
        required
        value={password}
        onChange={(event) => onPassword(event.currentTarget.value)}
        error={passwordError}
        // Mantine's PasswordInput does not set it from `error` on its inner input.
        aria-invalid={passwordError ? true : undefined}
        visibilityToggleButtonProps={{ 'aria-label': 'Show new password characters' }}
      />
      <PasswordInput
        ref={confirmRef}
        label="Confirm new password"
        autoComplete="new-password"
        required
        value={confirm}
        onChange={(event) => onConfirm(event.currentTarget.value)}
        onBlur={() => setConfirmTouched(true)}
        error={confirmError ?? mismatch}
        // Mantine's PasswordInput does not set it from `error` on its inner input.
        aria-invalid={(confirmError ?? mismatch) ? true : undefined}
        visibilityToggleButtonProps={{ 'aria-label': 'Show confirmation characters' }}
      />
    </>
  );
}

/** Checks a new password and its confirmation before asking the core; returns the errors by field. */
export function checkNewPassword(
  password: string,
  confirm: string,
  context: PasswordContext,
  policy: PasswordPolicy,
): { newPassword?: string; confirmPassword?: string } {
  const errors: { newPassword?: string; confirmPassword?: string } = {};
  if (password === '') errors.newPassword = 'Choose a new password.';
  else {
    const problem = passwordProblem(password, context, policy);
    if (problem) errors.newPassword = problem;
  }
  if (confirm === '') errors.confirmPassword = 'Enter the new password again.';
  else if (confirm !== password) errors.confirmPassword = 'The passwords do not match.';
  return errors;
}

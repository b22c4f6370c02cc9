// An administrator requires this user to choose a new password: nothing else works until they do (or sign out).
import { Button, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import type { UserSummary } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFieldErrors, useFocusOnMount } from '../components/focus';
import { checkNewPassword, NewPasswordInputs, usePasswordPolicy } from '../components/password';

const FIELDS = ['currentPassword', 'newPassword', 'confirmPassword'] as const;
type Field = (typeof FIELDS)[number];
type FieldErrors = Partial<Record<Field, string>>;

export interface ChangePasswordScreenProps {
  user: UserSummary;
  onChanged: (user: UserSummary) => void;
  onSignedOut: () => void;
}

export function ChangePasswordScreen({ user, onChanged, onSignedOut }: ChangePasswordScreenProps) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<'change' | 'signOut' | null>(null);
  const policy = usePasswordPolicy();
  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    currentPassword: useFocusOnMount<HTMLInputElement>(),
    newPassword: useRef<HTMLInputElement>(null),
    confirmPassword: useRef<HTMLInputElement>(null),
  };
  const [fieldErrors, setFieldErrors, showFieldErrors] = useFieldErrors(FIELDS, refs);
  const context = { email: user.email, firstName: user.firstName, lastName: user.lastName };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setSubmitted(true);
    const errors: FieldErrors = checkNewPassword(password, confirm, context, policy);
    if (current === '') errors.currentPassword = 'Enter your current password.';
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    setBusy('change');
    const result = await call((api) =>
      api.session.changePassword({ currentPassword: current, newPassword: password, confirmPassword: confirm }),
    );
    setBusy(null);
    if (result.ok) {
      onChanged(user);
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    if (result.error.code === 'PASSWORD_MISMATCH') fields.currentPassword ??= result.error.message;
    if (result.error.code === 'WEAK_PASSWORD') fields.newPassword ??= result.error.message;
    const focused = showFieldErrors(fields);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1, focus: !focused }));
  }

  async function signOut() {
    if (busy) return;
    setBusy('signOut');
    const result = await call((api) => api.session.signOut({}));
    setBusy(null);
    if (result.ok) onSignedOut();
    else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Choose a new password
        </Title>
        <Text>
          An administrator asked{' '}
          <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
            {user.email}
          </Text>{' '}
          to choose a new password before going on.
        </Text>
      </Stack>
      <ErrorAlert shown={shown} title="We could not change your password" />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <PasswordInput
            ref={refs.currentPassword}
            label="Current password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(event) => {
              setCurrent(event.currentTarget.value);
              setFieldErrors((errors) => ({ ...errors, currentPassword: undefined }));
            }}
            error={fieldErrors.currentPassword}
            aria-invalid={fieldErrors.currentPassword ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show current password characters' }}
          />
          <NewPasswordInputs
            password={password}
            confirm={confirm}
            onPassword={(value) => {
              setPassword(value);
              setFieldErrors((errors) => ({ ...errors, newPassword: undefined }));
            }}
            onConfirm={(value) => {
              setConfirm(value);
              setFieldErrors((errors) => ({ ...errors, confirmPassword: undefined }));
            }}
            passwordError={fieldErrors.newPassword}
            confirmError={fieldErrors.confirmPassword}
            policy={policy}
            context={context}
            passwordRef={refs.newPassword}
            confirmRef={refs.confirmPassword}
            submitted={submitted}
          />
          <Button type="submit" fullWidth loading={busy === 'change'} disabled={busy === 'signOut'} mt="xs">
            Change password
          </Button>
        </Stack>
      </form>
      <Button variant="default" fullWidth onClick={signOut} loading={busy === 'signOut'} disabled={busy === 'change'}>
        Sign out
      </Button>
    </AuthLayout>
  );
}

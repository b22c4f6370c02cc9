import { Button, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { LockReason } from '../../../shared/contract';
import type { UserSummary } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';

/** Why the screen locked, in the words a person at the desk reads: nothing of what was on screen before. */
export const LOCK_REASON_TEXT: Record<LockReason, string> = {
  idle: 'Locked because HealthSphere was not used for a while.',
  'screen-locked': 'Locked because this computer’s screen was locked.',
  suspend: 'Locked because this computer went to sleep.',
  'system-idle': 'Locked because nobody used this computer for a while.',
};

export interface LockScreenProps {
  user: UserSummary;
  /** Why the core locked the session, when it said. */
  reason?: LockReason;
  onUnlocked: (user: UserSummary) => void;
  /** The locked session was ended so that someone else can sign in. */
  onSwitchedUser: () => void;
}

/**
 * Shown when the session locked (idle, or automatic logoff: screen lock, sleep, system idle): it replaces the
 * screen that showed, so nothing of it stays behind. Only its user's password unlocks it; anyone may end it
 * ("Switch user").
 */
export function LockScreen({ user, reason, onUnlocked, onSwitchedUser }: LockScreenProps) {
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<'unlock' | 'switch' | null>(null);
  const passwordRef = useFocusOnMount<HTMLInputElement>();
  const fullName = `${user.firstName} ${user.lastName}`;

  function fail(error: ShownError['error']) {
    const { fields, other } = fieldMessages(error, ['password'] as const);
    setPasswordError(fields.password);
    setShown((previous) => ({ error, other, id: (previous?.id ?? 0) + 1 }));
    // The pressed button was disabled while waiting, which drops focus: continue in the password field.
    passwordRef.current?.focus();
  }

  async function unlock(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (password === '') {
      setShown(null);
      setPasswordError('Enter your password.');
      passwordRef.current?.focus();
      return;
    }
    setBusy('unlock');
    const result = await call((api) => api.session.unlock({ password }));
    setBusy(null);
    if (result.ok) onUnlocked(result.value.user);
    else {
      setPassword('');
      fail(result.error);
    }
  }

  async function switchUser() {
    if (busy) return;
    setBusy('switch');
    const result = await call((api) => api.session.signOut({}));
    setBusy(null);
    if (result.ok) onSwitchedUser();
    else fail(result.error);
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Screen locked
        </Title>
        {reason && <Text>{LOCK_REASON_TEXT[reason]}</Text>}
        <Text>
          Locked for{' '}
          <Text component="strong" fw={700}>
            {fullName}
          </Text>
          . Only they can unlock it.
        </Text>
        <Text size="sm" c="dimmed">
          Someone else at this workstation? Switch user: this ends {fullName}&rsquo;s session.
        </Text>
      </Stack>
      <ErrorAlert shown={shown} title="The screen is still locked" />
      <form onSubmit={unlock} noValidate>
        <Stack gap="md">
          <PasswordInput
            ref={passwordRef}
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => {
              setPassword(event.currentTarget.value);
              setPasswordError(undefined);
            }}
            error={passwordError}
            // Mantine's PasswordInput does not set it from `error` on its inner input.
            aria-invalid={passwordError ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show characters' }}
          />
          <Button type="submit" fullWidth loading={busy === 'unlock'} disabled={busy === 'switch'} mt="xs">
            Unlock
          </Button>
        </Stack>
      </form>
      <Button variant="default" fullWidth onClick={switchUser} loading={busy === 'switch'} disabled={busy === 'unlock'}>
        Switch user
      </Button>
    </AuthLayout>
  );
}

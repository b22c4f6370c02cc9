// After the password, for an account with two-step verification: a code from the authenticator app, or a backup
// code. Until one is accepted the session can do nothing else; a wrong code five times ends the sign-in.
import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { UserSummary } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { AuthCodeInput, checkAuthCode, checkBackupCode } from '../components/twoFactor';

export interface TwoFactorScreenProps {
  user: UserSummary;
  onVerified: (user: UserSummary) => void;
  onBackupCodeUsed: (user: UserSummary, backupCodesRemaining: number) => void;
  /** The person gave up: the pending sign-in was ended. */
  onCancelled: (email: string) => void;
}

type Mode = 'app' | 'backup';

export function TwoFactorScreen({ user, onVerified, onBackupCodeUsed, onCancelled }: TwoFactorScreenProps) {
  const [mode, setMode] = useState<Mode>('app');
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<'verify' | 'cancel' | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  // The field to fill has focus when the screen appears and when the kind of code changes.
  useEffect(() => {
    codeRef.current?.focus();
  }, [mode]);

  function switchMode(next: Mode) {
    setMode(next);
    setCode('');
    setCodeError(undefined);
    setShown(null);
  }

  function fail(error: ShownError['error']) {
    const { fields, other } = fieldMessages(error, ['code'] as const);
    setCodeError(fields.code);
    setCode('');
    setShown((previous) => ({ error, other, id: (previous?.id ?? 0) + 1 }));
    // The pressed button was disabled while waiting, which drops focus: continue in the code field.
    codeRef.current?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const checked = mode === 'app' ? checkAuthCode(code) : checkBackupCode(code);
    if (!checked.ok) {
      setShown(null);
      setCodeError(checked.message);
      codeRef.current?.focus();
      return;
    }
    setBusy('verify');
    if (mode === 'app') {
      const result = await call((api) => api.twoFactor.verify({ code }));
      setBusy(null);
      if (result.ok) onVerified(result.value.user);
      else fail(result.error);
    } else {
      const result = await call((api) => api.twoFactor.useBackupCode({ code }));
      setBusy(null);
      if (result.ok) onBackupCodeUsed(result.value.user, result.value.backupCodesRemaining);
      else fail(result.error);
    }
  }

  async function cancel() {
    if (busy) return;
    setBusy('cancel');
    const result = await call((api) => api.session.signOut({}));
    setBusy(null);
    if (result.ok) onCancelled(user.email);
    else fail(result.error);
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Two-step verification
        </Title>
        <Text>
          {mode === 'app'
            ? 'Open your authenticator app and enter the code it shows for HealthSphere, for '
            : 'Enter one of the backup codes you saved when you set up two-step verification, for '}
          <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
            {user.email}
          </Text>
          .
        </Text>
        {mode === 'backup' && (
          <Text size="sm" c="dimmed">
            Each backup code works once.
          </Text>
        )}
      </Stack>
      <ErrorAlert shown={shown} title="We could not verify the code" />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {mode === 'app' ? (
            <AuthCodeInput
              key="app"
              inputRef={codeRef}
              value={code}
              onChange={(value) => {
                setCode(value);
                setCodeError(undefined);
              }}
              error={codeError}
            />
          ) : (
            <TextInput
              key="backup"
              ref={codeRef}
              label="Backup code"
              description="10 letters and digits, for example ABCDE-FGHJK"
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={40}
              required
              value={code}
              onChange={(event) => {
                setCode(event.currentTarget.value);
                setCodeError(undefined);
              }}
              error={codeError}
              styles={{ input: { letterSpacing: '0.1em', fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
          )}
          <Button type="submit" fullWidth loading={busy === 'verify'} disabled={busy === 'cancel'} mt="xs">
            {mode === 'app' ? 'Verify' : 'Use backup code'}
          </Button>
        </Stack>
      </form>
      <Stack gap="xs">
        <Button
          variant="subtle"
          fullWidth
          onClick={() => switchMode(mode === 'app' ? 'backup' : 'app')}
          disabled={busy !== null}
        >
          {mode === 'app' ? 'Use a backup code' : 'Use the code from my app'}
        </Button>
        <Button variant="default" fullWidth onClick={cancel} loading={busy === 'cancel'} disabled={busy === 'verify'}>
          Cancel sign-in
        </Button>
      </Stack>
    </AuthLayout>
  );
}

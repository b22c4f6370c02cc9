import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { emailCodeSchema } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';
import { Notice, type NoticeMessage } from '../components/Notice';

export interface VerifyEmailScreenProps {
  email: string;
  notice?: NoticeMessage | null;
  onVerified: (email: string) => void;
  onBack: () => void;
  /** The back button's words (the kiosk goes back to its start). */
  backLabel?: string;
}

export function VerifyEmailScreen({
  email,
  notice: initialNotice,
  onVerified,
  onBack,
  backLabel = 'Back to sign in',
}: VerifyEmailScreenProps) {
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(initialNotice ?? null);
  const [busy, setBusy] = useState<'verify' | 'resend' | null>(null);
  const codeRef = useFocusOnMount<HTMLInputElement>();

  function fail(error: ShownError['error']) {
    const { fields, other } = fieldMessages(error, ['code'] as const);
    setCodeError(fields.code);
    setNotice(null);
    setShown((previous) => ({ error, other, id: (previous?.id ?? 0) + 1 }));
    // The pressed button was disabled while waiting, which drops focus: continue in the code field.
    codeRef.current?.focus();
  }

  async function verify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const parsed = emailCodeSchema.safeParse(code);
    if (!parsed.success) {
      setShown(null);
      setCodeError(code.trim() === '' ? 'Enter the 6-digit code from the email.' : parsed.error.issues[0]?.message);
      codeRef.current?.focus();
      return;
    }
    setBusy('verify');
    const result = await call((api) => api.account.verifyEmail({ email, code: parsed.data }));
    setBusy(null);
    if (result.ok) onVerified(email);
    else fail(result.error);
  }

  async function resend() {
    if (busy) return;
    setBusy('resend');
    const result = await call((api) => api.account.resendCode({ email }));
    setBusy(null);
    if (result.ok) {
      setShown(null);
      setCodeError(undefined);
      setCode('');
      setNotice((previous) => ({
        text: `We sent a new code to ${result.value.email}. It replaces any earlier code.`,
        id: (previous?.id ?? 0) + 1,
      }));
      codeRef.current?.focus();
    } else {
      fail(result.error);
    }
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Check your email
        </Title>
        <Text>
          Enter the 6-digit code we sent to{' '}
          <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
            {email}
          </Text>
          .
        </Text>
      </Stack>
      <Notice notice={notice} />
      <ErrorAlert shown={shown} title="We could not verify your email" />
      <form onSubmit={verify} noValidate>
        <Stack gap="md">
          <TextInput
            ref={codeRef}
            label="Verification code"
            description="6 digits, from the most recent email"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            required
            value={code}
            onChange={(event) => {
              setCode(event.currentTarget.value);
              setCodeError(undefined);
            }}
            error={codeError}
            styles={{ input: { letterSpacing: '0.3em', fontVariantNumeric: 'tabular-nums' } }}
          />
          <Button type="submit" fullWidth loading={busy === 'verify'} disabled={busy === 'resend'} mt="xs">
            Verify email
          </Button>
        </Stack>
      </form>
      <Stack gap="xs">
        <Text size="sm" ta="center">
          No email? Check your spam folder, or ask for a new code.
        </Text>
        <Button variant="default" fullWidth onClick={resend} loading={busy === 'resend'} disabled={busy === 'verify'}>
          Send a new code
        </Button>
        <Button variant="subtle" fullWidth onClick={onBack} disabled={busy !== null}>
          {backLabel}
        </Button>
      </Stack>
    </AuthLayout>
  );
}

import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { emailSchema } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';

export interface ForgotPasswordScreenProps {
  initialEmail?: string;
  /** The core answered; it says the same whether or not the address has an account. */
  onRequested: (email: string) => void;
  onBack: (email: string) => void;
}

export function ForgotPasswordScreen({ initialEmail = '', onRequested, onBack }: ForgotPasswordScreenProps) {
  const [email, setEmail] = useState(initialEmail);
  const [emailError, setEmailError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useFocusOnMount<HTMLInputElement>();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setShown(null);
      setEmailError(
        email.trim() === ''
          ? 'Enter your email address.'
          : (parsed.error.issues[0]?.message ?? 'Enter a valid email address.'),
      );
      emailRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await call((api) => api.account.requestPasswordReset({ email }));
    setBusy(false);
    if (result.ok) {
      onRequested(result.value.email);
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['email'] as const);
    setEmailError(fields.email);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    emailRef.current?.focus();
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Reset your password
        </Title>
        <Text c="dimmed">
          Enter the email address of your account. We will send you a code to choose a new password.
        </Text>
      </Stack>
      <ErrorAlert shown={shown} title="We could not send a reset code" />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            ref={emailRef}
            label="Email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => {
              setEmail(event.currentTarget.value);
              setEmailError(undefined);
            }}
            error={emailError}
          />
          <Button type="submit" fullWidth loading={busy} mt="xs">
            Send reset code
          </Button>
        </Stack>
      </form>
      <Button variant="default" fullWidth onClick={() => onBack(email.trim())} disabled={busy}>
        Back to sign in
      </Button>
    </AuthLayout>
  );
}

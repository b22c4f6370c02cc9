// The kiosk's own screens around the app's registration and email verification: the start, the email for
// "I have a verification code", and the end.
import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { emailSchema } from '../../../../shared/schemas';
import { AuthLayout } from '../../components/AuthLayout';
import { useFocusOnMount } from '../../components/focus';

/** A heading takes focus so that a screen reader starts there; it is not a control, so it shows no focus ring. */
const HEADING_FOCUS = { outline: 'none' };

export function KioskStartScreen({ onRegister, onHaveCode }: { onRegister: () => void; onHaveCode: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title ref={headingRef} tabIndex={-1} order={1} size="h2" style={HEADING_FOCUS}>
          Welcome to the clinic
        </Title>
        <Text>New here? Register as a patient. We will email you a code to confirm your address.</Text>
      </Stack>
      <Stack gap="md">
        <Button size="lg" fullWidth onClick={onRegister}>
          Register as a new patient
        </Button>
        <Button size="lg" fullWidth variant="default" onClick={onHaveCode}>
          I have a verification code
        </Button>
      </Stack>
      <Text size="sm" c="dimmed">
        For your privacy, this screen starts over after 2 minutes without use.
      </Text>
    </AuthLayout>
  );
}

/** "I have a verification code": the email it was sent to, then the app's own verification screen. */
export function KioskCodeEmailScreen({
  onContinue,
  onBack,
}: {
  onContinue: (email: string) => void;
  onBack: () => void;
}) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const emailRef = useFocusOnMount<HTMLInputElement>();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setError(
        email.trim() === ''
          ? 'Enter your email address.'
          : (parsed.error.issues[0]?.message ?? 'Enter a valid email address.'),
      );
      emailRef.current?.focus();
      return;
    }
    onContinue(parsed.data);
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Enter your verification code
        </Title>
        <Text>First, the email address you registered with.</Text>
      </Stack>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            ref={emailRef}
            label="Email"
            type="email"
            autoComplete="off"
            required
            value={email}
            onChange={(event) => {
              setEmail(event.currentTarget.value);
              setError(undefined);
            }}
            error={error}
          />
          <Button type="submit" fullWidth>
            Continue
          </Button>
        </Stack>
      </form>
      <Button variant="subtle" fullWidth onClick={onBack}>
        Back to start
      </Button>
    </AuthLayout>
  );
}

export function KioskDoneScreen({ onFinish }: { onFinish: () => void }) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title ref={headingRef} tabIndex={-1} order={1} size="h2" style={HEADING_FOCUS}>
          You are registered
        </Title>
        <Text>
          Your email address is confirmed. You can sign in to HealthSphere with it and your password. Please tell the
          front desk that you are here.
        </Text>
      </Stack>
      <Button size="lg" fullWidth onClick={onFinish}>
        Finish
      </Button>
    </AuthLayout>
  );
}

import { Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../shared/contract';
import type { AppError } from '../../../shared/errors';
import { emailSchema, type UserSummary } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { Notice, type NoticeMessage } from '../components/Notice';

const FIELDS = ['email', 'password'] as const;
type Field = (typeof FIELDS)[number];

export interface SignInScreenProps {
  initialEmail?: string;
  notice?: NoticeMessage | null;
  initialError?: AppError | null;
  /** The password was right; `twoFactor` says whether a code, or setting up two-step verification, comes next. */
  onSignedIn: (
    user: UserSummary,
    twoFactor: ChannelOutput<'session.signIn'>['twoFactor'],
    mustChangePassword: boolean,
  ) => void;
  onNotVerified: (email: string, message: string) => void;
  onCreateAccount: () => void;
  /** Goes to the password reset, with the email typed so far. */
  onForgotPassword: (email: string) => void;
  /** A staff member invited by mail sets their first password with the code: the reset screen, for this email. */
  onInvitation: (email: string) => void;
}

export function SignInScreen({
  initialEmail = '',
  notice,
  initialError,
  onSignedIn,
  onNotVerified,
  onCreateAccount,
  onForgotPassword,
  onInvitation,
}: SignInScreenProps) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [shown, setShown] = useState<ShownError | null>(
    initialError ? { error: initialError, other: [], id: 0 } : null,
  );
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  // Focus the first field to fill: the password when the email is already known.
  const focusPassword = initialEmail !== '';
  useEffect(() => {
    (focusPassword ? passwordRef : emailRef).current?.focus();
  }, [focusPassword]);

  /** The invitation code belongs to one email address: it must be typed first. */
  function invitation() {
    if (busy) return;
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setShown(null);
      setFieldErrors({
        email:
          email.trim() === ''
            ? 'Enter the email address your invitation was sent to, then choose I have an invitation code.'
            : (parsed.error.issues[0]?.message ?? 'Enter a valid email address.'),
      });
      emailRef.current?.focus();
      return;
    }
    onInvitation(parsed.data);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const errors: Partial<Record<Field, string>> = {};
    if (email.trim() === '') errors.email = 'Enter your email address.';
    else {
      const parsed = emailSchema.safeParse(email);
      if (!parsed.success) errors.email = parsed.error.issues[0]?.message ?? 'Enter a valid email address.';
    }
    if (password === '') errors.password = 'Enter your password.';
    setFieldErrors(errors);
    if (errors.email || errors.password) {
      setShown(null);
      (errors.email ? emailRef : passwordRef).current?.focus();
      return;
    }

    setBusy(true);
    const result = await call((api) => api.session.signIn({ email, password }));
    setBusy(false);
    if (result.ok) {
      onSignedIn(result.value.user, result.value.twoFactor, result.value.mustChangePassword);
      return;
    }
    if (result.error.code === 'EMAIL_NOT_VERIFIED') {
      onNotVerified(email.trim(), result.error.message);
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    setFieldErrors(fields);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    // The submit button was disabled while waiting, which drops focus: continue where a retry starts.
    (fields.email ? emailRef : passwordRef).current?.focus();
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Sign in
        </Title>
        <Text c="dimmed">Use the email address and password of your HealthSphere account.</Text>
      </Stack>
      <Notice notice={notice} />
      <ErrorAlert shown={shown} title="We could not sign you in" />
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
              setFieldErrors((errors) => ({ ...errors, email: undefined }));
            }}
            error={fieldErrors.email}
          />
          <PasswordInput
            ref={passwordRef}
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => {
              setPassword(event.currentTarget.value);
              setFieldErrors((errors) => ({ ...errors, password: undefined }));
            }}
            error={fieldErrors.password}
            // Mantine's PasswordInput does not set it from `error` on its inner input.
            aria-invalid={fieldErrors.password ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show characters' }}
          />
          <Button type="submit" fullWidth loading={busy} mt="xs">
            Sign in
          </Button>
          <Button variant="subtle" fullWidth onClick={() => onForgotPassword(email.trim())} disabled={busy}>
            Forgot password?
          </Button>
        </Stack>
      </form>
      <Stack gap={6} align="center">
        <Text size="sm">New to HealthSphere?</Text>
        <Button variant="default" fullWidth onClick={onCreateAccount} disabled={busy}>
          Create an account
        </Button>
        <Text size="sm" mt="xs">
          Invited by your clinic?
        </Text>
        <Button variant="default" fullWidth onClick={invitation} disabled={busy}>
          I have an invitation code
        </Button>
      </Stack>
    </AuthLayout>
  );
}

import { Button, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { passwordProblem, type PasswordPolicy } from '../../../shared/password-policy';
import { registrationSchema } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFieldErrors, useFocusOnMount } from '../components/focus';
import { passwordFeedback, usePasswordPolicy } from '../components/password';

const FIELDS = ['email', 'firstName', 'lastName', 'phone', 'password', 'confirmPassword'] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;
type FieldErrors = Partial<Record<Field, string>>;

const EMPTY: Values = { email: '', firstName: '', lastName: '', phone: '', password: '', confirmPassword: '' };

const REQUIRED_MESSAGES: Partial<Record<Field, string>> = {
  email: 'Enter your email address.',
  firstName: 'Enter your first name.',
  lastName: 'Enter your last name.',
  password: 'Choose a password.',
  confirmPassword: 'Enter the password again.',
};

/** What the form can tell before asking the core: the shared schemas and the password policy. */
function validate(values: Values, policy: PasswordPolicy): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, message] of Object.entries(REQUIRED_MESSAGES) as [Field, string][]) {
    if (values[field].trim() === '') errors[field] = message;
  }
  const parsed = registrationSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as Field | undefined;
      if (field && FIELDS.includes(field) && !errors[field]) errors[field] = issue.message;
    }
  }
  if (!errors.password) {
    const problem = passwordProblem(values.password, values, policy);
    if (problem) errors.password = problem;
  }
  return errors;
}

export interface RegisterScreenProps {
  onRegistered: (email: string) => void;
  onBack: () => void;
  /** The back button's words, and the line above it (null: none); the kiosk goes back to its start. */
  backLabel?: string;
  backPrompt?: string | null;
}

export function RegisterScreen({
  onRegistered,
  onBack,
  backLabel = 'Back to sign in',
  backPrompt = 'Already have an account?',
}: RegisterScreenProps) {
  const [values, setValues] = useState<Values>(EMPTY);
  const [confirmTouched, setConfirmTouched] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const policy = usePasswordPolicy();
  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    email: useFocusOnMount<HTMLInputElement>(),
    firstName: useRef<HTMLInputElement>(null),
    lastName: useRef<HTMLInputElement>(null),
    phone: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirmPassword: useRef<HTMLInputElement>(null),
  };
  const [fieldErrors, setFieldErrors, showFieldErrors] = useFieldErrors(FIELDS, refs);

  function update(field: Field, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    setFieldErrors((errors) => ({ ...errors, [field]: undefined }));
  }

  /** Shows the errors beside their fields and focuses the first; returns whether there was one. */

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const errors = validate(values, policy);
    if (Object.values(errors).some(Boolean)) {
      setShown(null);
      setConfirmTouched(true);
      showFieldErrors(errors);
      return;
    }

    setBusy(true);
    const result = await call((api) => api.account.register(values));
    setBusy(false);
    if (result.ok) {
      onRegistered(result.value.email);
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    const focusedField = showFieldErrors(fields);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1, focus: !focusedField }));
  }

  // Live feedback while typing: why the password is refused, and whether the confirmation matches.
  const passwordDescription = passwordFeedback(values.password, values, policy, fieldErrors.password);
  const confirmMismatch =
    values.confirmPassword !== '' &&
    values.confirmPassword !== values.password &&
    (confirmTouched || values.confirmPassword.length >= values.password.length)
      ? 'The passwords do not match.'
      : undefined;

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Create your account
        </Title>
        <Text c="dimmed">We will send a code to your email address to confirm it is yours.</Text>
      </Stack>
      <ErrorAlert shown={shown} title="We could not create your account" />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            ref={refs.email}
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={values.email}
            onChange={(event) => update('email', event.currentTarget.value)}
            error={fieldErrors.email}
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
            <TextInput
              ref={refs.firstName}
              label="First name"
              autoComplete="given-name"
              required
              value={values.firstName}
              onChange={(event) => update('firstName', event.currentTarget.value)}
              error={fieldErrors.firstName}
            />
            <TextInput
              ref={refs.lastName}
              label="Last name"
              autoComplete="family-name"
              required
              value={values.lastName}
              onChange={(event) => update('lastName', event.currentTarget.value)}
              error={fieldErrors.lastName}
            />
          </SimpleGrid>
          <TextInput
            ref={refs.phone}
            label="Phone (optional)"
            description="International format, e.g. +12025550143"
            type="tel"
            autoComplete="tel"
            value={values.phone}
            onChange={(event) => update('phone', event.currentTarget.value)}
            error={fieldErrors.phone}
          />
          <PasswordInput
            ref={refs.password}
            label="Password"
            description={passwordDescription}
            autoComplete="new-password"
            required
            value={values.password}
            onChange={(event) => update('password', event.currentTarget.value)}
            error={fieldErrors.password}
            // Mantine's PasswordInput does not set it from `error` on its inner input.
            aria-invalid={fieldErrors.password ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show characters' }}
          />
          <PasswordInput
            ref={refs.confirmPassword}
            label="Confirm password"
            autoComplete="new-password"
            required
            value={values.confirmPassword}
            onChange={(event) => update('confirmPassword', event.currentTarget.value)}
            onBlur={() => setConfirmTouched(true)}
            error={fieldErrors.confirmPassword ?? confirmMismatch}
            // Mantine's PasswordInput does not set it from `error` on its inner input.
            aria-invalid={(fieldErrors.confirmPassword ?? confirmMismatch) ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show confirmation characters' }}
          />
          <Button type="submit" fullWidth loading={busy} mt="xs">
            Create account
          </Button>
        </Stack>
      </form>
      <Stack gap={6} align="center">
        {backPrompt && <Text size="sm">{backPrompt}</Text>}
        <Button variant="default" fullWidth onClick={onBack} disabled={busy}>
          {backLabel}
        </Button>
      </Stack>
    </AuthLayout>
  );
}

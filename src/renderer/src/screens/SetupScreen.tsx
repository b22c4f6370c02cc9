// First run: no administrator exists yet. This creates the first one; their first sign-in sets up two-step
// verification before anything else.
import { Button, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { contract } from '../../../shared/contract';
import { passwordProblem, type PasswordPolicy } from '../../../shared/password-policy';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFieldErrors, useFocusOnMount } from '../components/focus';
import { passwordFeedback, usePasswordPolicy } from '../components/password';

const FIELDS = ['email', 'firstName', 'lastName', 'password', 'confirmPassword'] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;
type FieldErrors = Partial<Record<Field, string>>;

const EMPTY: Values = { email: '', firstName: '', lastName: '', password: '', confirmPassword: '' };

const REQUIRED_MESSAGES: Record<Field, string> = {
  email: 'Enter the administrator’s email address.',
  firstName: 'Enter the first name.',
  lastName: 'Enter the last name.',
  password: 'Choose a password.',
  confirmPassword: 'Enter the password again.',
};

function validate(values: Values, policy: PasswordPolicy): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of FIELDS) if (values[field].trim() === '') errors[field] = REQUIRED_MESSAGES[field];
  const parsed = contract['setup.createFirstAdmin'].input.safeParse(values);
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

export interface SetupScreenProps {
  onCreated: (email: string) => void;
  /** The core says setup was already done (by another window or the command line). */
  onAlreadyDone: (message: string) => void;
}

export function SetupScreen({ onCreated, onAlreadyDone }: SetupScreenProps) {
  const [values, setValues] = useState<Values>(EMPTY);
  const [confirmTouched, setConfirmTouched] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const policy = usePasswordPolicy();
  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    email: useFocusOnMount<HTMLInputElement>(),
    firstName: useRef<HTMLInputElement>(null),
    lastName: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirmPassword: useRef<HTMLInputElement>(null),
  };
  const [fieldErrors, setFieldErrors, showFieldErrors] = useFieldErrors(FIELDS, refs);

  function update(field: Field, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
    setFieldErrors((errors) => ({ ...errors, [field]: undefined }));
  }

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
    const result = await call((api) => api.setup.createFirstAdmin(values));
    setBusy(false);
    if (result.ok) {
      onCreated(result.value.email);
      return;
    }
    if (result.error.code === 'SETUP_DONE') {
      onAlreadyDone(result.error.message);
      return;
    }
    const { fields, other } = fieldMessages(result.error, FIELDS);
    if (result.error.code === 'WEAK_PASSWORD') fields.password ??= result.error.message;
    const focused = showFieldErrors(fields);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1, focus: !focused }));
  }

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
          Set up HealthSphere
        </Title>
        <Text>
          No administrator exists yet. Create the first administrator account. After signing in, the administrator sets
          up two-step verification before anything else.
        </Text>
      </Stack>
      <ErrorAlert shown={shown} title="We could not create the administrator" />
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
          <PasswordInput
            ref={refs.password}
            label="Password"
            description={passwordDescription}
            autoComplete="new-password"
            required
            value={values.password}
            onChange={(event) => update('password', event.currentTarget.value)}
            error={fieldErrors.password}
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
            aria-invalid={(fieldErrors.confirmPassword ?? confirmMismatch) ? true : undefined}
            visibilityToggleButtonProps={{ 'aria-label': 'Show confirmation characters' }}
          />
          <Button type="submit" fullWidth loading={busy} mt="xs">
            Create administrator
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}

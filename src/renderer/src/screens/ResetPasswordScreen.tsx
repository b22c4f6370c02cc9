import { Button, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { contract } from '../../../shared/contract';
import { emailCodeSchema } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFieldErrors, useFocusOnMount } from '../components/focus';
import { Notice, type NoticeMessage } from '../components/Notice';
import { checkNewPassword, NewPasswordInputs, usePasswordPolicy } from '../components/password';
import { resetRequestedText } from './resetText';

const FIELDS = ['code', 'secondFactor', 'newPassword', 'confirmPassword'] as const;
type Field = (typeof FIELDS)[number];
type FieldErrors = Partial<Record<Field, string>>;

export interface ResetPasswordScreenProps {
  email: string;
  notice?: NoticeMessage | null;
  onReset: (email: string) => void;
  onBack: (email: string) => void;
  /** The code came in an invitation mail (a new staff account), not from a reset request. */
  invitation?: boolean;
}

/** Said when the account turns out to have two-step verification: the emailed code alone is not enough. */
export const SECOND_FACTOR_NEEDED =
  'This account uses two-step verification. Enter the code your authenticator app shows now, or one of your backup codes, and choose Set new password again.';

/** The second factor as the core reads it: 6 digits, or a backup code as printed. */
function secondFactorProblem(value: string): string | undefined {
  if (value.trim() === '') return 'Enter the code from your authenticator app, or a backup code.';
  const secondFactor = contract['account.resetPassword'].input.shape.secondFactor;
  const parsed = secondFactor.safeParse(value);
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'Enter a valid code.');
}

export function ResetPasswordScreen({
  email,
  notice: initialNotice,
  onReset,
  onBack,
  invitation = false,
}: ResetPasswordScreenProps) {
  const [code, setCode] = useState('');
  const [secondFactor, setSecondFactor] = useState('');
  /** The core said the account has two-step verification: the field for it shows from then on. */
  const [needsSecondFactor, setNeedsSecondFactor] = useState(false);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(initialNotice ?? null);
  const [busy, setBusy] = useState<'reset' | 'resend' | null>(null);
  const policy = usePasswordPolicy();
  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    code: useFocusOnMount<HTMLInputElement>(),
    secondFactor: useRef<HTMLInputElement>(null),
    newPassword: useRef<HTMLInputElement>(null),
    confirmPassword: useRef<HTMLInputElement>(null),
  };
  const [fieldErrors, setFieldErrors, showFieldErrors] = useFieldErrors(FIELDS, refs);

  const secondFactorRef = refs.secondFactor;
  useEffect(() => {
    if (needsSecondFactor) secondFactorRef.current?.focus();
  }, [needsSecondFactor, secondFactorRef]);

  function fail(error: ShownError['error']) {
    if (error.code === 'TWO_FACTOR_REQUIRED') {
      // Not a mistake: one more thing is needed. Say so, and continue in the new field.
      setShown(null);
      setFieldErrors({});
      setNotice((previous) => ({ text: SECOND_FACTOR_NEEDED, tone: 'info', id: (previous?.id ?? 0) + 1 }));
      // The field appears with this change; the effect below focuses it once it is there.
      setNeedsSecondFactor(true);
      return;
    }
    const { fields, other } = fieldMessages(error, FIELDS);
    if (error.code === 'INVALID_TWO_FACTOR_CODE') {
      fields.secondFactor ??= 'Check the code, or use a backup code.';
      setSecondFactor('');
    }
    if (error.code === 'INVALID_CODE') fields.code ??= 'Check the code, or ask for a new one.';
    if (error.code === 'WEAK_PASSWORD') fields.newPassword ??= error.message;
    const focused = showFieldErrors(fields);
    setNotice(null);
    setShown((previous) => ({ error, other, id: (previous?.id ?? 0) + 1, focus: !focused }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setSubmitted(true);
    const errors: FieldErrors = checkNewPassword(password, confirm, { email }, policy);
    const parsedCode = emailCodeSchema.safeParse(code);
    if (!parsedCode.success) {
      errors.code = code.trim() === '' ? 'Enter the 6-digit code from the email.' : parsedCode.error.issues[0]?.message;
    }
    if (needsSecondFactor) {
      const problem = secondFactorProblem(secondFactor);
      if (problem) errors.secondFactor = problem;
    }
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    setBusy('reset');
    const result = await call((api) =>
      api.account.resetPassword({
        email,
        code,
        newPassword: password,
        confirmPassword: confirm,
        ...(needsSecondFactor ? { secondFactor } : {}),
      }),
    );
    setBusy(null);
    if (result.ok) onReset(email);
    else fail(result.error);
  }

  async function resend() {
    if (busy) return;
    setBusy('resend');
    const result = await call((api) => api.account.requestPasswordReset({ email }));
    setBusy(null);
    if (result.ok) {
      setShown(null);
      setFieldErrors({});
      setCode('');
      setNotice((previous) => ({
        text: `${resetRequestedText(result.value.email)} It replaces any earlier code.`,
        id: (previous?.id ?? 0) + 1,
      }));
      refs.code.current?.focus();
    } else {
      fail(result.error);
    }
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2">
          Choose a new password
        </Title>
        <Text>
          Enter the 6-digit code from the email sent to{' '}
          <Text component="strong" fw={700} style={{ overflowWrap: 'anywhere' }}>
            {email}
          </Text>
          , and choose a new password.
        </Text>
      </Stack>
      <Notice notice={notice} />
      <ErrorAlert shown={shown} title="We could not change your password" />
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            ref={refs.code}
            label={invitation ? 'Invitation code' : 'Reset code'}
            description={invitation ? '6 digits, from the invitation email' : '6 digits, from the most recent email'}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
            required
            value={code}
            onChange={(event) => {
              setCode(event.currentTarget.value);
              setFieldErrors((errors) => ({ ...errors, code: undefined }));
            }}
            error={fieldErrors.code}
            styles={{ input: { letterSpacing: '0.3em', fontVariantNumeric: 'tabular-nums' } }}
          />
          {needsSecondFactor && (
            <TextInput
              ref={refs.secondFactor}
              label="Authentication code or backup code"
              description="6 digits from your authenticator app, or a backup code such as ABCDE-FGHJK"
              autoComplete="one-time-code"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={40}
              required
              value={secondFactor}
              onChange={(event) => {
                setSecondFactor(event.currentTarget.value);
                setFieldErrors((errors) => ({ ...errors, secondFactor: undefined }));
              }}
              error={fieldErrors.secondFactor}
              styles={{ input: { letterSpacing: '0.1em', fontVariantNumeric: 'tabular-nums' } }}
            />
          )}
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
            context={{ email }}
            passwordRef={refs.newPassword}
            confirmRef={refs.confirmPassword}
            submitted={submitted}
          />
          <Button type="submit" fullWidth loading={busy === 'reset'} disabled={busy === 'resend'} mt="xs">
            Set new password
          </Button>
        </Stack>
      </form>
      <Stack gap="xs">
        <Text size="sm" ta="center">
          No email? Check your spam folder, or ask for a new code.
        </Text>
        <Button variant="default" fullWidth onClick={resend} loading={busy === 'resend'} disabled={busy === 'reset'}>
          Send a new code
        </Button>
        <Button variant="subtle" fullWidth onClick={() => onBack(email)} disabled={busy !== null}>
          Back to sign in
        </Button>
      </Stack>
    </AuthLayout>
  );
}

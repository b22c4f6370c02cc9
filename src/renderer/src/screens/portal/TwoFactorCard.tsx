// Two-step verification on the Security tab: set it up, make new backup codes, or turn it off (unless the role
// requires it).
import { Button, Card, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../../shared/contract';
import type { AppError } from '../../../../shared/errors';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { Notice, type NoticeMessage } from '../../components/Notice';
import { AuthCodeInput, checkAuthCode } from '../../components/twoFactor';

type Status = ChannelOutput<'twoFactor.status'>;
type Mode = 'idle' | 'regenerate' | 'disable';
const FIELDS = ['password', 'code'] as const;
type Field = (typeof FIELDS)[number];
type FieldErrors = Partial<Record<Field, string>>;

export function twoFactorOnText(backupCodesRemaining: number): string {
  return `On — ${backupCodesRemaining} ${backupCodesRemaining === 1 ? 'backup code' : 'backup codes'} left`;
}

export interface TwoFactorCardProps {
  onSetUp: () => void;
  onNewBackupCodes: (codes: string[]) => void;
}

export function TwoFactorCard({ onSetUp, onNewBackupCodes }: TwoFactorCardProps) {
  const [status, setStatus] = useState<Status | null>(null);
  const [mode, setMode] = useState<Mode>('idle');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    const result = await call((api) => api.twoFactor.status({}));
    if (result.ok) setStatus(result.value);
    else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // The first field of a form that just opened has focus.
  useEffect(() => {
    if (mode === 'regenerate') codeRef.current?.focus();
    else if (mode === 'disable') passwordRef.current?.focus();
  }, [mode]);

  function open(next: Mode) {
    setMode(next);
    setPassword('');
    setCode('');
    setFieldErrors({});
    setShown(null);
    setNotice(null);
    if (next === 'idle') headingRef.current?.focus();
  }

  function showFieldErrors(errors: FieldErrors): boolean {
    setFieldErrors(errors);
    const first = FIELDS.find((field) => errors[field]);
    if (first) (first === 'password' ? passwordRef : codeRef).current?.focus();
    return first !== undefined;
  }

  function fail(error: AppError) {
    const { fields, other } = fieldMessages(error, FIELDS);
    if (error.code === 'PASSWORD_MISMATCH') {
      fields.password ??= 'This is not your password.';
      setPassword('');
    }
    if (error.code === 'INVALID_TWO_FACTOR_CODE') setCode('');
    if (error.code === 'TWO_FACTOR_ENFORCED') {
      // The settings changed since the card was drawn: show the role's rule, without the form.
      setMode('idle');
      void load();
    }
    const focused = showFieldErrors(fields);
    if (error.code === 'PASSWORD_MISMATCH' && other.length === 0) setShown(null);
    else {
      if (!focused && error.code === 'INVALID_TWO_FACTOR_CODE') codeRef.current?.focus();
      const focusAlert = !focused && error.code !== 'INVALID_TWO_FACTOR_CODE';
      setShown((previous) => ({ error, other, id: (previous?.id ?? 0) + 1, focus: focusAlert }));
    }
  }

  async function regenerate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const checked = checkAuthCode(code);
    if (!checked.ok) {
      setShown(null);
      showFieldErrors({ code: checked.message });
      return;
    }
    setBusy(true);
    const result = await call((api) => api.twoFactor.regenerateBackupCodes({ code }));
    setBusy(false);
    if (result.ok) onNewBackupCodes(result.value.backupCodes);
    else fail(result.error);
  }

  async function disable(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const errors: FieldErrors = {};
    if (password === '') errors.password = 'Enter your password.';
    const checked = checkAuthCode(code);
    if (!checked.ok) errors.code = checked.message;
    if (showFieldErrors(errors)) {
      setShown(null);
      return;
    }
    setBusy(true);
    const result = await call((api) => api.twoFactor.disable({ password, code }));
    setBusy(false);
    if (result.ok) {
      open('idle');
      setNotice((previous) => ({
        text: 'Two-step verification is off. Signing in now needs only your password.',
        id: (previous?.id ?? 0) + 1,
      }));
      await load();
    } else fail(result.error);
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="two-factor-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="two-factor-heading" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
            Two-step verification
          </Title>
          <Text size="sm" c="dimmed">
            After your password, signing in asks for a code from an authenticator app on your phone, so that a stolen
            password alone cannot open your account.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not change two-step verification" />
        {!status && !shown && <Text size="sm">Loading…</Text>}
        {status && (
          <Stack gap={4}>
            <Text fw={700}>{status.enabled ? twoFactorOnText(status.backupCodesRemaining) : 'Off'}</Text>
            {status.required && <Text>Your role requires two-step verification.</Text>}
            {status.enabled && status.backupCodesRemaining <= 3 && (
              <Text size="sm">Few backup codes are left: make new ones and keep them somewhere safe.</Text>
            )}
          </Stack>
        )}
        {status && !status.enabled && (
          <Group>
            <Button onClick={onSetUp}>Set up two-step verification</Button>
          </Group>
        )}
        {status?.enabled && mode === 'idle' && (
          <Group>
            <Button variant="default" onClick={() => open('regenerate')}>
              Make new backup codes
            </Button>
            {!status.required && (
              <Button variant="default" onClick={() => open('disable')}>
                Turn off two-step verification
              </Button>
            )}
          </Group>
        )}
        {status?.enabled && mode === 'regenerate' && (
          <form onSubmit={regenerate} noValidate>
            <Stack gap="md" maw={460}>
              <Text>New backup codes replace all of your current ones. Enter a code from your app to go on.</Text>
              <AuthCodeInput
                inputRef={codeRef}
                value={code}
                onChange={(value) => {
                  setCode(value);
                  setFieldErrors((errors) => ({ ...errors, code: undefined }));
                }}
                error={fieldErrors.code}
              />
              <Group>
                <Button type="submit" loading={busy}>
                  Make new backup codes
                </Button>
                <Button variant="default" onClick={() => open('idle')} disabled={busy}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {status?.enabled && mode === 'disable' && (
          <form onSubmit={disable} noValidate>
            <Stack gap="md" maw={460}>
              <Text>To turn it off, enter your password and a code from your app.</Text>
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
                visibilityToggleButtonProps={{ 'aria-label': 'Show password characters' }}
              />
              <AuthCodeInput
                inputRef={codeRef}
                value={code}
                onChange={(value) => {
                  setCode(value);
                  setFieldErrors((errors) => ({ ...errors, code: undefined }));
                }}
                error={fieldErrors.code}
              />
              <Group>
                <Button type="submit" color="red.8" loading={busy}>
                  Turn off two-step verification
                </Button>
                <Button variant="default" onClick={() => open('idle')} disabled={busy}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}

// Setting up two-step verification: an authenticator app scans the QR code (or takes the key typed by hand), and
// a code from it turns two-step verification on. The key is held only in this screen's memory while it shows.
import { Box, Button, Code, List, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../shared/contract';
import type { AppError } from '../../../shared/errors';
import type { UserSummary } from '../../../shared/schemas';
import { call, fieldMessages } from '../api';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorAlert, type ShownError } from '../components/ErrorAlert';
import { useFocusOnMount } from '../components/focus';
import { AuthCodeInput, checkAuthCode } from '../components/twoFactor';

type Enrollment = ChannelOutput<'twoFactor.beginEnrollment'>;

export interface EnrollTwoFactorScreenProps {
  user: UserSummary;
  /** 'signIn': the role requires it, right after the password; 'portal': chosen on the Security tab. */
  from: 'signIn' | 'portal';
  onEnrolled: (backupCodes: string[]) => void;
  /** Back to the portal ('portal'), or the sign-in was cancelled ('signIn'). */
  onCancelled: () => void;
}

/** On this screen a refused code means the app and HealthSphere disagree: say what to check. */
const ENROLL_CODE_REFUSED =
  'That code is not valid. Enter the code the app shows now for HealthSphere. If it is still refused, check that the time on your phone is set automatically.';

export function EnrollTwoFactorScreen({ user, from, onEnrolled, onCancelled }: EnrollTwoFactorScreenProps) {
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [loadError, setLoadError] = useState<ShownError | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<'load' | 'confirm' | 'cancel' | null>('load');
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const codeRef = useRef<HTMLInputElement>(null);
  const started = useRef(false);

  async function begin() {
    setBusy('load');
    setLoadError(null);
    const result = await call((api) => api.twoFactor.beginEnrollment({}));
    setBusy(null);
    if (result.ok) setEnrollment(result.value);
    else setLoadError((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  useEffect(() => {
    // Each request makes a new key: ask once, even when StrictMode runs effects twice in development.
    if (started.current) return;
    started.current = true;
    void begin();
  }, []);

  function fail(error: AppError) {
    const { fields, other } = fieldMessages(error, ['code'] as const);
    setCodeError(fields.code);
    setCode('');
    const shownError = error.code === 'INVALID_TWO_FACTOR_CODE' ? { ...error, message: ENROLL_CODE_REFUSED } : error;
    setShown((previous) => ({ error: shownError, other, id: (previous?.id ?? 0) + 1 }));
    codeRef.current?.focus();
  }

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const checked = checkAuthCode(code);
    if (!checked.ok) {
      setShown(null);
      setCodeError(checked.message);
      codeRef.current?.focus();
      return;
    }
    setBusy('confirm');
    const result = await call((api) => api.twoFactor.confirmEnrollment({ code }));
    setBusy(null);
    if (result.ok) onEnrolled(result.value.backupCodes);
    else fail(result.error);
  }

  async function cancel() {
    if (busy === 'confirm' || busy === 'cancel') return;
    if (from === 'portal') {
      onCancelled();
      return;
    }
    setBusy('cancel');
    const result = await call((api) => api.session.signOut({}));
    setBusy(null);
    if (result.ok) onCancelled();
    else fail(result.error);
  }

  return (
    <AuthLayout>
      <Stack gap={4}>
        <Title order={1} size="h2" ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
          Set up two-step verification
        </Title>
        <Text>
          {from === 'signIn'
            ? 'Your role must use two-step verification. Set it up now to continue: from then on, signing in needs your password and a code from your phone.'
            : 'From now on, signing in will need your password and a code from your phone.'}
        </Text>
      </Stack>
      <ErrorAlert shown={loadError} title="We could not start the setup" />
      {loadError && (
        <Button variant="default" fullWidth onClick={() => void begin()}>
          Try again
        </Button>
      )}
      {busy === 'load' && <Text size="sm">Preparing your key…</Text>}
      {enrollment && (
        <List type="ordered" spacing="lg" styles={{ itemWrapper: { display: 'block' } }}>
          <List.Item>
            <Text>
              Install an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator or
              Authy.
            </Text>
          </List.Item>
          <List.Item>
            <Stack gap="sm">
              <Text>
                In the app, add an account and scan this QR code with the phone&rsquo;s camera. The app lists it as
                HealthSphere,{' '}
                <Text component="span" style={{ overflowWrap: 'anywhere' }}>
                  {user.email}
                </Text>
                .
              </Text>
              <Box
                p="xs"
                bg="white"
                style={{ alignSelf: 'flex-start', border: '1px solid var(--mantine-color-gray-4)', lineHeight: 0 }}
              >
                {/* Shown at the size it was drawn, so that no module of the code is blurred by scaling. */}
                <img
                  src={enrollment.qrCodeDataUrl}
                  alt="QR code for your authenticator app"
                  data-testid="totp-qr"
                  width={240}
                  height={240}
                  style={{ maxWidth: '100%', height: 'auto', imageRendering: 'pixelated' }}
                />
              </Box>
              <Text size="sm">
                Cannot scan it? In the app, choose to enter a key instead and type the key below. If the app asks, the
                key is time-based.
              </Text>
              <Box component="dl" m={0}>
                <Text component="dt" size="sm" fw={700}>
                  Key for manual entry
                </Text>
                <Box component="dd" m={0} mt={4}>
                  <Code
                    data-testid="totp-manual-key"
                    fz="md"
                    p="xs"
                    style={{ display: 'inline-block', letterSpacing: '0.05em', overflowWrap: 'anywhere' }}
                  >
                    {enrollment.manualKey}
                  </Code>
                </Box>
              </Box>
            </Stack>
          </List.Item>
          <List.Item>
            <Text>Enter the 6-digit code the app now shows for HealthSphere.</Text>
          </List.Item>
        </List>
      )}
      {enrollment && <ErrorAlert shown={shown} title="Two-step verification is not on yet" />}
      {enrollment && (
        <form onSubmit={confirm} noValidate>
          <Stack gap="md">
            <AuthCodeInput
              inputRef={codeRef}
              value={code}
              onChange={(value) => {
                setCode(value);
                setCodeError(undefined);
              }}
              error={codeError}
            />
            <Button type="submit" fullWidth loading={busy === 'confirm'} disabled={busy === 'cancel'} mt="xs">
              Turn on two-step verification
            </Button>
          </Stack>
        </form>
      )}
      <Button variant="default" fullWidth onClick={cancel} loading={busy === 'cancel'} disabled={busy === 'confirm'}>
        {from === 'signIn' ? 'Cancel sign-in' : 'Cancel'}
      </Button>
    </AuthLayout>
  );
}

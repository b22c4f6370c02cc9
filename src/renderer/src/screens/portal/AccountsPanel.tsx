// The administrator's account tasks by email address: unlock an account that sign-in protection locked, and
// reset an account's two-step verification (a lost phone, and no backup codes left).
import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useRef, useState, type FormEvent } from 'react';
import type { Result } from '../../../../shared/errors';
import { emailSchema } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { Notice, type NoticeMessage } from '../../components/Notice';

interface Outcome {
  text: string;
  tone: NoticeMessage['tone'];
}

interface EmailActionCardProps {
  id: string;
  heading: string;
  description: string;
  button: string;
  errorTitle: string;
  /** Asks the core; says what happened in a sentence. */
  act: (email: string) => Promise<Result<Outcome>>;
}

/** One task on one account: the email address, a button, and what the core answered. */
function EmailActionCard({ id, heading, description, button, errorTitle, act }: EmailActionCardProps) {
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) {
      setShown(null);
      setEmailError(email.trim() === '' ? 'Enter the email address of the account.' : parsed.error.issues[0]?.message);
      emailRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await act(email);
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setNotice((previous) => ({ ...result.value, id: (previous?.id ?? 0) + 1 }));
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['email'] as const);
    setEmailError(fields.email);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    emailRef.current?.focus();
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={id}>
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id={id}>
            {heading}
          </Title>
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title={errorTitle} />
        <form onSubmit={submit} noValidate>
          <Stack gap="md" maw={460}>
            <TextInput
              ref={emailRef}
              label="Email"
              type="email"
              autoComplete="off"
              required
              value={email}
              onChange={(event) => {
                setEmail(event.currentTarget.value);
                setEmailError(undefined);
              }}
              error={emailError}
            />
            <Group>
              <Button type="submit" loading={busy}>
                {button}
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

async function unlock(email: string): Promise<Result<Outcome>> {
  const result = await call((api) => api.users.unlock({ email }));
  if (!result.ok) return result;
  return {
    ok: true,
    value: result.value.unlocked
      ? { text: 'The account is unlocked.', tone: 'success' }
      : { text: 'That account was not locked.', tone: 'info' },
  };
}

async function resetTwoFactor(email: string): Promise<Result<Outcome>> {
  const result = await call((api) => api.users.resetTwoFactor({ email }));
  if (!result.ok) return result;
  return {
    ok: true,
    value: result.value.reset
      ? {
          text: 'Two-step verification was reset. They will set it up again at their next sign-in.',
          tone: 'success',
        }
      : { text: 'That account had no two-step verification.', tone: 'info' },
  };
}

export function AccountsPanel() {
  return (
    <Stack gap="lg">
      <EmailActionCard
        id="unlock-account-heading"
        heading="Unlock an account"
        description="After too many failed sign-ins an account locks for a while. Unlock it here once you know the person is who they say they are."
        button="Unlock account"
        errorTitle="We could not unlock the account"
        act={unlock}
      />
      <EmailActionCard
        id="reset-two-factor-heading"
        heading="Reset two-step verification"
        description="For someone who lost their phone and has no backup codes left. Their sessions end, and they set up two-step verification again at their next sign-in (or sign in with the password alone, if their role does not require it). Do this only once you know the person is who they say they are."
        button="Reset two-step verification"
        errorTitle="We could not reset two-step verification"
        act={resetTwoFactor}
      />
    </Stack>
  );
}

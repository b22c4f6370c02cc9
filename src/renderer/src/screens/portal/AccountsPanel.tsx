// The administrator unlocks an account that sign-in protection locked.
import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useRef, useState, type FormEvent } from 'react';
import { emailSchema } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { Notice, type NoticeMessage } from '../../components/Notice';

export function AccountsPanel() {
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);

  async function unlock(event: FormEvent<HTMLFormElement>) {
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
    const result = await call((api) => api.users.unlock({ email }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setNotice((previous) => ({
        text: result.value.unlocked ? 'The account is unlocked.' : 'That account was not locked.',
        tone: result.value.unlocked ? 'success' : 'info',
        id: (previous?.id ?? 0) + 1,
      }));
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['email'] as const);
    setEmailError(fields.email);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    emailRef.current?.focus();
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="unlock-account-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="unlock-account-heading">
            Unlock an account
          </Title>
          <Text size="sm" c="dimmed">
            After too many failed sign-ins an account locks for a while. Unlock it here once you know the person is who
            they say they are.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not unlock the account" />
        <form onSubmit={unlock} noValidate>
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
                Unlock account
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

// The administrator's view of mail: send a test mail, and see the outbox (queued, sent, failed).
import {
  Alert,
  Button,
  Card,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelInput, ChannelOutput } from '../../../../shared/contract';
import { emailSchema, type UserSummary } from '../../../../shared/schemas';
import { call, fieldMessages } from '../../api';
import { ErrorAlert, type ShownError } from '../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../components/format';
import { AlertIcon, InfoIcon } from '../../components/icons';
import { Notice, type NoticeMessage } from '../../components/Notice';

export const MAIL_NOT_CONFIGURED =
  'Mail is not configured: messages stay queued until an administrator sets HEALTHSPHERE_SMTP_URL.';

type OutboxState = NonNullable<ChannelInput<'mail.outbox'>['state']>;
type Outbox = ChannelOutput<'mail.outbox'>;

const STATES: { value: OutboxState; label: string }[] = [
  { value: 'all', label: 'All messages' },
  { value: 'queued', label: 'Queued' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
];

const STATE_LABELS: Record<Outbox['messages'][number]['state'], string> = {
  queued: 'Queued',
  sent: 'Sent',
  failed: 'Failed',
};

function TestMailCard({ user, onSent }: { user: UserSummary; onSent: () => void }) {
  const [to, setTo] = useState(user.email);
  const [toError, setToError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [undelivered, setUndelivered] = useState<{ response: string; id: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const toRef = useRef<HTMLInputElement>(null);

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    setUndelivered(null);
    const parsed = emailSchema.safeParse(to);
    if (!parsed.success) {
      setShown(null);
      setToError(to.trim() === '' ? 'Enter an email address.' : parsed.error.issues[0]?.message);
      toRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await call((api) => api.mail.sendTest({ to }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      const response = result.value.serverResponse || 'no answer';
      if (result.value.delivered) {
        setNotice((previous) => ({
          text: `The test mail was delivered to ${parsed.data}. The mail server answered: ${response}`,
          id: (previous?.id ?? 0) + 1,
        }));
      } else {
        setUndelivered((previous) => ({ response, id: (previous?.id ?? 0) + 1 }));
      }
      onSent();
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['to'] as const);
    setToError(fields.to);
    setShown((previous) => ({ error: result.error, other, id: (previous?.id ?? 0) + 1 }));
    toRef.current?.focus();
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="test-mail-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="test-mail-heading">
            Send a test mail
          </Title>
          <Text size="sm" c="dimmed">
            Checks that the mail server accepts mail from HealthSphere. The mail holds no patient information.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not send the test mail" />
        {undelivered && (
          <Alert
            key={undelivered.id}
            role="alert"
            color="red"
            variant="light"
            title="The test mail was not delivered"
            icon={<AlertIcon />}
          >
            The mail server answered: {undelivered.response}
          </Alert>
        )}
        <form onSubmit={send} noValidate>
          <Group align="flex-end" gap="md">
            <TextInput
              ref={toRef}
              label="Send test mail to"
              type="email"
              autoComplete="off"
              required
              value={to}
              onChange={(event) => {
                setTo(event.currentTarget.value);
                setToError(undefined);
              }}
              error={toError}
              style={{ flex: '1 1 280px' }}
            />
            <Button type="submit" loading={busy}>
              Send test mail
            </Button>
          </Group>
        </form>
      </Stack>
    </Card>
  );
}

function OutboxCard({ reloadKey }: { reloadKey: number }) {
  const [state, setState] = useState<OutboxState>('all');
  const [outbox, setOutbox] = useState<Outbox | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (which: OutboxState) => {
    setBusy(true);
    const result = await call((api) => api.mail.outbox({ state: which }));
    setBusy(false);
    if (result.ok) {
      setOutbox(result.value);
      setShown(null);
    } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1 }));
  }, []);

  useEffect(() => {
    void load(state);
  }, [load, state, reloadKey]);

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="outbox-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="outbox-heading">
            Outbox
          </Title>
          <Text size="sm" c="dimmed">
            Every mail HealthSphere sends waits here until the mail server accepts it; failed sends are retried.
          </Text>
        </Stack>
        {outbox && !outbox.configured && (
          <Paper withBorder p="sm" bg="yellow.0" style={{ borderColor: 'var(--mantine-color-yellow-6)' }}>
            <Group gap="sm" wrap="nowrap" align="flex-start">
              <InfoIcon />
              <Text size="sm" fw={500}>
                {MAIL_NOT_CONFIGURED}
              </Text>
            </Group>
          </Paper>
        )}
        <ErrorAlert shown={shown} title="We could not show the outbox" />
        <Group align="flex-end" gap="md">
          <NativeSelect
            label="Show"
            data={STATES}
            value={state}
            onChange={(event) => setState(event.currentTarget.value as OutboxState)}
            w={220}
          />
          <Button variant="default" onClick={() => void load(state)} loading={busy}>
            Refresh
          </Button>
        </Group>
        {outbox && (
          <Text size="sm">
            {outbox.messages.length === 1 ? '1 message' : `${outbox.messages.length} messages`}
            {state === 'all' ? '' : ` ${STATE_LABELS[state].toLowerCase()}`}, newest first.
          </Text>
        )}
        {outbox && (
          <Table striped verticalSpacing="sm" captionSide="top">
            <Table.Caption>
              <VisuallyHidden>Outbox</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Recipient</Table.Th>
                <Table.Th scope="col">Subject</Table.Th>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">Attempts</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
                <Table.Th scope="col">Last error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {outbox.messages.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={7}>No messages.</Table.Td>
                </Table.Tr>
              )}
              {[...outbox.messages]
                .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
                .map((message) => (
                  <Table.Tr key={message.id}>
                    <Table.Td>{message.kind}</Table.Td>
                    <Table.Td style={{ overflowWrap: 'break-word' }}>{message.recipient}</Table.Td>
                    <Table.Td>{message.subject}</Table.Td>
                    <Table.Td>{STATE_LABELS[message.state]}</Table.Td>
                    <Table.Td>{message.attempts}</Table.Td>
                    <Table.Td>
                      <time dateTime={isoDateTime(message.createdAt)}>{formatDateTime(message.createdAt)}</time>
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'break-word' }}>{message.lastError ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}

export function MailPanel({ user }: { user: UserSummary }) {
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <Stack gap="lg">
      <TestMailCard user={user} onSent={() => setReloadKey((key) => key + 1)} />
      <OutboxCard reloadKey={reloadKey} />
    </Stack>
  );
}

// A test mail, sent at once (never held for a Business Associate Agreement: it carries no patient information),
// and what the mail server said: its answer, the problem in plain words, and how the connection was protected.
import { Alert, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ChannelOutput } from '../../../../../shared/contract';
import { emailSchema, type UserSummary } from '../../../../../shared/schemas';
import { call, fieldMessages } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../../components/format';
import { AlertIcon } from '../../../components/icons';
import { Notice, type NoticeMessage } from '../../../components/Notice';
import { Facts, type Fact } from './Facts';
import { nextNotice, nextShown } from './messages';

type TestResult = ChannelOutput<'mail.sendTest'> & { to: string };

/** A certificate's end of validity as OpenSSL writes it ("Nov 30 07:35:52 2026 GMT"), in the local format. */
function validUntil(text: string): ReactNode {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return text || '—';
  return <time dateTime={isoDateTime(ms)}>{formatDateTime(ms)}</time>;
}

function resultFacts(result: TestResult): Fact[] {
  const facts: Fact[] = [
    { label: 'Sent to', value: result.to },
    { label: 'Mail server', value: result.server || 'None set' },
    { label: 'Result', value: result.delivered ? 'Delivered' : 'Not delivered' },
    { label: 'Server answer', value: result.serverResponse || 'No answer' },
  ];
  if (result.problem) facts.push({ label: 'Problem', value: result.problem });
  const tls = result.tls;
  if (tls) {
    facts.push(
      { label: 'TLS version', value: tls.version },
      { label: 'Cipher', value: tls.cipher },
      {
        label: 'Certificate verified',
        value: tls.certificateVerified ? 'Yes' : 'No — the server could not be proven to be who it says it is',
      },
      { label: 'Certificate subject', value: tls.certificateSubject || '—' },
      { label: 'Certificate issuer', value: tls.certificateIssuer || '—' },
      { label: 'Certificate valid until', value: validUntil(tls.certificateValidTo) },
    );
  } else if (result.delivered) {
    facts.push({ label: 'Encryption', value: 'None: plain text to a mail relay on this computer' });
  }
  return facts;
}

export function TestMailCard({ user, onSent }: { user: UserSummary; onSent: () => void }) {
  const [to, setTo] = useState(user.email);
  const [toError, setToError] = useState<string | undefined>();
  const [shown, setShown] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [result, setResult] = useState<(TestResult & { id: number }) | null>(null);
  const [busy, setBusy] = useState(false);
  const toRef = useRef<HTMLInputElement>(null);

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setNotice(null);
    const parsed = emailSchema.safeParse(to);
    if (!parsed.success) {
      setShown(null);
      setToError(to.trim() === '' ? 'Enter an email address.' : parsed.error.issues[0]?.message);
      toRef.current?.focus();
      return;
    }
    setBusy(true);
    const answer = await call((api) => api.mail.sendTest({ to: parsed.data }));
    setBusy(false);
    if (answer.ok) {
      setShown(null);
      setResult((previous) => ({ ...answer.value, to: parsed.data, id: (previous?.id ?? 0) + 1 }));
      if (answer.value.delivered) {
        const response = answer.value.serverResponse || 'no answer';
        setNotice(nextNotice(`The test mail was delivered to ${parsed.data}. The mail server answered: ${response}`));
      }
      onSent();
      return;
    }
    setResult(null);
    const { fields, other } = fieldMessages(answer.error, ['to'] as const);
    setToError(fields.to);
    setShown(nextShown(answer.error, other));
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
            Checks that the mail server accepts mail from HealthSphere, and shows how the connection is protected. The
            test mail holds no patient information, so it is sent at once, even while other mail waits for an agreement.
          </Text>
        </Stack>
        <Notice notice={notice} />
        <ErrorAlert shown={shown} title="We could not send the test mail" />
        {result && !result.delivered && (
          <Alert
            key={result.id}
            role="alert"
            color="red"
            variant="light"
            title="The test mail was not delivered"
            icon={<AlertIcon />}
          >
            {result.problem ?? `The mail server answered: ${result.serverResponse || 'no answer'}`}
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
        {result && (
          <Stack gap="xs" key={result.id}>
            <Title order={3} size="h4">
              Last test
            </Title>
            <Facts facts={resultFacts(result)} />
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

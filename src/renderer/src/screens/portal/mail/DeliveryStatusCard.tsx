// Whether mail leaves this computer now, and the Business Associate Agreement (BAA) it needs: HIPAA requires one
// with any provider that handles the clinic's mail, so without one on file mail to another computer stays queued.
import { Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChannelOutput } from '../../../../../shared/contract';
import type { BaaRecord, MailDeliveryStatus } from '../../../../../shared/mail';
import { call, fieldMessages } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatDateTime, isoDateTime } from '../../../components/format';
import { Notice, type NoticeMessage } from '../../../components/Notice';
import { DeliveryMessage } from './DeliveryMessage';
import { Facts } from './Facts';
import { nextNotice, nextShown } from './messages';

export type BaaChange = { baa: BaaRecord | null; delivery: MailDeliveryStatus };

export function DeliveryStatusCard({
  settings,
  onChanged,
}: {
  settings: ChannelOutput<'mail.getSettings'>;
  onChanged: (change: BaaChange) => void;
}) {
  const host = settings.values.host;
  const remote = host !== '' && !settings.loopback;
  // The core keeps hosts normalised (lower case, no trailing dot), and holds mail unless they are the same.
  const baa = settings.baa && settings.baa.host === host ? settings.baa : null;
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  // What was done about the agreement is old news once the server is another one.
  useEffect(() => setNotice(null), [host]);

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="mail-delivery-heading">
      <Stack gap="md">
        <Title order={2} size="h3" id="mail-delivery-heading">
          Mail delivery
        </Title>
        <DeliveryMessage delivery={settings.delivery} />
        <Notice notice={notice} />
        {host !== '' && (
          <Stack gap="sm">
            <Title order={3} size="h4">
              Business Associate Agreement
            </Title>
            {!remote ? (
              <Text size="sm">
                The mail server is this computer ({host}). A relay on this computer needs no agreement.
              </Text>
            ) : (
              <>
                <Text size="sm">
                  HIPAA requires a Business Associate Agreement with any provider that handles mail for the clinic;
                  {baa
                    ? ` one is on file for ${host}. If you withdraw it, mail stays queued and is not sent.`
                    : ` until one is confirmed here for ${host}, mail stays queued and is not sent.`}
                </Text>
                {baa ? (
                  <BaaOnFile
                    baa={baa}
                    onWithdrawn={(delivery) => {
                      onChanged({ baa: null, delivery });
                      setNotice(nextNotice('The agreement is withdrawn: mail to this server stays queued.', 'info'));
                    }}
                  />
                ) : (
                  <ConfirmBaaForm
                    host={host}
                    previous={settings.baa}
                    onConfirmed={(change) => {
                      onChanged(change);
                      setNotice(
                        nextNotice(`The agreement with ${change.baa?.provider ?? 'the provider'} is recorded.`),
                      );
                    }}
                  />
                )}
              </>
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

function BaaOnFile({ baa, onWithdrawn }: { baa: BaaRecord; onWithdrawn: (delivery: MailDeliveryStatus) => void }) {
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  async function withdraw() {
    if (busy) return;
    setBusy(true);
    const result = await call((api) => api.mail.withdrawBaa({}));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      onWithdrawn(result.value.delivery);
    } else setShown(nextShown(result.error, [], true));
  }

  return (
    <Stack gap="sm">
      <ErrorAlert shown={shown} title="We could not withdraw the agreement" />
      <Facts
        facts={[
          { label: 'Provider', value: baa.provider },
          { label: 'For the server', value: baa.host },
          { label: 'Confirmed by', value: baa.confirmedBy },
          {
            label: 'Confirmed on',
            value: <time dateTime={isoDateTime(baa.confirmedAt)}>{formatDateTime(baa.confirmedAt)}</time>,
          },
        ]}
      />
      <Group>
        <Button variant="default" onClick={() => void withdraw()} loading={busy}>
          Withdraw agreement
        </Button>
      </Group>
    </Stack>
  );
}

function ConfirmBaaForm({
  host,
  previous,
  onConfirmed,
}: {
  host: string;
  previous: BaaRecord | null;
  onConfirmed: (change: BaaChange) => void;
}) {
  const [provider, setProvider] = useState('');
  const [onFile, setOnFile] = useState(false);
  const [errors, setErrors] = useState<{ provider?: string; onFile?: string }>({});
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const providerRef = useRef<HTMLInputElement>(null);
  const onFileRef = useRef<HTMLInputElement>(null);

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    if (provider.trim().length < 2) next.provider = 'Enter the name of the mail provider the agreement is with.';
    if (!onFile) next.onFile = 'Tick this box only when the signed agreement is on file.';
    setErrors(next);
    if (next.provider) providerRef.current?.focus();
    else if (next.onFile) onFileRef.current?.focus();
    if (next.provider || next.onFile) {
      setShown(null);
      return;
    }
    setBusy(true);
    const result = await call((api) => api.mail.confirmBaa({ provider: provider.trim(), host }));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setProvider('');
      setOnFile(false);
      onConfirmed(result.value);
      return;
    }
    const { fields, other } = fieldMessages(result.error, ['provider'] as const);
    setErrors({ provider: fields.provider });
    if (fields.provider) providerRef.current?.focus();
    setShown(nextShown(result.error, other, !fields.provider));
  }

  return (
    <form onSubmit={confirm} noValidate>
      <Stack gap="sm">
        {previous && (
          <Text size="sm">
            The agreement on file ({previous.provider}) was confirmed for another server, {previous.host}; it does not
            cover {host}.
          </Text>
        )}
        <ErrorAlert shown={shown} title="We could not record the agreement" />
        <TextInput
          ref={providerRef}
          label="Mail provider"
          description={`The company that runs ${host}, named as in the agreement.`}
          autoComplete="organization"
          required
          value={provider}
          onChange={(event) => {
            setProvider(event.currentTarget.value);
            setErrors((current) => ({ ...current, provider: undefined }));
          }}
          error={errors.provider}
          maw={420}
        />
        <Checkbox
          ref={onFileRef}
          label="A Business Associate Agreement with this provider is on file"
          checked={onFile}
          onChange={(event) => {
            setOnFile(event.currentTarget.checked);
            setErrors((current) => ({ ...current, onFile: undefined }));
          }}
          error={errors.onFile}
          size="md"
        />
        <Group>
          <Button type="submit" loading={busy}>
            Confirm agreement
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

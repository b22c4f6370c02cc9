// Every mail HealthSphere sent or is about to send: to whom, its subject, its state and the server's reply, newest
// first, a page at a time. Never a mail's body: the channel does not return one.
import { Button, Card, Group, NativeSelect, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { ChannelInput, ChannelOutput } from '../../../../../shared/contract';
import { MAIL_CATEGORIES, MAIL_CATEGORY_LABELS, type MailCategory } from '../../../../../shared/mail';
import { call } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatCount, formatDateTime, isoDateTime } from '../../../components/format';
import { DeliveryMessage } from './DeliveryMessage';
import { nextShown } from './messages';

type Log = ChannelOutput<'mail.outbox'>;
type Message = Log['messages'][number];
type StateFilter = NonNullable<ChannelInput<'mail.outbox'>['state']>;
type CategoryFilter = NonNullable<ChannelInput<'mail.outbox'>['category']>;

interface Filters {
  query: string;
  category: CategoryFilter;
  state: StateFilter;
}

const STATES: { value: StateFilter; label: string }[] = [
  { value: 'all', label: 'All states' },
  { value: 'queued', label: 'Queued' },
  { value: 'sent', label: 'Sent' },
  { value: 'failed', label: 'Failed' },
];

const CATEGORIES: { value: CategoryFilter; label: string }[] = [
  { value: 'all', label: 'All kinds' },
  ...MAIL_CATEGORIES.map((category: MailCategory) => ({ value: category, label: MAIL_CATEGORY_LABELS[category] })),
];

function Moment({ ms }: { ms: number }) {
  return <time dateTime={isoDateTime(ms)}>{formatDateTime(ms)}</time>;
}

/** `held`: mail is not leaving now (no server, no BAA), so a retry time would not come true. */
function StateText({ message, held }: { message: Message; held: boolean }) {
  if (message.state === 'queued') return <>Queued</>;
  if (message.state === 'sent') {
    return message.sentAt === null ? (
      <>Sent</>
    ) : (
      <>
        Sent{' '}
        <Text span size="xs" c="dimmed" style={{ display: 'block' }}>
          <Moment ms={message.sentAt} />
        </Text>
      </>
    );
  }
  if (message.nextAttemptAt === null) return <>Failed — not retried</>;
  if (held) return <>Failed — waits until mail can leave</>;
  return (
    <>
      Failed — retries at <Moment ms={message.nextAttemptAt} />
    </>
  );
}

/** Whether an element is wider inside than it shows (it scrolls sideways), kept up to date as it resizes. */
function useOverflowing<T extends HTMLElement>(): [RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [overflowing, setOverflowing] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const check = () => setOverflowing(element.scrollWidth > element.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  });
  return [ref, overflowing];
}

export function DeliveryLogCard({ reloadKey }: { reloadKey: number }) {
  const [query, setQuery] = useState('');
  const [filters, setFilters] = useState<Filters>({ query: '', category: 'all', state: 'all' });
  const [log, setLog] = useState<Log | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState<'load' | 'older' | null>(null);
  const [scroller, overflowing] = useOverflowing<HTMLDivElement>();

  /** Only the latest request's answer is shown: an older page that arrives after a new search is dropped. */
  const latest = useRef(0);

  const load = useCallback(async (applied: Filters, before: number | null) => {
    const request = ++latest.current;
    setBusy(before === null ? 'load' : 'older');
    const result = await call((api) => api.mail.outbox({ ...applied, before }));
    if (request !== latest.current) return;
    setBusy(null);
    if (result.ok) {
      setShown(null);
      // An older page adds to the rows shown; a new search starts again from the newest.
      setLog((current) =>
        before !== null && current
          ? { ...result.value, messages: [...current.messages, ...result.value.messages] }
          : result.value,
      );
    } else setShown(nextShown(result.error));
  }, []);

  useEffect(() => {
    void load(filters, null);
  }, [load, filters, reloadKey]);

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilters((current) => ({ ...current, query: query.trim() }));
  }

  const filtered = filters.query !== '' || filters.category !== 'all' || filters.state !== 'all';
  const count = log?.messages.length ?? 0;

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="delivery-log-heading">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h3" id="delivery-log-heading">
            Delivery log
          </Title>
          <Text size="sm" c="dimmed">
            Every mail HealthSphere sends waits here until the mail server accepts it; failed sends are retried. Only
            the recipient, subject and delivery are shown, never what a mail says.
          </Text>
        </Stack>
        {log && log.delivery.state !== 'ready' && <DeliveryMessage delivery={log.delivery} />}
        <ErrorAlert shown={shown} title="We could not show the delivery log" />
        <form onSubmit={search} noValidate role="search" aria-label="Delivery log">
          <Group align="flex-end" gap="md">
            <TextInput
              label="Recipient or subject"
              type="search"
              autoComplete="off"
              value={query}
              onChange={(event) => setQuery(event.currentTarget.value)}
              style={{ flex: '1 1 240px' }}
            />
            <NativeSelect
              label="Kind"
              data={CATEGORIES}
              value={filters.category}
              onChange={(event) => {
                const category = event.currentTarget.value as CategoryFilter;
                setFilters((current) => ({ ...current, category, query: query.trim() }));
              }}
              size="md"
              w={180}
            />
            <NativeSelect
              label="State"
              data={STATES}
              value={filters.state}
              onChange={(event) => {
                const state = event.currentTarget.value as StateFilter;
                setFilters((current) => ({ ...current, state, query: query.trim() }));
              }}
              size="md"
              w={160}
            />
            <Button type="submit" loading={busy === 'load'}>
              Search
            </Button>
            <Button variant="default" onClick={() => void load(filters, null)} disabled={busy !== null}>
              Refresh
            </Button>
          </Group>
        </form>
        {log && (
          <Text size="sm" role="status">
            {count === 1 ? '1 message' : `${formatCount(count)} messages`}
            {filtered ? ' found' : ''}, newest first{log.nextBefore !== null ? '; older ones follow' : ''}.
          </Text>
        )}
        {log && (
          // In a narrow window the table scrolls sideways: then it can be focused, so the keyboard scrolls it too.
          <div
            ref={scroller}
            tabIndex={overflowing ? 0 : undefined}
            role={overflowing ? 'region' : undefined}
            aria-label={overflowing ? 'Messages' : undefined}
            style={{ overflowX: 'auto' }}
          >
            <Table
              striped
              verticalSpacing="sm"
              captionSide="top"
              miw={720}
              layout="fixed"
              style={{ overflowWrap: 'break-word' }}
            >
              <Table.Caption>
                <VisuallyHidden>Delivery log</VisuallyHidden>
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col" w="12%">
                    Kind
                  </Table.Th>
                  <Table.Th scope="col" w="20%">
                    Recipient
                  </Table.Th>
                  <Table.Th scope="col" w="17%">
                    Subject
                  </Table.Th>
                  <Table.Th scope="col" w="13%">
                    State
                  </Table.Th>
                  <Table.Th scope="col" w="11%">
                    Attempts
                  </Table.Th>
                  <Table.Th scope="col" w="12%">
                    Created
                  </Table.Th>
                  <Table.Th scope="col" w="15%">
                    Server reply
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {log.messages.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>No messages.</Table.Td>
                  </Table.Tr>
                )}
                {log.messages.map((message) => (
                  <Table.Tr key={message.id}>
                    <Table.Td>{MAIL_CATEGORY_LABELS[message.category]}</Table.Td>
                    <Table.Td>{message.recipient}</Table.Td>
                    <Table.Td>{message.subject}</Table.Td>
                    <Table.Td>
                      <StateText
                        message={message}
                        held={log.delivery.state === 'needs-baa' || log.delivery.state === 'not-configured'}
                      />
                    </Table.Td>
                    <Table.Td>{message.attempts}</Table.Td>
                    <Table.Td>
                      <Moment ms={message.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      {(message.state === 'sent' ? message.serverResponse : message.lastError) ?? '—'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
        {log && log.nextBefore !== null && (
          <Group>
            <Button
              variant="default"
              loading={busy === 'older'}
              disabled={busy === 'load'}
              onClick={() => void load(filters, log.nextBefore)}
            >
              Show older
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

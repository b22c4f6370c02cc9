// Finding audit events: filters with visible labels, a table of one page at a time, keyset pages (each page starts
// where the last one ended, so any depth costs the same), and an event's full detail.
import { Button, Card, Group, NativeSelect, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Fragment, useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditCursor, type AuditEventView } from '../../../../../shared/audit';
import type { ChannelOutput } from '../../../../../shared/contract';
import { call } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { useFieldErrors } from '../../../components/focus';
import { formatDate, formatTimeSeconds, isoDateTime } from '../../../components/format';
import { AuditEventDetail, type OpenedEvent } from './AuditEventDetail';
import {
  FILTER_FIELDS,
  type FilterDraft,
  type FilterField,
  type FilterInput,
  filterFieldMessages,
  hasFilters,
  NO_FILTERS,
  type SortOrder,
  toFilters,
} from './filters';
import { OUTCOME_COLORS, OUTCOME_LABELS, roleText } from './labels';

const PAGE_SIZE = 50;

type Page = ChannelOutput<'audit.search'>;

export interface AppliedSearch {
  filters: FilterInput;
  sort: SortOrder;
}

function nextShown(error: ShownError['error'], other: string[] = [], focus = false) {
  return (previous: ShownError | null): ShownError => ({ error, other, id: (previous?.id ?? 0) + 1, focus });
}

export function AuditSearch({ onApplied }: { onApplied: (search: AppliedSearch) => void }) {
  const [draft, setDraft] = useState<FilterDraft>(NO_FILTERS);
  const [applied, setApplied] = useState<AppliedSearch>({ filters: {}, sort: 'newest' });
  /** Where each page shown so far began: the last is the current page's (null: the first page). */
  const [starts, setStarts] = useState<(AuditCursor | null)[]>([null]);
  const [page, setPage] = useState<Page | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<OpenedEvent | null>(null);
  const refs = {
    actor: useRef<HTMLInputElement>(null),
    action: useRef<HTMLSelectElement>(null),
    outcome: useRef<HTMLSelectElement>(null),
    resourceType: useRef<HTMLInputElement>(null),
    resourceId: useRef<HTMLInputElement>(null),
    patient: useRef<HTMLInputElement>(null),
    workstation: useRef<HTMLInputElement>(null),
    from: useRef<HTMLInputElement>(null),
    to: useRef<HTMLInputElement>(null),
    sort: useRef<HTMLSelectElement>(null),
  } satisfies Record<FilterField, unknown>;
  const [errors, setErrors, showErrors] = useFieldErrors(FILTER_FIELDS, refs);
  const openSeq = useRef(0);

  /** Asks for one page; on success shows it and returns true. */
  const search = useCallback(
    async (next: AppliedSearch, cursor: AuditCursor | null, focusOnError: boolean): Promise<boolean> => {
      setBusy(true);
      const result = await call((api) =>
        api.audit.search({ filters: next.filters, sort: next.sort, cursor, limit: PAGE_SIZE }),
      );
      setBusy(false);
      if (result.ok) {
        setShown(null);
        setPage(result.value);
        return true;
      }
      if (result.error.code === 'INVALID_INPUT') {
        const { fields, other } = filterFieldMessages(result.error.fields);
        const focused = focusOnError && showErrors(fields);
        setShown(nextShown(result.error, other, !focused));
      } else setShown(nextShown(result.error, [], focusOnError));
      return false;
    },
    // showErrors only sets state and focuses refs, whichever render it comes from.
    [],
  );

  useEffect(() => {
    void search({ filters: {}, sort: 'newest' }, null, false);
  }, [search]);

  async function applyDraft(values: FilterDraft) {
    if (busy) return;
    const built = toFilters(values);
    if (!built.ok) {
      showErrors(built.fields);
      setShown(null);
      return;
    }
    setErrors({});
    const next = { filters: built.filters, sort: built.sort };
    if (await search(next, null, true)) {
      setApplied(next);
      setStarts([null]);
      onApplied(next);
    }
  }

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void applyDraft(draft);
  }

  function clear() {
    setDraft(NO_FILTERS);
    void applyDraft(NO_FILTERS);
  }

  async function goTo(nextStarts: (AuditCursor | null)[]) {
    if (busy) return;
    if (await search(applied, nextStarts[nextStarts.length - 1] ?? null, true)) setStarts(nextStarts);
  }

  async function open(seq: number) {
    const token = ++openSeq.current;
    setOpened({ seq, loaded: null, shown: null });
    const result = await call((api) => api.audit.event({ seq }));
    if (token !== openSeq.current) return;
    setOpened(
      result.ok
        ? { seq, loaded: result.value, shown: null }
        : { seq, loaded: null, shown: { error: result.error, other: [], id: 1 } },
    );
  }

  const set = (field: FilterField) => (value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const text = (
    field: 'actor' | 'resourceType' | 'resourceId' | 'patient' | 'workstation',
    label: string,
    description?: string,
  ) => (
    <TextInput
      ref={refs[field]}
      label={label}
      description={description}
      autoComplete="off"
      value={draft[field]}
      onChange={(e) => set(field)(e.currentTarget.value)}
      error={errors[field]}
    />
  );
  const date = (field: 'from' | 'to', label: string) => (
    <TextInput
      ref={refs[field]}
      label={label}
      type="date"
      value={draft[field]}
      onChange={(e) => set(field)(e.currentTarget.value)}
      error={errors[field]}
    />
  );
  const pageNumber = starts.length;

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="audit-search-heading">
      <Stack gap="md">
        <Title order={2} size="h3" id="audit-search-heading">
          Find events
        </Title>
        <form onSubmit={apply} noValidate aria-label="Filter audit events">
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, xs: 2, sm: 3 }} spacing="sm">
              {text('actor', 'User', 'Their email address')}
              <NativeSelect
                ref={refs.action}
                label="Action"
                size="md"
                value={draft.action}
                onChange={(e) => set('action')(e.currentTarget.value)}
                error={errors.action}
                data={[{ value: '', label: 'Any action' }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))]}
              />
              <NativeSelect
                ref={refs.outcome}
                label="Outcome"
                size="md"
                value={draft.outcome}
                onChange={(e) => set('outcome')(e.currentTarget.value)}
                error={errors.outcome}
                data={[
                  { value: '', label: 'Any outcome' },
                  ...AUDIT_OUTCOMES.map((o) => ({ value: o, label: OUTCOME_LABELS[o] })),
                ]}
              />
              {text('resourceType', 'Resource type', 'For example user, patient, session')}
              {text('resourceId', 'Resource id')}
              {text('patient', 'Patient', 'Patient id or email address')}
              {text('workstation', 'Workstation', 'Host name')}
              {date('from', 'From date')}
              {date('to', 'To date')}
            </SimpleGrid>
            <Group align="flex-end" gap="sm" justify="space-between">
              <NativeSelect
                ref={refs.sort}
                label="Sort"
                size="md"
                value={draft.sort}
                onChange={(e) => set('sort')(e.currentTarget.value)}
                error={errors.sort}
                data={[
                  { value: 'newest', label: 'Newest first' },
                  { value: 'oldest', label: 'Oldest first' },
                ]}
              />
              <Group gap="sm">
                <Button variant="default" onClick={clear} disabled={busy}>
                  Clear
                </Button>
                <Button type="submit" loading={busy}>
                  Apply
                </Button>
              </Group>
            </Group>
            <Text size="sm" c="dimmed">
              Dates are whole days in UTC. Text filters match the whole value exactly.
            </Text>
          </Stack>
        </form>
        <ErrorAlert shown={shown} title="We could not search the audit trail" />
        {page && (
          <EventsTable events={page.events} filtered={hasFilters(applied.filters)} onOpen={(seq) => void open(seq)} />
        )}
        {page && (
          <Group justify="space-between">
            <Text size="sm" role="status">
              Page {pageNumber}
              {page.events.length > 0 ? `, ${page.events.length} ${page.events.length === 1 ? 'event' : 'events'}` : ''}
            </Text>
            <Group gap="sm">
              <Button variant="default" disabled={pageNumber === 1 || busy} onClick={() => void goTo([null])}>
                First page
              </Button>
              <Button
                variant="default"
                disabled={pageNumber === 1 || busy}
                onClick={() => void goTo(starts.slice(0, -1))}
              >
                Previous page
              </Button>
              <Button
                variant="default"
                disabled={!page.nextCursor || busy}
                onClick={() => page.nextCursor && void goTo([...starts, page.nextCursor])}
              >
                Next page
              </Button>
            </Group>
          </Group>
        )}
      </Stack>
      <AuditEventDetail
        opened={opened}
        onClose={() => {
          openSeq.current += 1;
          setOpened(null);
        }}
      />
    </Card>
  );
}

function EventsTable({
  events,
  filtered,
  onOpen,
}: {
  events: AuditEventView[];
  filtered: boolean;
  onOpen: (seq: number) => void;
}) {
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table striped highlightOnHover verticalSpacing="xs" captionSide="top">
        <Table.Caption>Audit events</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Event</Table.Th>
            <Table.Th scope="col">Time</Table.Th>
            <Table.Th scope="col">User</Table.Th>
            <Table.Th scope="col">Action</Table.Th>
            <Table.Th scope="col">Outcome</Table.Th>
            <Table.Th scope="col">Resource</Table.Th>
            <Table.Th scope="col">Patient</Table.Th>
            <Table.Th scope="col">Workstation</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={8}>
                {filtered ? 'No events match these filters.' : 'The trail has no events.'}
              </Table.Td>
            </Table.Tr>
          )}
          {events.map((e) => (
            <Table.Tr key={e.seq} onClick={() => onOpen(e.seq)} style={{ cursor: 'pointer' }}>
              <Table.Td>
                <Button
                  size="compact-sm"
                  variant="subtle"
                  aria-label={`Open event #${e.seq}`}
                  onClick={(click) => {
                    click.stopPropagation();
                    onOpen(e.seq);
                  }}
                >
                  #{e.seq}
                </Button>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <time dateTime={isoDateTime(e.occurredAt)} title={`UTC ${isoDateTime(e.occurredAt)}`}>
                  {formatDate(e.occurredAt)}
                  <br />
                  {formatTimeSeconds(e.occurredAt)}
                </time>
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'break-word' }}>
                {e.actorEmail ?? (
                  <Text component="span" size="sm" c="dimmed">
                    No user
                  </Text>
                )}
                {e.actorRole && (
                  <Text size="xs" c="dimmed">
                    {roleText(e.actorRole)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Breakable text={e.action} />
              </Table.Td>
              <Table.Td>
                <Text component="span" size="sm" fw={600} c={OUTCOME_COLORS[e.outcome]}>
                  {OUTCOME_LABELS[e.outcome]}
                </Text>
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'break-word' }}>
                {e.resourceType !== null && <Breakable text={e.resourceType} />}
                {e.resourceId !== null && ` ${e.resourceId}`}
              </Table.Td>
              <Table.Td>{e.patientId ?? ''}</Table.Td>
              <Table.Td style={{ overflowWrap: 'break-word' }}>{e.workstation ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A code like TWO_FACTOR_ENROLLMENT_STARTED, allowed to wrap after its underscores (and nowhere else). */
function Breakable({ text }: { text: string }) {
  const parts = text.split('_');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              _<wbr />
            </>
          )}
        </Fragment>
      ))}
    </>
  );
}

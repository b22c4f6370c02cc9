// One audit event with every field it holds, and whether its MAC still matches its content.
import { Alert, Code, Group, Modal, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { AuditEventView } from '../../../../../shared/audit';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatDateTimeSeconds, isoDateTime } from '../../../components/format';
import { AlertIcon, CheckIcon } from '../../../components/icons';
import { outcomeText, roleText } from './labels';

export interface OpenedEvent {
  seq: number;
  /** Null while the event is being loaded (or when loading it failed). */
  loaded: { event: AuditEventView; macValid: boolean } | null;
  shown: ShownError | null;
}

function NotRecorded() {
  return (
    <Text component="span" size="sm" c="dimmed">
      Not recorded
    </Text>
  );
}

function orNot(value: string | number | null): ReactNode {
  return value === null || value === '' ? <NotRecorded /> : String(value);
}

function mono(value: string | null): ReactNode {
  return value === null ? <NotRecorded /> : <Code style={{ overflowWrap: 'anywhere' }}>{value}</Code>;
}

/** Details as the core stored them (JSON text), indented for reading. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function AuditEventDetail({ opened, onClose }: { opened: OpenedEvent | null; onClose: () => void }) {
  const event = opened?.loaded?.event;
  const rows: [string, ReactNode][] = event
    ? [
        ['Sequence number', event.seq],
        [
          'Time',
          <Stack gap={0} key="time">
            <time dateTime={isoDateTime(event.occurredAt)}>{formatDateTimeSeconds(event.occurredAt)}</time>
            <Text size="sm" c="dimmed">
              UTC {isoDateTime(event.occurredAt)}
            </Text>
          </Stack>,
        ],
        ['Action', event.action],
        ['Outcome', outcomeText(event.outcome)],
        ['Request', orNot(event.channel)],
        ['User', orNot(event.actorEmail)],
        ['User id', orNot(event.actorUserId)],
        ['Role at the time', event.actorRole === null ? <NotRecorded /> : roleText(event.actorRole)],
        ['Session (hashed)', mono(event.sessionHash)],
        ['Workstation', orNot(event.workstation)],
        ['Operating system user', orNot(event.osUser)],
        ['IP address', orNot(event.ipAddress)],
        ['App version', orNot(event.appVersion)],
        ['Resource type', orNot(event.resourceType)],
        ['Resource id', orNot(event.resourceId)],
        ['Patient id', orNot(event.patientId)],
        ['Data category', orNot(event.dataCategory)],
        [
          'Reason',
          event.reason === null ? <NotRecorded /> : <span style={{ whiteSpace: 'pre-wrap' }}>{event.reason}</span>,
        ],
        ['Error code', orNot(event.errorCode)],
        [
          'Details',
          event.details === null ? (
            <NotRecorded />
          ) : (
            <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {prettyJson(event.details)}
            </Code>
          ),
        ],
        ['MAC', mono(event.mac)],
      ]
    : [];

  return (
    <Modal.Root opened={opened !== null} onClose={onClose} size="xl">
      <Modal.Overlay />
      <Modal.Content>
        {/* A plain container: Mantine's <header> would be a second banner landmark on the page. */}
        <Modal.Header role="none">
          <Modal.Title>{opened ? `Event #${opened.seq}` : ''}</Modal.Title>
          <Modal.CloseButton aria-label="Close" />
        </Modal.Header>
        <Modal.Body>
          {opened && !opened.loaded && !opened.shown && <Text>Loading the event…</Text>}
          <ErrorAlert shown={opened?.shown ?? null} title="We could not open this event" />
          {opened?.loaded && event && (
            <Stack gap="md">
              {opened.loaded.macValid ? (
                <Group gap="xs" c="clinic.9" wrap="nowrap">
                  <CheckIcon />
                  <Text fw={600} c="clinic.9">
                    MAC valid: this event is as it was recorded.
                  </Text>
                </Group>
              ) : (
                <Alert color="red" variant="light" icon={<AlertIcon />} title="MAC does not match">
                  This event&apos;s content no longer matches its MAC: it was changed after it was recorded. Run Verify
                  integrity to check the whole trail.
                </Alert>
              )}
              <Table verticalSpacing={6} layout="fixed">
                <Table.Caption style={{ captionSide: 'top', textAlign: 'left' }}>
                  Every field of event #{event.seq}
                </Table.Caption>
                <Table.Tbody>
                  {rows.map(([name, value]) => (
                    <Table.Tr key={name}>
                      <Table.Th scope="row" w={200} fw={600} style={{ verticalAlign: 'top' }}>
                        {name}
                      </Table.Th>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Stack>
          )}
        </Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
}

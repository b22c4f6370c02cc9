// Export of the filtered events to a CSV or JSON file on this computer, with progress and cancel.
import { Alert, Button, Card, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useRef } from 'react';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatBytes, formatCount } from '../../../components/format';
import { AlertIcon, CheckIcon } from '../../../components/icons';
import { call } from '../../../api';
import type { AppliedSearch } from './AuditSearch';
import { hasFilters } from './filters';
import { JobProgress } from './JobProgress';
import { useAuditJob } from './useAuditJob';

export function AuditExportCard({ search }: { search: AppliedSearch }) {
  const job = useAuditJob();
  const format = useRef<'csv' | 'json'>('csv');
  const current = job.job;

  function start(kind: 'csv' | 'json') {
    format.current = kind;
    void job.start(() => call((api) => api.audit.startExport({ format: kind, filters: search.filters })));
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="audit-export-heading">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={2} size="h3" id="audit-export-heading">
            Export
          </Title>
          <Text>
            {hasFilters(search.filters)
              ? 'Writes the events that match the filters applied above to a file on this computer.'
              : 'Writes every event of the trail to a file on this computer (apply filters above to export fewer).'}{' '}
            You may be asked for your password again first.
          </Text>
        </Stack>
        <Group gap="sm">
          <Button
            onClick={() => start('csv')}
            loading={job.starting && format.current === 'csv'}
            disabled={job.running}
          >
            Export CSV
          </Button>
          <Button
            variant="outline"
            onClick={() => start('json')}
            loading={job.starting && format.current === 'json'}
            disabled={job.running}
          >
            Export JSON
          </Button>
        </Group>
        <ErrorAlert shown={job.shown} title="We could not export the audit trail" />
        {current?.state === 'running' && (
          <JobProgress
            job={current}
            label="Export progress"
            cancelLabel="Cancel export"
            cancelling={job.cancelling}
            onCancel={() => void job.cancel()}
          />
        )}
        {/* The outcome is announced: the region exists before the text arrives. */}
        <div role="status" aria-live="polite">
          {current?.state === 'done' && current.file && (
            <Stack gap={4}>
              <Group gap="xs" c="clinic.9" wrap="nowrap">
                <CheckIcon />
                <Text fw={600} c="clinic.9">
                  Export finished: {formatCount(current.file.events)} {current.file.events === 1 ? 'event' : 'events'},{' '}
                  {formatBytes(current.file.bytes)}.
                </Text>
              </Group>
              <Text size="sm">
                Written to{' '}
                <Code data-testid="audit-export-path" style={{ overflowWrap: 'anywhere' }}>
                  {current.file.path}
                </Code>
              </Text>
            </Stack>
          )}
          {current?.state === 'cancelled' && <Text fw={500}>Export cancelled; no file was kept.</Text>}
        </div>
        {current?.state === 'failed' && (
          <Alert role="alert" color="red" variant="light" icon={<AlertIcon />} title="The export failed">
            {current.error ?? 'The export stopped before it was finished; no file was kept.'}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

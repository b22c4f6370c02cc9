// How far a running audit job has got: a progress bar, "12,345 of 50,000 events", and a button that cancels it.
import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import type { AuditJob } from '../../../../../shared/audit';
import { formatCount } from '../../../components/format';

export interface JobProgressProps {
  job: AuditJob;
  /** The progress bar's accessible name, e.g. "Export progress". */
  label: string;
  cancelLabel: string;
  cancelling: boolean;
  onCancel: () => void;
}

export function JobProgress({ job, label, cancelLabel, cancelling, onCancel }: JobProgressProps) {
  const percent = job.total > 0 ? Math.min(100, Math.floor((job.processed / job.total) * 100)) : 0;
  return (
    <Stack gap={6}>
      <Progress value={percent} size="lg" aria-label={label} />
      <Group justify="space-between" gap="sm">
        <Text size="sm">
          {formatCount(job.processed)} of {formatCount(job.total)} events
        </Text>
        <Button variant="default" size="sm" onClick={onCancel} loading={cancelling}>
          {cancelLabel}
        </Button>
      </Group>
    </Stack>
  );
}

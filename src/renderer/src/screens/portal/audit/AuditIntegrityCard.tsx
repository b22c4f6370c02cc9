// Integrity of the trail: verification of the whole MAC chain (optionally against a checkpoint kept elsewhere),
// and signed checkpoints to download and keep off this computer.
import { Alert, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useRef, useState, type ChangeEvent } from 'react';
import type { Checkpoint, Verification } from '../../../../../shared/audit';
import { call } from '../../../api';
import { ErrorAlert, type ShownError } from '../../../components/ErrorAlert';
import { formatCount, formatDateTimeSeconds, isoDateTime } from '../../../components/format';
import { AlertIcon, CheckIcon } from '../../../components/icons';
import { JobProgress } from './JobProgress';
import { useAuditJob } from './useAuditJob';

/** The core takes at most this many characters of checkpoint text. */
const CHECKPOINT_MAX_CHARS = 2_000;

const PROBLEM_TEXT: Record<NonNullable<Verification['problem']>, string> = {
  changed: 'its content or its place in the chain no longer matches its MAC',
  missing: 'events were removed at this point of the chain',
  truncated: 'the trail ends before the point the checkpoint proves it had reached',
  checkpoint_invalid: 'the checkpoint does not match this trail',
  archive_invalid: 'the archived events before it do not match their record',
};

function events(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'event' : 'events'}`;
}

function VerificationResult({ result }: { result: Verification }) {
  if (result.ok) {
    const text =
      result.checked === 0
        ? 'The trail has no events yet: there is nothing to verify.'
        : `All ${events(result.checked)} verified; the chain is intact.` +
          (result.checkpointSeq !== null
            ? ` It still reaches the checkpoint at event #${result.checkpointSeq}, so nothing was cut off.`
            : '');
    return (
      <Group gap="xs" c="clinic.9" wrap="nowrap" align="flex-start">
        <CheckIcon />
        <Text fw={600} c="clinic.9">
          {text}
        </Text>
      </Group>
    );
  }
  const problem = result.problem ? PROBLEM_TEXT[result.problem] : 'it does not fit the chain';
  const text =
    result.firstBadSeq !== null
      ? `The trail was altered at event #${result.firstBadSeq} (${result.problem ?? 'changed'}): ${problem}.`
      : result.problem === 'checkpoint_invalid'
        ? 'The checkpoint file is not valid for this trail: it was changed, or it belongs to another installation.'
        : `The trail does not verify: ${problem}.`;
  return (
    <Alert role="alert" color="red" variant="light" icon={<AlertIcon />} title="The audit trail failed verification">
      {text} {result.checked > 0 && `${events(result.checked)} were checked.`}
    </Alert>
  );
}

export function AuditIntegrityCard() {
  const job = useAuditJob();
  const [checkpointText, setCheckpointText] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const current = job.job;

  async function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.currentTarget.files?.[0];
    setFileError(null);
    setCheckpointText(null);
    if (!file) return;
    if (file.size > CHECKPOINT_MAX_CHARS * 4) {
      setFileError('This file is too large to be a checkpoint.');
      return;
    }
    const text = await file.text();
    if (text.length > CHECKPOINT_MAX_CHARS) {
      setFileError('This file is too large to be a checkpoint.');
      return;
    }
    setCheckpointText(text);
  }

  function clearFile() {
    if (fileRef.current) fileRef.current.value = '';
    setCheckpointText(null);
    setFileError(null);
    fileRef.current?.focus();
  }

  function verify() {
    if (fileError) {
      fileRef.current?.focus();
      return;
    }
    const checkpoint = checkpointText;
    void job.start(async () => {
      const result = await call((api) => api.audit.startVerify({ checkpoint }));
      // A checkpoint the core cannot read is said beside the file input.
      if (!result.ok && result.error.fields?.['checkpoint']) {
        setFileError(result.error.fields['checkpoint']);
        fileRef.current?.focus();
      }
      return result;
    });
  }

  return (
    <Stack gap="lg">
      <Card withBorder padding="lg" component="section" aria-labelledby="audit-verify-heading">
        <Stack gap="md">
          <Stack gap={2}>
            <Title order={2} size="h3" id="audit-verify-heading">
              Integrity
            </Title>
            <Text>
              Every event carries a MAC over its content and the previous event&apos;s MAC, keyed with a key kept
              outside the database. Verification recomputes the whole chain and names the first event that was changed,
              removed, inserted or reordered.
            </Text>
          </Stack>
          <Stack gap={4}>
            <label htmlFor="audit-checkpoint-input">
              <Text component="span" fw={500}>
                Checkpoint file (optional)
              </Text>
            </label>
            <Text size="sm" c="dimmed" id="audit-checkpoint-help">
              A checkpoint you created earlier and kept off this computer: verification then also proves that no events
              were cut off the end of the trail.
            </Text>
            <Group gap="sm">
              <input
                ref={fileRef}
                id="audit-checkpoint-input"
                type="file"
                accept="application/json,.json"
                aria-describedby={fileError ? 'audit-checkpoint-help audit-checkpoint-error' : 'audit-checkpoint-help'}
                aria-invalid={fileError ? true : undefined}
                disabled={job.running}
                onChange={(event) => void chosen(event)}
              />
              {(checkpointText !== null || fileError) && (
                <Button variant="subtle" size="compact-sm" onClick={clearFile} disabled={job.running}>
                  Do not use a checkpoint
                </Button>
              )}
            </Group>
            {fileError && (
              <Text size="sm" c="red.9" id="audit-checkpoint-error" role="alert">
                {fileError}
              </Text>
            )}
          </Stack>
          <Group>
            <Button onClick={verify} loading={job.starting} disabled={job.running}>
              Verify integrity
            </Button>
          </Group>
          <ErrorAlert shown={job.shown} title="We could not verify the audit trail" />
          {current?.state === 'running' && (
            <JobProgress
              job={current}
              label="Verification progress"
              cancelLabel="Cancel verification"
              cancelling={job.cancelling}
              onCancel={() => void job.cancel()}
            />
          )}
          <div role="status" aria-live="polite">
            {current?.state === 'done' && current.verification?.ok && (
              <VerificationResult result={current.verification} />
            )}
            {current?.state === 'cancelled' && <Text fw={500}>Verification cancelled.</Text>}
          </div>
          {current?.state === 'done' && current.verification && !current.verification.ok && (
            <VerificationResult result={current.verification} />
          )}
          {current?.state === 'failed' && (
            <Alert role="alert" color="red" variant="light" icon={<AlertIcon />} title="The verification failed">
              {current.error ?? 'The verification stopped before it was finished.'}
            </Alert>
          )}
        </Stack>
      </Card>
      <CheckpointCard />
    </Stack>
  );
}

function CheckpointCard() {
  const [made, setMade] = useState<{ checkpoint: Checkpoint; text: string } | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);

  async function create() {
    if (busy) return;
    setBusy(true);
    const result = await call((api) => api.audit.checkpoint({}));
    setBusy(false);
    if (result.ok) {
      setShown(null);
      setMade(result.value);
    } else setShown((previous) => ({ error: result.error, other: [], id: (previous?.id ?? 0) + 1, focus: true }));
  }

  function download() {
    if (!made) return;
    const url = URL.createObjectURL(new Blob([made.text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `healthsphere-audit-checkpoint-${made.checkpoint.seq}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1_000);
  }

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="audit-checkpoint-heading">
      <Stack gap="md">
        <Stack gap={2}>
          <Title order={2} size="h3" id="audit-checkpoint-heading">
            Checkpoints
          </Title>
          <Text>
            A checkpoint is a signed note of the last event&apos;s sequence number and MAC. Keep it off this computer
            (with your compliance officer, for example): verifying against it later proves that the trail was not cut
            short.
          </Text>
        </Stack>
        <Group>
          <Button variant="outline" onClick={() => void create()} loading={busy}>
            Create checkpoint
          </Button>
        </Group>
        <ErrorAlert shown={shown} title="We could not create a checkpoint" />
        <div role="status" aria-live="polite">
          {made && (
            <Stack gap="sm">
              <Text>
                Checkpoint at event #{made.checkpoint.seq}, created{' '}
                <time dateTime={isoDateTime(made.checkpoint.createdAt)}>
                  {formatDateTimeSeconds(made.checkpoint.createdAt)}
                </time>
                .
              </Text>
            </Stack>
          )}
        </div>
        {made && (
          <Group>
            <Button onClick={download}>Download checkpoint</Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

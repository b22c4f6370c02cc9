// A long audit job (export, verification) as the screen follows it: started once, asked about every second
// until it is done, failed or cancelled, and cancellable on the way.
import { useEffect, useRef, useState } from 'react';
import type { AuditJob } from '../../../../../shared/audit';
import type { AppError, Result } from '../../../../../shared/errors';
import { call } from '../../../api';
import type { ShownError } from '../../../components/ErrorAlert';

// Each question is itself an audited request: once a second keeps the trail readable during a long export.
export const POLL_MS = 1_000;

export interface AuditJobState {
  job: AuditJob | null;
  /** A request about the job that the core refused (starting, asking, cancelling). */
  shown: ShownError | null;
  starting: boolean;
  cancelling: boolean;
  running: boolean;
  /** Starts a job with the given request (audit.startExport or audit.startVerify) and follows it to its end. */
  start: (request: () => Promise<Result<AuditJob>>) => Promise<void>;
  cancel: () => Promise<void>;
}

const ENDED = new Set<AuditJob['state']>(['done', 'failed', 'cancelled']);

export function useAuditJob(): AuditJobState {
  const [job, setJob] = useState<AuditJob | null>(null);
  const [shown, setShown] = useState<ShownError | null>(null);
  const [starting, setStarting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const current = useRef<AuditJob | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  /** Takes the job's latest state, unless the job already ended (a poll answered before a cancel is stale). */
  function accept(next: AuditJob) {
    const known = current.current;
    if (known && known.id === next.id && ENDED.has(known.state)) return;
    current.current = next;
    setJob(next);
  }

  function refuse(error: AppError, focus: boolean) {
    setShown((previous) => ({ error, other: [], id: (previous?.id ?? 0) + 1, focus }));
  }

  async function start(request: () => Promise<Result<AuditJob>>) {
    if (starting || (current.current && current.current.state === 'running')) return;
    setStarting(true);
    setShown(null);
    const first = await request();
    if (!mounted.current) return;
    setStarting(false);
    if (!first.ok) {
      refuse(first.error, true);
      return;
    }
    current.current = null;
    accept(first.value);
    const id = first.value.id;
    // Read through a function: the ref changes while this waits (a cancel, a newer job).
    const following = () => mounted.current && current.current?.id === id && current.current.state === 'running';
    while (following()) {
      await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
      if (!following()) return;
      const next = await call((api) => api.audit.job({ id }));
      if (!mounted.current) return;
      if (!next.ok) {
        // The job may still run, but this screen can no longer follow it: free the buttons, say why.
        current.current = null;
        setJob(null);
        refuse(next.error, false);
        return;
      }
      accept(next.value);
    }
  }

  async function cancel() {
    const known = current.current;
    if (!known || known.state !== 'running' || cancelling) return;
    setCancelling(true);
    const result = await call((api) => api.audit.cancelJob({ id: known.id }));
    if (!mounted.current) return;
    setCancelling(false);
    if (result.ok) accept(result.value);
    else refuse(result.error, true);
  }

  return { job, shown, starting, cancelling, running: job?.state === 'running', start, cancel };
}

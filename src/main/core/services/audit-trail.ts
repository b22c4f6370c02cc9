// The admin audit screen's channels: search, one event, counts per day, export and verification jobs, checkpoints.
// Nothing here can switch auditing off: there is no such channel, and dispatch records every request.
import type { Knex } from 'knex';
import { checkpointSchema } from '../../../shared/audit';
import { type AuditEvent, createCheckpoint } from '../audit/audit-writer';
import { type AuditJobs, exportHeader, exportTrail, verifyTrail } from '../audit/audit-jobs';
import { eventWithCheck, eventsPerDay, searchEvents, toView, trailExtent } from '../audit/audit-query';
import type { DatabaseTarget } from '../audit/audit-worker';
import { DomainError } from '../domain-error';
import type { Handler, HandlerContext, Handlers } from './handler';

export interface AuditTrailDeps {
  /** The core's own connection pool: a job outlives the request's transaction. */
  knex: Knex;
  jobs: AuditJobs;
  target: DatabaseTarget;
  /** Writes an event in its own transaction: how a job that outlives its request records its end. */
  record(event: AuditEvent): Promise<void>;
}

type AuditTrailHandlers = Pick<
  Handlers,
  | 'audit.search'
  | 'audit.event'
  | 'audit.stats'
  | 'audit.startExport'
  | 'audit.startVerify'
  | 'audit.job'
  | 'audit.cancelJob'
  | 'audit.checkpoint'
>;

function owner(ctx: HandlerContext) {
  const user = ctx.session!.user;
  return { userId: user.id, actor: { userId: user.id, email: user.email, role: user.role } };
}

export function auditTrailHandlers(deps: AuditTrailDeps): AuditTrailHandlers {
  const search: Handler<'audit.search'> = async (ctx, input) => {
    const page = await searchEvents(ctx.trx, input);
    ctx.setAuditSubject({ details: { results: page.events.length } });
    return page;
  };

  const event: Handler<'audit.event'> = async (ctx, input) => {
    const found = await eventWithCheck(ctx.trx, ctx.keys.auditChain, input.seq);
    if (!found) throw new DomainError('NOT_FOUND');
    ctx.setAuditSubject({ resourceId: input.seq });
    return { event: toView(found.row), macValid: found.macValid };
  };

  const stats: Handler<'audit.stats'> = async (ctx, input) => {
    const extent = await trailExtent(ctx.trx);
    return {
      days: await eventsPerDay(ctx.trx, input.from, input.to),
      retentionYears: ctx.settings.auditRetentionYears,
      totalEvents: extent.lastSeq - extent.archivedThrough,
      oldestAt: extent.oldestAt,
    };
  };

  const startExport: Handler<'audit.startExport'> = async (ctx, input) => {
    const who = owner(ctx);
    const file = deps.jobs.exportPath(input.format);
    const job = deps.jobs.track(
      who,
      'export',
      (onProgress) =>
        exportTrail(
          deps.knex,
          deps.target,
          {
            format: input.format,
            filters: input.filters,
            path: file,
            header: exportHeader(ctx.nowMs, input.filters, who.actor.email),
          },
          onProgress,
        ),
      async (view, value) => {
        await deps.record({
          action: 'EXPORT',
          outcome: view.state === 'done' ? 'success' : 'failure',
          actor: who.actor,
          resourceType: 'audit_trail',
          resourceId: view.id,
          details: { stage: view.state, format: input.format, events: value?.events ?? view.processed },
        });
      },
      (value) => ({ file: { path: file, events: value.events, bytes: value.bytes } }),
    );
    ctx.setAuditSubject({ resourceId: job.id, details: { stage: 'started', format: input.format } });
    return job;
  };

  const startVerify: Handler<'audit.startVerify'> = async (ctx, input) => {
    let checkpoint = null;
    if (input.checkpoint !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.checkpoint);
      } catch {
        parsed = null;
      }
      const result = checkpointSchema.safeParse(parsed);
      if (!result.success)
        throw new DomainError('INVALID_INPUT', { checkpoint: 'This is not a HealthSphere audit checkpoint file.' });
      checkpoint = result.data;
    }
    const who = owner(ctx);
    const job = deps.jobs.track(
      who,
      'verify',
      (onProgress) =>
        verifyTrail(
          deps.knex,
          deps.target,
          { chainKey: ctx.keys.auditChain, signatureKey: ctx.keys.auditSignature },
          checkpoint,
          onProgress,
        ),
      async (view, value) => {
        await deps.record({
          action: 'AUDIT_VERIFIED',
          outcome: value?.ok ? 'success' : 'failure',
          actor: who.actor,
          resourceType: 'audit_trail',
          resourceId: view.id,
          details: {
            stage: view.state,
            checked: value?.checked ?? 0,
            firstBadSeq: value?.firstBadSeq ?? null,
            problem: value?.problem ?? null,
            checkpointSeq: checkpoint?.seq ?? null,
          },
        });
      },
      (value) => ({ verification: value }),
    );
    ctx.setAuditSubject({ resourceId: job.id, details: { stage: 'started', checkpointSeq: checkpoint?.seq ?? null } });
    return job;
  };

  const job: Handler<'audit.job'> = async (ctx, input) => {
    const found = deps.jobs.get(owner(ctx), input.id);
    if (!found) throw new DomainError('NOT_FOUND');
    ctx.setAuditSubject({ resourceId: input.id });
    return found;
  };

  const cancelJob: Handler<'audit.cancelJob'> = async (ctx, input) => {
    const found = await deps.jobs.cancel(owner(ctx), input.id);
    if (!found) throw new DomainError('NOT_FOUND');
    ctx.setAuditSubject({ resourceId: input.id, details: { stage: 'cancel' } });
    return found;
  };

  const checkpoint: Handler<'audit.checkpoint'> = async (ctx) => {
    const point = await createCheckpoint(ctx.trx, ctx.keys.auditSignature, ctx.nowMs, ctx.session!.user.id);
    ctx.setAuditSubject({ resourceId: point.seq });
    return { checkpoint: point, text: `${JSON.stringify(point, null, 2)}\n` };
  };

  return {
    'audit.search': search,
    'audit.event': event,
    'audit.stats': stats,
    'audit.startExport': startExport,
    'audit.startVerify': startVerify,
    'audit.job': job,
    'audit.cancelJob': cancelJob,
    'audit.checkpoint': checkpoint,
  };
}

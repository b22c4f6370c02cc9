// The admin command line's way into the domain. It is not a renderer, so it does not go through dispatch (no
// session, no permission gate: whoever can run it on this computer as this OS user holds the data key anyway).
// It runs the same channel handlers the admin screens use, with the same input and output schemas, in one
// transaction with their audit events, and audits what it did with the command-line actor (no user; the
// workstation and OS user from the stamp). A refusal rolls everything back and is audited on its own, as
// dispatch audits a refused request.
import type { Knex } from 'knex';
import { type AuditAction, type ChannelName, type ChannelOutput, contract } from '../../shared/contract';
import type { ErrorCode } from '../../shared/errors';
import { AuditBatch, type AuditEvent, type AuditStamp, writeAuditEvent } from './audit/audit-writer';
import type { DerivedKeys } from './crypto/keys';
import { DomainError } from './domain-error';
import type { Logger } from './log';
import { enqueueMail } from './mail/outbox';
import { type MailBrand, renderMail } from './mail/templates';
import type { HandlerContext, Handlers } from './services/handler';
import { isCommittedFailure } from './services/handler';
import type { SettingsStore } from './settings-store';
import { retryOnWriteConflict } from './db/retry';

/** The command line acts as no user: the audit trail shows its channel (`cli.…`), host name and OS user. */
export const COMMAND_LINE_ACTOR = { userId: null, email: null, role: null } as const;

/** What one command is recorded as. */
export interface CommandAudit {
  action: AuditAction;
  /** e.g. `cli.users-unlock`. */
  channel: string;
  resourceType: string;
}

export type CallChannel = <C extends ChannelName>(channel: C, input: unknown) => Promise<ChannelOutput<C>>;

export interface CommandLine {
  /**
   * Runs `task` in one transaction. `call` runs a channel's handler as the screen would (its input schema, its
   * rules, its output schema); the command's audit event takes its subject from the last handler's
   * `setAuditSubject`, or from the task's own `ctx.setAuditSubject` after its calls.
   */
  run<T>(audit: CommandAudit, task: (call: CallChannel, ctx: HandlerContext) => Promise<T>): Promise<T>;
  /** Records one event of the command line in its own transaction (e.g. a backup that was written). */
  record(event: Omit<AuditEvent, 'actor'>): Promise<void>;
}

const DENIED: ReadonlySet<ErrorCode> = new Set(['FORBIDDEN', 'TWO_FACTOR_REQUIRED', 'NOT_SIGNED_IN']);

export function createCommandLine(deps: {
  knex: Knex;
  keys: DerivedKeys;
  stamp: () => AuditStamp;
  settings: SettingsStore;
  handlers: Handlers;
  /** The workstation as sessions record it (`osuser@host`). */
  workstation: string;
  log: Logger;
  onMailQueued: () => void;
  mailBrand: (trx: Knex.Transaction) => Promise<MailBrand>;
}): CommandLine {
  const { knex, keys, stamp, handlers } = deps;

  async function run<T>(audit: CommandAudit, task: (call: CallChannel, ctx: HandlerContext) => Promise<T>) {
    const settings = await deps.settings.security();
    const afterCommit: Array<() => void | Promise<void>> = [];
    let subject: Parameters<HandlerContext['setAuditSubject']>[0] = {};
    const fields = (): Partial<AuditEvent> => ({
      actor: COMMAND_LINE_ACTOR,
      resourceId: subject.resourceId ?? null,
      patientId: subject.patientId ?? null,
      dataCategory: subject.dataCategory ?? null,
      details: subject.details,
    });
    try {
      const value = await retryOnWriteConflict(() =>
        knex.transaction(async (trx) => {
          afterCommit.length = 0;
          subject = {};
          const s = stamp();
          const batch = new AuditBatch(s);
          const ctx: HandlerContext = {
            trx,
            caller: { id: 'command-line' },
            nowMs: s.nowMs,
            keys,
            session: null,
            sessionLocked: false,
            settings,
            workstation: deps.workstation,
            audit: async (event) => batch.add({ actor: COMMAND_LINE_ACTOR, ...event }),
            setAuditSubject: (next) => {
              subject = { ...subject, ...next };
            },
            afterCommit: (t) => afterCommit.push(t),
            queueMail: async (draft) => {
              await enqueueMail(trx, keys.outbox, s.nowMs, renderMail(draft, await deps.mailBrand(trx)));
              afterCommit.push(deps.onMailQueued);
            },
          };
          const call: CallChannel = async (channel, input) => {
            const spec = contract[channel];
            const parsed = spec.input.safeParse(input);
            if (!parsed.success) {
              const issue = parsed.error.issues[0]!;
              throw new DomainError('INVALID_INPUT', { [issue.path.map(String).join('.') || '_']: issue.message });
            }
            const handler = handlers[channel] as (ctx: HandlerContext, input: unknown) => Promise<unknown>;
            const result = await handler(ctx, parsed.data);
            // None of the channels the command line uses commits a failure; if one did, nothing of it is kept.
            if (isCommittedFailure(result)) throw new DomainError(result.code, result.fields);
            return spec.output.parse(result) as ChannelOutput<typeof channel>;
          };
          const result = await task(call, ctx);
          batch.add({ ...audit, ...fields(), outcome: 'success' });
          await batch.flush(trx);
          return result;
        }),
      );
      for (const t of afterCommit) {
        try {
          await t();
        } catch (err) {
          deps.log.error('after-commit task failed', { channel: audit.channel, reason: (err as Error).name });
        }
      }
      return value;
    } catch (err) {
      if (err instanceof DomainError) {
        await record({
          ...audit,
          ...fields(),
          outcome: DENIED.has(err.code) ? 'denied' : 'failure',
          errorCode: err.code,
          ...(err.fields ? { details: { ...(subject.details ?? {}), fields: Object.keys(err.fields).join(',') } } : {}),
        });
      }
      throw err;
    }
  }

  async function record(event: Omit<AuditEvent, 'actor'>): Promise<void> {
    await retryOnWriteConflict(() =>
      knex.transaction((trx) => writeAuditEvent(trx, stamp(), { ...event, actor: COMMAND_LINE_ACTOR })),
    );
  }

  return { run, record };
}

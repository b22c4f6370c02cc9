// The one entry into the domain: parse → session → permission → handler in a transaction → audit.
// Every request ends in a Result; nothing thrown crosses the boundary, and every request is audited.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  type AuditAction,
  type ChannelName,
  type ChannelSpec,
  type LockReason,
  contract,
  isChannelName,
} from '../../shared/contract';
import { type ErrorCode, type Result, errorResult } from '../../shared/errors';
import { hasPermission } from '../../shared/roles';
import { AuditBatch, type AuditEvent, type AuditOutcome, type AuditStamp, writeAuditEvent } from './audit/audit-writer';
import { type Caller, type Workstation, describeWorkstation } from './caller';
import type { Clock } from './clock';
import { keyedHash } from './crypto/hmac';
import type { DerivedKeys } from './crypto/keys';
import { isConnectionError } from './db/connection';
import { retryOnWriteConflict } from './db/retry';
import { DomainError } from './domain-error';
import type { Logger } from './log';
import { type KioskReturnReason, type KioskSessionView, type KioskState, allowedInKiosk } from './kiosk';
import { enqueueMail } from './mail/outbox';
import { type MailBrand, renderMail } from './mail/templates';
import {
  REAUTH_WINDOW_MS,
  type SessionEndReason,
  endSession,
  findSession,
  lockSession,
  touchSession,
} from './repositories/sessions';
import type { ActiveSession, HandlerContext, Handlers } from './services/handler';
import { isCommittedFailure } from './services/handler';
import type { SessionRegistry } from './session-registry';
import type { SettingsStore } from './settings-store';
import type { SecuritySettings } from '../../shared/settings';

/** The largest payload a renderer may send, as JSON. A 1 MB email is refused before any parsing. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

const DENIED_CODES: ReadonlySet<ErrorCode> = new Set([
  'UNKNOWN_CHANNEL',
  'TWO_FACTOR_REQUIRED',
  'NOT_SIGNED_IN',
  'SESSION_EXPIRED',
  'FORBIDDEN',
  'KIOSK_MODE',
]);

export interface DispatchDeps {
  knex: Knex;
  clock: Clock;
  keys: DerivedKeys;
  registry: SessionRegistry;
  handlers: Handlers;
  workstation: Workstation;
  appVersion: string;
  log: Logger;
  /** Called after a transaction that queued mail commits. */
  onMailQueued: () => void;
  /** The clinic's name, portal link and logo that mail queued now carries, read in the request's transaction. */
  mailBrand: (trx: Knex.Transaction) => Promise<MailBrand>;
  /**
   * A channel's step before its transaction: network I/O that must not hold the database (one SQLite connection
   * serves the whole app). It runs after every check a handler gets; its result reaches the handler as
   * `ctx.prepared`.
   */
  prepare?: Partial<Record<ChannelName, (input: never) => Promise<unknown>>>;
  settings: SettingsStore;
  /** The front-desk kiosk's state (machine policy kioskMode); absent or disabled: no kiosk. */
  kiosk?: KioskState;
}

/** What the audit trail records of a session: a hash of its token's hash, so the trail cannot be used to look one up. */
export function auditSessionRef(tokenHash: string): string {
  return createHash('sha256').update(`audit:${tokenHash}`).digest('hex').slice(0, 32);
}

function payloadSize(payload: unknown): number {
  try {
    const json = JSON.stringify(payload);
    return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY; // cycles, BigInt: not a payload we accept
  }
}

function fieldErrors(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || '_';
    fields[key] ??= issue.message.slice(0, 200);
  }
  return fields;
}

export function createDispatch(deps: DispatchDeps) {
  const { knex, clock, keys, registry, handlers, log } = deps;

  const workstationLabel = describeWorkstation(deps.workstation);

  function stamp(caller?: Caller): AuditStamp {
    return {
      nowMs: clock.nowMs(),
      workstation: deps.workstation.hostname,
      osUser: deps.workstation.osUser,
      ipAddress: caller?.ipAddress ?? null,
      appVersion: deps.appVersion,
      chainKey: keys.auditChain,
    };
  }

  async function auditAlone(event: AuditEvent, caller?: Caller): Promise<void> {
    try {
      await knex.transaction((trx) => writeAuditEvent(trx, stamp(caller), event));
    } catch (err) {
      log.error('could not write an audit event', {
        action: event.action,
        reason: (err as Error).message.slice(0, 200),
      });
    }
  }

  /** Ends a session and records why, in one transaction. */
  async function endSessionAudited(
    session: ActiveSession,
    reason: SessionEndReason,
    action: AuditAction,
    details?: AuditEvent['details'],
  ): Promise<void> {
    await knex.transaction(async (trx) => {
      await endSession(trx, session.id, reason, clock.nowMs());
      await writeAuditEvent(trx, stamp(), {
        action,
        outcome: 'success',
        actor: actorOf(session),
        sessionHash: auditSessionRef(session.tokenHash),
        resourceType: 'session',
        resourceId: session.id,
        details,
      });
    });
  }

  /**
   * Locks a caller's session and records why, in one transaction: the one way any lock is written (idle, screen
   * lock, sleep, system idle). Nothing is recorded when the session was already locked or ended meanwhile.
   */
  async function lockSessionAudited(callerId: string, session: ActiveSession, reason: LockReason): Promise<void> {
    const locked = await knex.transaction(async (trx) => {
      const nowMs = clock.nowMs();
      if (!(await lockSession(trx, session.id, nowMs))) return false;
      await writeAuditEvent(trx, stamp(), {
        action: 'SESSION_LOCKED',
        outcome: 'success',
        actor: actorOf(session),
        sessionHash: auditSessionRef(session.tokenHash),
        resourceType: 'session',
        resourceId: session.id,
        details: { reason },
      });
      return true;
    });
    if (locked) registry.setLockReason(callerId, reason);
  }

  type Resolved = {
    session: ActiveSession | null;
    state: 'active' | 'locked' | 'expired' | 'none';
    /** This lookup found the idle time passed, and locked the session. */
    newlyLocked?: boolean;
  };

  /** Resolves the caller's session; an expired one is ended and forgotten, an idle one locked; both audited. */
  async function resolveSession(caller: Caller, settings: SecuritySettings): Promise<Resolved> {
    const token = registry.tokenOf(caller.id);
    if (!token) return { session: null, state: 'none' };
    const lookup = await findSession(knex, keyedHash(keys.sessionToken, token), settings, clock.nowMs());
    switch (lookup.state) {
      case 'active':
        return { session: lookup.session, state: 'active' };
      case 'locked':
        if (lookup.newly) await lockSessionAudited(caller.id, lookup.session, 'idle');
        return { session: lookup.session, state: 'locked', newlyLocked: lookup.newly };
      case 'expired':
        registry.forget(caller.id);
        await endSessionAudited(lookup.session, 'expired', 'SESSION_EXPIRED');
        return { session: null, state: 'expired' };
      default:
        registry.forget(caller.id);
        return { session: null, state: 'none' };
    }
  }

  /**
   * Automatic logoff of one caller (this computer's screen locked, it went to sleep, or nobody touched it): a
   * signed-in session is locked; one halfway through two-step verification is ended, since there is nothing to
   * unlock yet. An expired or already idle session is handled as any request would. Says what changed.
   */
  async function lockCaller(callerId: string, reason: LockReason): Promise<'locked' | 'ended' | null> {
    const caller: Caller = { id: callerId };
    const resolved = await resolveSession(caller, await deps.settings.security());
    const { session } = resolved;
    if (resolved.state === 'expired') return 'ended';
    if (!session) return null;
    if (resolved.state === 'locked') return resolved.newlyLocked ? 'locked' : null;
    if (session.twoFactorState !== 'complete') {
      registry.forget(callerId);
      await endSessionAudited(session, 'auto_logoff', 'LOGOUT', { reason, twoFactor: session.twoFactorState });
      return 'ended';
    }
    await lockSessionAudited(callerId, session, reason);
    return 'locked';
  }

  /**
   * A window out of kiosk (an administrator's exit) goes back when its time or its session is over (kiosk.ts):
   * before each request, with the session as resolved. A locked session is ended, not left behind the kiosk.
   */
  async function kioskGate(caller: Caller, resolved: Resolved): Promise<Resolved> {
    const kiosk = deps.kiosk;
    if (!kiosk?.suspension(caller.id)) return resolved;
    const view: KioskSessionView =
      resolved.state === 'active' ? 'active' : resolved.state === 'locked' ? 'locked' : 'none';
    const reason = kiosk.observe(caller.id, view, clock.nowMs());
    if (!reason) return resolved;
    await kioskReturn(caller, resolved.session, reason);
    return { session: null, state: 'none' };
  }

  /** Puts a window back in kiosk (first, so that it fails closed), ends its session, and records both. */
  async function kioskReturn(caller: Caller, session: ActiveSession | null, reason: KioskReturnReason | null) {
    if (!reason || !deps.kiosk?.resume(caller.id)) return;
    if (session) registry.forget(caller.id);
    try {
      await knex.transaction(async (trx) => {
        const s = stamp(caller);
        const actor = session ? actorOf(session) : undefined;
        const sessionHash = session ? auditSessionRef(session.tokenHash) : null;
        if (session) {
          await endSession(trx, session.id, 'logout', s.nowMs);
          await writeAuditEvent(trx, s, {
            action: 'LOGOUT',
            outcome: 'success',
            actor,
            sessionHash,
            resourceType: 'session',
            resourceId: session.id,
            details: { reason: 'kiosk returned' },
          });
        }
        await writeAuditEvent(trx, s, {
          action: 'KIOSK_ENTERED',
          outcome: 'success',
          actor,
          sessionHash,
          resourceType: 'kiosk',
          details: { reason },
        });
      });
    } catch (err) {
      log.error('could not record the return to kiosk', { reason: (err as Error).name });
    }
  }

  /** A renderer went away (window closed, preview connection gone for good): its session ends. */
  async function forgetCaller(callerId: string): Promise<void> {
    deps.kiosk?.forget(callerId);
    const token = registry.forget(callerId);
    if (!token) return;
    const lookup = await findSession(
      knex,
      keyedHash(keys.sessionToken, token),
      await deps.settings.security(),
      clock.nowMs(),
    );
    if (lookup.state === 'none') return;
    await endSessionAudited(lookup.session, 'closed', 'LOGOUT', { reason: 'window closed' });
  }

  async function dispatch(channel: unknown, payload: unknown, caller: Caller): Promise<Result<unknown>> {
    if (!isChannelName(channel)) {
      await auditAlone(
        {
          action: 'REQUEST_REJECTED',
          outcome: 'denied',
          errorCode: 'UNKNOWN_CHANNEL',
          details: { channel: typeof channel === 'string' ? channel.slice(0, 64) : typeof channel },
        },
        caller,
      );
      return errorResult('UNKNOWN_CHANNEL');
    }
    const spec: ChannelSpec = contract[channel];
    let session: ActiveSession | null = null;
    const base: Pick<AuditEvent, 'action' | 'channel' | 'resourceType'> = {
      action: spec.audit.action,
      channel,
      resourceType: spec.audit.resourceType,
    };
    const refuse = async (
      code: ErrorCode,
      fields?: Record<string, string>,
      extra?: Partial<AuditEvent>,
      retryAfterSeconds?: number,
    ) => {
      await auditAlone(
        {
          ...base,
          action: spec.audit.onFailure ?? spec.audit.action,
          outcome: DENIED_CODES.has(code) ? 'denied' : 'failure',
          errorCode: code,
          ...(session ? { actor: actorOf(session), sessionHash: auditSessionRef(session.tokenHash) } : {}),
          ...extra,
          ...(fields ? { details: { ...(extra?.details ?? {}), fields: Object.keys(fields).join(',') } } : {}),
        },
        caller,
      );
      return errorResult(code, fields, retryAfterSeconds);
    };

    try {
      // The session first, so that even a refused payload is recorded with who sent it.
      const settings = await deps.settings.security();
      let resolved = await kioskGate(caller, await resolveSession(caller, settings));
      // A window in kiosk holds no session: one that slipped in (a sign-in that finished just as the kiosk came
      // back) is ended before anything, and so can never be adopted by the next administrator's exit.
      if (deps.kiosk?.isActive(caller.id) && resolved.session) {
        registry.forget(caller.id);
        await endSessionAudited(resolved.session, 'logout', 'LOGOUT', { reason: 'kiosk returned' });
        resolved = { session: null, state: 'none' };
      }
      session = resolved.session;
      // A front-desk kiosk: only the channels the contract marks for it, whatever the payload (kiosk.ts).
      if (deps.kiosk?.isActive(caller.id) && !allowedInKiosk(spec))
        return await refuse('KIOSK_MODE', undefined, { details: { stage: 'kiosk' } });
      if (payloadSize(payload) > (spec.maxPayloadBytes ?? MAX_PAYLOAD_BYTES))
        return await refuse('INVALID_INPUT', { _: 'The request is too large.' });
      const parsed = spec.input.safeParse(payload);
      if (!parsed.success) return await refuse('INVALID_INPUT', fieldErrors(parsed.error.issues));

      if (spec.access !== 'public') {
        // The access gate: its refusals are marked in the audit trail as decided here, before any handler.
        const denied = accessDenial(spec, resolved, clock.nowMs());
        if (denied) return await refuse(denied, undefined, { details: { stage: 'access' } });
      }
      return await runHandler(channel, spec, parsed.data, caller, resolved, settings, base, refuse);
    } catch (err) {
      if (err instanceof DomainError) return refuse(err.code, err.fields, undefined, err.retryAfterSeconds);
      if (isConnectionError(err)) {
        // Nothing was written (the transaction never committed), and the trail cannot be written either: the
        // workstation's log keeps the refusal until the server answers again.
        log.warn('database server unreachable', { channel, caller: caller.id });
        return errorResult('DATABASE_UNAVAILABLE');
      }
      log.error('request failed', { channel, reason: err instanceof Error ? err.name : 'unknown' });
      return refuse('INTERNAL');
    }
  }

  async function runHandler(
    channel: ChannelName,
    spec: ChannelSpec,
    input: unknown,
    caller: Caller,
    resolved: Resolved,
    settings: SecuritySettings,
    base: Pick<AuditEvent, 'action' | 'channel' | 'resourceType'>,
    refuse: (
      code: ErrorCode,
      fields?: Record<string, string>,
      extra?: Partial<AuditEvent>,
      retryAfterSeconds?: number,
    ) => Promise<Result<unknown>>,
  ): Promise<Result<unknown>> {
    const { session } = resolved;
    const afterCommit: Array<() => void | Promise<void>> = [];
    let subject: Parameters<HandlerContext['setAuditSubject']>[0] = {};
    const auditFields = (): Partial<AuditEvent> => ({
      actor: subject.actor ?? (session ? actorOf(session) : undefined),
      sessionHash: subject.sessionTokenHash
        ? auditSessionRef(subject.sessionTokenHash)
        : session
          ? auditSessionRef(session.tokenHash)
          : null,
      resourceId: subject.resourceId ?? null,
      patientId: subject.patientId ?? null,
      dataCategory: subject.dataCategory ?? null,
      reason: subject.reason ?? null,
      details: subject.details,
    });

    const prepare = deps.prepare?.[channel] as ((input: unknown) => Promise<unknown>) | undefined;
    const prepared = prepare ? await prepare(input) : undefined;
    let outcome: { result: Result<unknown>; auditOutcome: AuditOutcome } | undefined;
    try {
      outcome = await retryOnWriteConflict(() =>
        knex.transaction(async (trx) => {
          // A retried attempt starts clean: nothing of a rolled-back attempt carries over.
          afterCommit.length = 0;
          subject = {};
          const s = stamp(caller);
          const batch = new AuditBatch(s);
          if (session && resolved.state === 'active' && spec.activity !== false)
            await touchSession(trx, session.id, s.nowMs);
          const ctx: HandlerContext = {
            trx,
            caller,
            nowMs: s.nowMs,
            keys,
            session,
            sessionLocked: resolved.state === 'locked',
            settings,
            workstation: workstationLabel,
            audit: async (event) => batch.add({ actor: session ? actorOf(session) : undefined, ...event }),
            setAuditSubject: (next) => {
              subject = { ...subject, ...next };
            },
            afterCommit: (task) => afterCommit.push(task),
            prepared,
            queueMail: async (draft) => {
              await enqueueMail(trx, keys.outbox, s.nowMs, renderMail(draft, await deps.mailBrand(trx)));
              afterCommit.push(deps.onMailQueued);
            },
          };
          const handler = handlers[channel] as (ctx: HandlerContext, input: unknown) => Promise<unknown>;
          const value = await handler(ctx, input);
          if (isCommittedFailure(value)) {
            batch.add({
              ...base,
              ...auditFields(),
              action: spec.audit.onFailure ?? spec.audit.action,
              outcome: 'failure',
              errorCode: value.code,
            });
            await batch.flush(trx);
            return {
              result: errorResult(value.code, value.fields, value.retryAfterSeconds),
              auditOutcome: 'failure' as const,
            };
          }
          // The output schema strips whatever a handler returned beyond the contract.
          const output = spec.output.parse(value);
          batch.add({ ...base, ...auditFields(), outcome: 'success' });
          await batch.flush(trx);
          return { result: { ok: true as const, value: output }, auditOutcome: 'success' as const };
        }),
      );
    } catch (err) {
      if (err instanceof DomainError) return refuse(err.code, err.fields, auditFields(), err.retryAfterSeconds);
      throw err;
    }
    for (const task of afterCommit) {
      try {
        await task();
      } catch (err) {
        log.error('after-commit task failed', { channel, reason: err instanceof Error ? err.name : 'unknown' });
      }
    }
    // Signed out, or the session ended otherwise: a window out of kiosk goes back at once.
    if (deps.kiosk?.suspension(caller.id))
      await kioskReturn(
        caller,
        null,
        deps.kiosk.observe(caller.id, registry.tokenOf(caller.id) ? 'active' : 'none', clock.nowMs()),
      );
    return outcome.result;
  }

  /** A call the shell refused before dispatch (not from the app's own frame): audited, nothing else. */
  async function recordUntrustedCall(channel: string): Promise<void> {
    await auditAlone({
      action: 'REQUEST_REJECTED',
      outcome: 'denied',
      channel: isChannelName(channel) ? channel : null,
      errorCode: 'FORBIDDEN',
      details: { reason: 'sender is not the app window' },
    });
  }

  return { dispatch, forgetCaller, recordUntrustedCall, lockCaller };
}

/** Why the access gate refuses a request to a channel that is not public, or null when it lets it through. */
function accessDenial(
  spec: ChannelSpec,
  resolved: { session: ActiveSession | null; state: string },
  nowMs: number,
): ErrorCode | null {
  const { session } = resolved;
  if (!session) return resolved.state === 'expired' ? 'SESSION_EXPIRED' : 'NOT_SIGNED_IN';
  if (resolved.state === 'locked' && !spec.whileLocked) return 'SESSION_LOCKED';
  if (session.twoFactorState !== 'complete' && !spec.twoFactorStates?.includes(session.twoFactorState))
    return 'TWO_FACTOR_REQUIRED';
  if (session.mustChangePassword && !spec.duringPasswordChange) return 'PASSWORD_CHANGE_REQUIRED';
  if (spec.access !== 'session' && spec.access !== 'public' && !hasPermission(session.user.role, spec.access))
    return 'FORBIDDEN';
  if (spec.reauth && nowMs - session.authenticatedAt > REAUTH_WINDOW_MS) return 'REAUTH_REQUIRED';
  return null;
}

function actorOf(session: ActiveSession) {
  return { userId: session.user.id, email: session.user.email, role: session.user.role };
}

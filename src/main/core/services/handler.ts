// What a channel's handler receives from dispatch, and what it may return.
import type { Knex } from 'knex';
import type { ChannelName, ChannelOutput } from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/errors';
import type { Role } from '../../../shared/roles';
import type { SecuritySettings } from '../../../shared/settings';
import type { AuditActor, AuditEvent } from '../audit/audit-writer';
import type { Caller } from '../caller';
import type { DerivedKeys } from '../crypto/keys';
import type { MailDraft } from '../mail/templates';

export interface SessionUser {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
}

export interface ActiveSession {
  id: number;
  tokenHash: string;
  user: SessionUser;
  /** When the session locks for lack of activity (epoch ms). */
  idleLockAt: number;
  /** Where the sign-in stands on two-step verification. */
  twoFactorState: 'complete' | 'pending' | 'enroll';
  /** When the password was last given in this session (epoch ms). */
  authenticatedAt: number;
  /** An administrator requires a new password before anything else. */
  mustChangePassword: boolean;
}

export interface HandlerContext {
  trx: Knex.Transaction;
  caller: Caller;
  nowMs: number;
  keys: DerivedKeys;
  /** The caller's session, when signed in (for channels allowed while locked, possibly a locked one). */
  session: ActiveSession | null;
  /** Whether that session is locked for idle time. */
  sessionLocked: boolean;
  /** The security settings in force for this request. */
  settings: SecuritySettings;
  /** The workstation this core runs on, as recorded in sessions and the audit trail. */
  workstation: string;
  /** Writes a further audit event in this request's transaction (e.g. ACCOUNT_LOCKED beside LOGIN_FAILED). */
  audit(event: AuditEvent): Promise<void>;
  /** Names the audited subject of this request, e.g. the user a sign-in attempt was for. */
  setAuditSubject(subject: {
    actor?: AuditActor;
    resourceId?: string | number | null;
    /** The keyed hash of a session this request created. */
    sessionTokenHash?: string;
    /** The patient whose information the request touched, and which kind of information. */
    patientId?: number | null;
    dataCategory?: string | null;
    /** The reason the person gave (emergency access). */
    reason?: string | null;
    details?: AuditEvent['details'];
  }): void;
  /** Queues a mail in this transaction; it is sent once the transaction commits. */
  queueMail(mail: MailDraft): Promise<void>;
  /**
   * What the channel's step before the transaction produced (network I/O that must not hold the database, e.g.
   * the test mail's SMTP conversation); undefined for channels without one.
   */
  prepared?: unknown;
  /** Runs after the transaction commits (e.g. remember a new session, wake the mail sender). */
  afterCommit(task: () => void | Promise<void>): void;
}

/**
 * A refusal whose writes must still commit (a wrong code counts an attempt): return it instead of throwing.
 * A thrown DomainError rolls everything back.
 */
export interface CommittedFailure {
  readonly committedFailure: true;
  readonly code: ErrorCode;
  readonly fields?: Record<string, string>;
  readonly retryAfterSeconds?: number;
}

export function committedFailure(
  code: ErrorCode,
  extra: { fields?: Record<string, string>; retryAfterSeconds?: number } = {},
): CommittedFailure {
  return { committedFailure: true, code, ...extra };
}

export function isCommittedFailure(value: unknown): value is CommittedFailure {
  return typeof value === 'object' && value !== null && (value as CommittedFailure).committedFailure === true;
}

export type Handler<C extends ChannelName> = (
  ctx: HandlerContext,
  input: import('zod').output<import('../../../shared/contract').Contract[C]['input']>,
) => Promise<ChannelOutput<C> | CommittedFailure>;

export type Handlers = { [C in ChannelName]: Handler<C> };

// Writes audit events. It takes a transaction, so an event cannot be written apart from the change it records.
import type { Knex } from 'knex';
import type { AuditAction } from '../../../shared/contract';
import type { Role } from '../../../shared/roles';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditActor {
  userId: number | null;
  email: string | null;
  role: Role | null;
}

export interface AuditEvent {
  action: AuditAction;
  outcome: AuditOutcome;
  channel?: string | null;
  actor?: AuditActor;
  sessionHash?: string | null;
  resourceType?: string;
  resourceId?: string | number | null;
  errorCode?: string;
  /** Facts only: never a password, code, token, key or PHI value. */
  details?: Record<string, string | number | boolean | null>;
}

export interface AuditStamp {
  nowMs: number;
  workstation: string;
  appVersion: string;
}

export async function writeAuditEvent(trx: Knex.Transaction, stamp: AuditStamp, event: AuditEvent): Promise<void> {
  await trx('audit_events').insert({
    occurred_at: stamp.nowMs,
    action: event.action,
    outcome: event.outcome,
    channel: event.channel ?? null,
    actor_user_id: event.actor?.userId ?? null,
    actor_email: event.actor?.email ?? null,
    actor_role: event.actor?.role ?? null,
    session_hash: event.sessionHash ?? null,
    workstation: stamp.workstation,
    app_version: stamp.appVersion,
    resource_type: event.resourceType ?? null,
    resource_id: event.resourceId == null ? null : String(event.resourceId),
    error_code: event.errorCode ?? null,
    details: event.details ? JSON.stringify(event.details) : null,
  });
}

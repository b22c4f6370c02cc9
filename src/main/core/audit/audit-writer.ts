// Writes audit events into the chain. It takes a transaction, so an event cannot be written apart from the change
// it records; the chain's head row is locked only while the events are appended, right before the commit.
import type { Knex } from 'knex';
import type { AuditAction } from '../../../shared/contract';
import type { AuditOutcome } from '../../../shared/audit';
import type { Role } from '../../../shared/roles';
import type { Checkpoint } from '../../../shared/audit';
import { isPostgres } from '../db/connection';
import { type AuditRow, GENESIS_MAC, macOf, signCheckpoint } from './chain';

export type { AuditOutcome } from '../../../shared/audit';

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
  /** The patient whose information the request involved, and which kind of it (demographics, medical, photo…). */
  patientId?: number | null;
  dataCategory?: string | null;
  /** Why, when the person had to say: emergency access. */
  reason?: string | null;
  errorCode?: string;
  /** Facts only: never a password, code, token, key or PHI value. */
  details?: Record<string, string | number | boolean | null>;
}

/** Where and when events are written, and the key that chains them. */
export interface AuditStamp {
  nowMs: number;
  /** The workstation's host name. */
  workstation: string;
  osUser: string;
  /** The caller's network address, where there is one (the browser preview); null in the desktop app. */
  ipAddress: string | null;
  appVersion: string;
  chainKey: Buffer;
}

export type NewAuditRow = Omit<AuditRow, 'seq' | 'mac'>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as the database will give it back: cut to `max` UTF-16 units and made well-formed (a lone surrogate,
 * typed or left by the cut, becomes U+FFFD, as SQLite's and PostgreSQL's UTF-8 would make it). Otherwise the MAC
 * would cover a string the database cannot store, and a valid event would fail verification.
 */
export function storableText(value: string | null | undefined, max: number): string | null {
  return value == null ? null : value.slice(0, max).replace(LONE_SURROGATE, '\uFFFD');
}
const text = storableText;

export function auditRow(stamp: AuditStamp, event: AuditEvent): NewAuditRow {
  return {
    occurred_at: stamp.nowMs,
    action: event.action,
    outcome: event.outcome,
    channel: text(event.channel, 64),
    actor_user_id: event.actor?.userId ?? null,
    actor_email: text(event.actor?.email, 254),
    actor_role: event.actor?.role ?? null,
    session_hash: event.sessionHash ?? null,
    workstation: text(stamp.workstation, 255),
    os_user: text(stamp.osUser, 255),
    ip_address: text(stamp.ipAddress, 64),
    app_version: text(stamp.appVersion, 32),
    resource_type: text(event.resourceType, 40),
    resource_id: event.resourceId == null ? null : String(event.resourceId).slice(0, 64),
    patient_id: event.patientId ?? null,
    data_category: text(event.dataCategory, 40),
    reason: text(event.reason, 1000),
    error_code: text(event.errorCode, 40),
    details: event.details && Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : null,
  };
}

interface Head {
  last_seq: number;
  last_mac: string;
}

/**
 * Appends rows to the chain, in order, in the caller's transaction. On PostgreSQL the head row is locked
 * (SELECT … FOR UPDATE) until the transaction ends, so writers on many workstations form one chain; SQLite has
 * one writer at a time anyway.
 */
export async function appendAuditRows(
  trx: Knex.Transaction,
  chainKey: Buffer,
  rows: ReadonlyArray<NewAuditRow>,
): Promise<void> {
  if (rows.length === 0) return;
  const head = (
    isPostgres(trx)
      ? (await trx.raw('SELECT last_seq, last_mac FROM audit_chain WHERE id = 1 FOR UPDATE')).rows[0]
      : await trx('audit_chain').where({ id: 1 }).first('last_seq', 'last_mac')
  ) as Head | undefined;
  let seq = Number(head?.last_seq ?? 0);
  let mac = head?.last_mac ?? GENESIS_MAC;
  const sealed: AuditRow[] = rows.map((row) => {
    seq += 1;
    const withSeq = { seq, ...row };
    mac = macOf(chainKey, mac, withSeq);
    return { ...withSeq, mac };
  });
  for (let i = 0; i < sealed.length; i += 200) await trx('audit_events').insert(sealed.slice(i, i + 200));
  await trx('audit_chain')
    .where({ id: 1 })
    .update({ last_seq: seq, last_mac: mac, last_occurred_at: sealed[sealed.length - 1]!.occurred_at });
}

export async function writeAuditEvent(trx: Knex.Transaction, stamp: AuditStamp, event: AuditEvent): Promise<void> {
  await appendAuditRows(trx, stamp.chainKey, [auditRow(stamp, event)]);
}

/**
 * Collects a request's events and appends them together at the end of its transaction: the head row stays
 * locked for the last moments only, never while a handler hashes a password.
 */
export class AuditBatch {
  private readonly rows: NewAuditRow[] = [];
  constructor(private readonly stamp: AuditStamp) {}

  add(event: AuditEvent): void {
    this.rows.push(auditRow(this.stamp, event));
  }

  async flush(trx: Knex.Transaction): Promise<void> {
    await appendAuditRows(trx, this.stamp.chainKey, this.rows.splice(0));
  }
}

/** Signs a checkpoint of the chain's head as this transaction sees it, and keeps a copy in audit_checkpoints. */
export async function createCheckpoint(
  trx: Knex.Transaction,
  signatureKey: Buffer,
  nowMs: number,
  createdBy: number | null,
): Promise<Checkpoint> {
  const head = (await trx('audit_chain').where({ id: 1 }).first('last_seq', 'last_mac')) as Head;
  const point = signCheckpoint(signatureKey, { seq: Number(head.last_seq), mac: head.last_mac, createdAt: nowMs });
  await trx('audit_checkpoints')
    .insert({
      seq: point.seq,
      mac: point.mac,
      created_at: point.createdAt,
      created_by: createdBy,
      signature: point.signature,
    })
    .onConflict('seq')
    .ignore();
  return point;
}

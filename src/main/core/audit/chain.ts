// The audit chain: each event's MAC is an HMAC-SHA-256, under a key derived from the data key (kept outside the
// database), over the previous event's MAC and the event's every column in a fixed order. Changing, removing,
// inserting or reordering an event breaks the MAC of that event or of the one after it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Checkpoint } from '../../../shared/audit';

/** The MAC the first event is chained to. */
export const GENESIS_MAC = '0'.repeat(64);

/** The columns of audit_events, in the order the MAC covers them (the MAC itself last, not covered). */
export const AUDIT_COLUMNS = [
  'seq',
  'occurred_at',
  'action',
  'outcome',
  'channel',
  'actor_user_id',
  'actor_email',
  'actor_role',
  'session_hash',
  'workstation',
  'os_user',
  'ip_address',
  'app_version',
  'resource_type',
  'resource_id',
  'patient_id',
  'data_category',
  'reason',
  'error_code',
  'details',
] as const;

export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** One stored event: numbers for seq, times and ids; text or null for the rest. */
export interface AuditRow {
  seq: number;
  occurred_at: number;
  action: string;
  outcome: string;
  channel: string | null;
  actor_user_id: number | null;
  actor_email: string | null;
  actor_role: string | null;
  session_hash: string | null;
  workstation: string | null;
  os_user: string | null;
  ip_address: string | null;
  app_version: string | null;
  resource_type: string | null;
  resource_id: string | null;
  patient_id: number | null;
  data_category: string | null;
  reason: string | null;
  error_code: string | null;
  details: string | null;
  mac: string;
}

/** The SELECT list that reads a row in chain order, MAC last: what verification and export iterate over. */
export const AUDIT_SELECT = [...AUDIT_COLUMNS, 'mac'].join(', ');

/** A row as an array in AUDIT_COLUMNS order (MAC excluded); what the MAC covers, as JSON. */
export function canonicalValues(row: Omit<AuditRow, 'mac'>): unknown[] {
  return AUDIT_COLUMNS.map((c) => row[c] ?? null);
}

/** The MAC of an event given as its values in AUDIT_COLUMNS order (a raw database row) and the previous MAC. */
export function macOfValues(key: Buffer, prevMac: string, values: ReadonlyArray<unknown>): string {
  return createHmac('sha256', key)
    .update(`${prevMac}\n${JSON.stringify(values)}`)
    .digest('hex');
}

export function macOf(key: Buffer, prevMac: string, row: Omit<AuditRow, 'mac'>): string {
  return macOfValues(key, prevMac, canonicalValues(row));
}

export function sameMac(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function signature(key: Buffer, parts: ReadonlyArray<string | number>): string {
  return createHmac('sha256', key).update(parts.join('\n')).digest('hex');
}

export function signCheckpoint(key: Buffer, point: { seq: number; mac: string; createdAt: number }): Checkpoint {
  return {
    format: 'healthsphere-audit-checkpoint',
    version: 1,
    seq: point.seq,
    mac: point.mac,
    createdAt: point.createdAt,
    signature: signature(key, ['checkpoint/v1', point.seq, point.mac, point.createdAt]),
  };
}

export function checkpointSignatureValid(key: Buffer, checkpoint: Checkpoint): boolean {
  const expected = signature(key, ['checkpoint/v1', checkpoint.seq, checkpoint.mac, checkpoint.createdAt]);
  return sameMac(expected, checkpoint.signature);
}

export interface ArchiveRecord {
  through_seq: number;
  through_mac: string;
  cutoff_at: number;
  created_at: number;
  event_count: number;
  file_name: string;
  file_sha256: string;
}

export function signArchive(key: Buffer, a: ArchiveRecord): string {
  return signature(key, [
    'archive/v1',
    a.through_seq,
    a.through_mac,
    a.cutoff_at,
    a.created_at,
    a.event_count,
    a.file_name,
    a.file_sha256,
  ]);
}

// Reading the trail: filters as bound parameters (never SQL text), keyset pages in time order, one event, and
// counts per day. Used by the admin screen's handlers and by the export worker, so both see the same events.
import type { Knex } from 'knex';
import type { AuditCursor, AuditEventView, AuditFilters, AuditOutcome } from '../../../shared/audit';
import { AUDIT_SELECT, type AuditRow, GENESIS_MAC, macOf } from './chain';
import { isPostgres } from '../db/connection';

export type AuditSort = 'newest' | 'oldest';

/** Filters with the patient resolved to an id (an email that names nobody matches nothing). */
export interface ResolvedFilters extends Omit<AuditFilters, 'patient'> {
  patientId?: number | null;
}

/** A patient filter is an id or the patient's email address; the email is looked up once, here. */
export async function resolveFilters(knex: Knex, filters: AuditFilters): Promise<ResolvedFilters> {
  const { patient, ...rest } = filters;
  if (!patient) return rest;
  if (/^\d{1,15}$/.test(patient)) return { ...rest, patientId: Number(patient) };
  const user = (await knex('users').where({ email: patient.toLowerCase() }).first('id')) as { id: number } | undefined;
  return { ...rest, patientId: user ? Number(user.id) : null };
}

/** Adds the filters to a query on audit_events. Every value is a bound parameter. */
export function applyFilters(query: Knex.QueryBuilder, f: ResolvedFilters): Knex.QueryBuilder {
  if (f.actor) query.where('actor_email', f.actor.toLowerCase());
  if (f.action) query.where('action', f.action);
  if (f.outcome) query.where('outcome', f.outcome);
  if (f.resourceType) query.where('resource_type', f.resourceType);
  if (f.resourceId) query.where('resource_id', f.resourceId);
  if (f.patientId !== undefined) {
    if (f.patientId === null) query.whereRaw('1 = 0');
    else query.where('patient_id', f.patientId);
  }
  if (f.workstation) query.where('workstation', f.workstation);
  if (f.from !== undefined) query.where('occurred_at', '>=', f.from);
  if (f.to !== undefined) query.where('occurred_at', '<=', f.to);
  return query;
}

/**
 * Which index leads a filtered search, most selective filter first. SQLite has no statistics to choose by and
 * otherwise may walk the outcome index of ten million rows to find one user's failures; PostgreSQL's planner has
 * statistics and chooses for itself.
 */
const LEADING_INDEX: Array<[(f: ResolvedFilters) => boolean, string]> = [
  [(f) => Boolean(f.resourceId), 'audit_events_resource_id_time'],
  [(f) => f.patientId != null, 'audit_events_patient_time'],
  [(f) => Boolean(f.actor), 'audit_events_actor_time'],
  [(f) => Boolean(f.action), 'audit_events_action_time'],
  [(f) => Boolean(f.workstation), 'audit_events_workstation_time'],
  [(f) => Boolean(f.resourceType), 'audit_events_resource_type_time'],
  [(f) => Boolean(f.outcome), 'audit_events_outcome_time'],
];

export function auditTable(knex: Knex, filters: ResolvedFilters): string | Knex.Raw {
  if (isPostgres(knex)) return 'audit_events';
  const index = LEADING_INDEX.find(([applies]) => applies(filters))?.[1] ?? 'audit_events_time';
  return knex.raw(`audit_events INDEXED BY ${index}`);
}

/**
 * The filtered events after the cursor, in time order (ties in sequence order). A cursor inside the date range
 * replaces the range's bound on its side, so the index scan starts at the cursor, not at the range's edge.
 */
export function filteredQuery(
  knex: Knex,
  filters: ResolvedFilters,
  sort: AuditSort,
  cursor: AuditCursor | null,
): Knex.QueryBuilder {
  const bounded = { ...filters };
  if (cursor && sort === 'newest' && (bounded.to === undefined || cursor.occurredAt <= bounded.to)) delete bounded.to;
  if (cursor && sort === 'oldest' && (bounded.from === undefined || cursor.occurredAt >= bounded.from))
    delete bounded.from;
  const query = applyFilters(knex.from(auditTable(knex, filters)).select(knex.raw(AUDIT_SELECT)), bounded);
  if (cursor)
    query.whereRaw(`(occurred_at, seq) ${sort === 'newest' ? '<' : '>'} (?, ?)`, [cursor.occurredAt, cursor.seq]);
  const direction = sort === 'newest' ? 'desc' : 'asc';
  return query.orderBy([
    { column: 'occurred_at', order: direction },
    { column: 'seq', order: direction },
  ]);
}

/** PostgreSQL returns BIGINT and INTEGER as numbers here (see db/connection.ts); SQLite does already. */
export function normalizeRow(raw: Record<string, unknown>): AuditRow {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return {
    ...(raw as unknown as AuditRow),
    seq: Number(raw.seq),
    occurred_at: Number(raw.occurred_at),
    actor_user_id: num(raw.actor_user_id),
    patient_id: num(raw.patient_id),
  };
}

export function toView(row: AuditRow): AuditEventView {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    channel: row.channel,
    actorUserId: row.actor_user_id,
    actorEmail: row.actor_email,
    actorRole: row.actor_role,
    sessionHash: row.session_hash,
    workstation: row.workstation,
    osUser: row.os_user,
    ipAddress: row.ip_address,
    appVersion: row.app_version,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    patientId: row.patient_id,
    dataCategory: row.data_category,
    reason: row.reason,
    errorCode: row.error_code,
    details: row.details,
    mac: row.mac,
  };
}

export async function searchEvents(
  knex: Knex,
  request: { filters: AuditFilters; sort: AuditSort; cursor: AuditCursor | null; limit: number },
): Promise<{ events: AuditEventView[]; nextCursor: AuditCursor | null }> {
  const filters = await resolveFilters(knex, request.filters);
  const rows = (await filteredQuery(knex, filters, request.sort, request.cursor).limit(request.limit + 1)).map(
    normalizeRow,
  );
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1];
  return {
    events: page.map(toView),
    nextCursor: rows.length > request.limit && last ? { occurredAt: last.occurred_at, seq: last.seq } : null,
  };
}

/** One event, and whether its MAC still matches its content and the MAC of the event before it. */
export async function eventWithCheck(
  knex: Knex,
  chainKey: Buffer,
  seq: number,
): Promise<{ row: AuditRow; macValid: boolean } | null> {
  const rows = (
    await knex('audit_events')
      .select(knex.raw(AUDIT_SELECT))
      .whereBetween('seq', [seq - 1, seq])
      .orderBy('seq')
  ).map(normalizeRow);
  const row = rows.find((r) => r.seq === seq);
  if (!row) return null;
  const previous = rows.find((r) => r.seq === seq - 1);
  const prevMac = previous?.mac ?? (seq === 1 ? GENESIS_MAC : await archivedMacBefore(knex, seq));
  return { row, macValid: prevMac !== null && macOf(chainKey, prevMac, row) === row.mac };
}

async function archivedMacBefore(knex: Knex, seq: number): Promise<string | null> {
  const archive = (await knex('audit_archives')
    .where({ through_seq: seq - 1 })
    .first('through_mac')) as { through_mac: string } | undefined;
  return archive?.through_mac ?? null;
}

const DAY_MS = 24 * 60 * 60_000;

/** Events and failed sign-ins per UTC day in [from, to]. */
export async function eventsPerDay(
  knex: Knex,
  from: number,
  to: number,
): Promise<Array<{ day: string; events: number; failedSignIns: number }>> {
  const first = Math.floor(from / DAY_MS);
  const last = Math.floor(to / DAY_MS);
  const perDay = async (action?: string) => {
    const query = knex('audit_events')
      .whereBetween('occurred_at', [first * DAY_MS, (last + 1) * DAY_MS - 1])
      .select(knex.raw(`occurred_at / ${DAY_MS} AS day`))
      .count({ n: '*' })
      .groupByRaw(`occurred_at / ${DAY_MS}`);
    if (action) query.where('action', action);
    const rows = (await query) as Array<{ day: number | string; n: number | string }>;
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  };
  const [all, failed] = await Promise.all([perDay(), perDay('LOGIN_FAILED')]);
  return Array.from({ length: last - first + 1 }, (_, i) => ({
    day: new Date((first + i) * DAY_MS).toISOString().slice(0, 10),
    events: all.get(first + i) ?? 0,
    failedSignIns: failed.get(first + i) ?? 0,
  }));
}

/** What the trail holds now: its head, the last archive, and the oldest event still in the database. */
export async function trailExtent(knex: Knex): Promise<{
  lastSeq: number;
  lastMac: string;
  archivedThrough: number;
  archivedMac: string;
  oldestAt: number | null;
}> {
  const head = (await knex('audit_chain').where({ id: 1 }).first('last_seq', 'last_mac')) as {
    last_seq: number | string;
    last_mac: string;
  };
  const archive = (await knex('audit_archives').orderBy('through_seq', 'desc').first('through_seq', 'through_mac')) as
    { through_seq: number | string; through_mac: string } | undefined;
  const oldest = (await knex('audit_events').orderBy('seq').first('occurred_at')) as
    { occurred_at: number | string } | undefined;
  return {
    lastSeq: Number(head.last_seq),
    lastMac: head.last_mac,
    archivedThrough: Number(archive?.through_seq ?? 0),
    archivedMac: archive?.through_mac ?? GENESIS_MAC,
    oldestAt: oldest ? Number(oldest.occurred_at) : null,
  };
}

// Retention: events older than the retention period (six years at least) leave the database only through here.
// They are first written to a JSON export, the file is read back and its chain verified against the database,
// and only then, in one transaction, a signed archive record is written and the archived events deleted (the
// delete trigger lets through exactly the events an archive record covers).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import type { Knex } from 'knex';
import type { AuditEventView } from '../../../shared/audit';
import { exportTrail } from './audit-jobs';
import { trailExtent } from './audit-query';
import type { DatabaseTarget } from './audit-worker';
import { type AuditEvent, type AuditStamp, writeAuditEvent } from './audit-writer';
import { type AuditRow, GENESIS_MAC, macOf, signArchive } from './chain';

const YEAR_MS = 365.25 * 24 * 60 * 60_000;

export class ArchiveRefused extends Error {}

export function fromView(v: AuditEventView): AuditRow {
  return {
    seq: v.seq,
    occurred_at: v.occurredAt,
    action: v.action,
    outcome: v.outcome,
    channel: v.channel,
    actor_user_id: v.actorUserId,
    actor_email: v.actorEmail,
    actor_role: v.actorRole,
    session_hash: v.sessionHash,
    workstation: v.workstation,
    os_user: v.osUser,
    ip_address: v.ipAddress,
    app_version: v.appVersion,
    resource_type: v.resourceType,
    resource_id: v.resourceId,
    patient_id: v.patientId,
    data_category: v.dataCategory,
    reason: v.reason,
    error_code: v.errorCode,
    details: v.details,
    mac: v.mac,
  };
}

/**
 * Reads an export file event by event (one per line) and recomputes its chain from `prevMac`.
 * Returns the number of events and the last MAC, or throws naming the first event that does not verify.
 */
export async function verifyExportFile(
  file: string,
  chainKey: Buffer,
  prevMac: string,
): Promise<{ events: number; lastMac: string; firstSeq: number | null; lastSeq: number | null }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let mac = prevMac;
  let events = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let complete = false;
  for await (const line of lines) {
    if (line.startsWith('{"seq"')) {
      const row = fromView(JSON.parse(line.replace(/,$/, '')) as AuditEventView);
      if (lastSeq !== null && row.seq !== lastSeq + 1)
        throw new ArchiveRefused(`the export skips from event #${lastSeq} to #${row.seq}`);
      if (macOf(chainKey, mac, row) !== row.mac)
        throw new ArchiveRefused(`event #${row.seq} in the export does not verify`);
      mac = row.mac;
      firstSeq ??= row.seq;
      lastSeq = row.seq;
      events += 1;
    } else if (line.includes('"complete":true')) complete = true;
  }
  if (!complete) throw new ArchiveRefused('the export file is incomplete');
  return { events, lastMac: mac, firstSeq, lastSeq };
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

export interface ArchiveResult {
  events: number;
  throughSeq: number;
  file: string;
  sha256: string;
}

/** Archives every event recorded before `before` that is also older than the retention period. */
export async function archiveTrail(
  knex: Knex,
  target: DatabaseTarget,
  keys: { chainKey: Buffer; signatureKey: Buffer },
  request: {
    before: number;
    retentionYears: number;
    file: string;
    stamp: () => AuditStamp;
    actor?: AuditEvent['actor'];
  },
  onProgress: (processed: number, total: number) => void = () => {},
): Promise<ArchiveResult | null> {
  const now = request.stamp().nowMs;
  const cutoff = Math.min(request.before, Math.floor(now - request.retentionYears * YEAR_MS));
  const extent = await trailExtent(knex);
  const first = extent.archivedThrough + 1;
  const kept = (await knex('audit_events').where('occurred_at', '>=', cutoff).min({ seq: 'seq' }).first()) as
    { seq: number | string | null } | undefined;
  const through = kept?.seq == null ? extent.lastSeq : Number(kept.seq) - 1;
  if (through < first) return null;
  if (fs.existsSync(request.file)) throw new ArchiveRefused(`${request.file} exists already; choose a new file`);
  const prevMac = first === 1 ? GENESIS_MAC : extent.archivedMac;

  const work = exportTrail(
    knex,
    target,
    {
      format: 'json',
      filters: {},
      seqRange: { from: first, to: through, prevMac },
      path: request.file,
      header: {
        format: 'healthsphere-audit-archive',
        version: 1,
        createdAt: new Date(now).toISOString(),
        firstSeq: first,
        throughSeq: through,
        previousMac: prevMac,
        cutoff: new Date(cutoff).toISOString(),
      },
    },
    onProgress,
  );
  await work.result;

  // The file must hold exactly the events to delete, chained as the database holds them.
  const checked = await verifyExportFile(request.file, keys.chainKey, prevMac);
  const last = (await knex('audit_events').where({ seq: through }).first('mac')) as { mac: string } | undefined;
  if (checked.firstSeq !== first || checked.lastSeq !== through || !last || last.mac !== checked.lastMac)
    throw new ArchiveRefused('the export does not match the trail in the database; nothing was deleted');
  const sha256 = await sha256File(request.file);

  await knex.transaction(async (trx) => {
    const record = {
      through_seq: through,
      through_mac: checked.lastMac,
      cutoff_at: cutoff,
      created_at: now,
      event_count: checked.events,
      file_name: request.file.slice(-255),
      file_sha256: sha256,
    };
    await trx('audit_archives').insert({ ...record, signature: signArchive(keys.signatureKey, record) });
    await trx('audit_events').where('seq', '<=', through).delete();
    await writeAuditEvent(trx, request.stamp(), {
      action: 'AUDIT_ARCHIVED',
      outcome: 'success',
      channel: 'cli.audit-archive',
      actor: request.actor,
      resourceType: 'audit_trail',
      resourceId: through,
      details: { firstSeq: first, throughSeq: through, events: checked.events, sha256 },
    });
  });
  return { events: checked.events, throughSeq: through, file: request.file, sha256 };
}

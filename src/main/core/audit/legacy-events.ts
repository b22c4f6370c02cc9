// Events recorded before the chain existed (migration 007 moved them to audit_events_unsealed) are sealed into
// it, oldest first, at the next start: the MAC key lives outside the database, so no migration could.
import type { Knex } from 'knex';
import { type NewAuditRow, appendAuditRows } from './audit-writer';

interface UnsealedRow {
  id: number;
  occurred_at: number | string;
  action: string;
  outcome: string;
  channel: string | null;
  actor_user_id: number | null;
  actor_email: string | null;
  actor_role: string | null;
  session_hash: string | null;
  workstation: string | null;
  app_version: string | null;
  resource_type: string | null;
  resource_id: string | null;
  error_code: string | null;
  details: string | null;
}

export async function sealUnsealedEvents(knex: Knex, chainKey: Buffer): Promise<number> {
  if (!(await knex.schema.hasTable('audit_events_unsealed'))) return 0;
  return knex.transaction(async (trx) => {
    const rows = (await trx('audit_events_unsealed').orderBy('id').select()) as UnsealedRow[];
    const sealed: NewAuditRow[] = rows.map((r) => {
      // The old trail wrote the workstation as "osuser@host".
      const at = r.workstation?.lastIndexOf('@') ?? -1;
      return {
        occurred_at: Number(r.occurred_at),
        action: r.action,
        outcome: r.outcome,
        channel: r.channel,
        actor_user_id: r.actor_user_id === null ? null : Number(r.actor_user_id),
        actor_email: r.actor_email,
        actor_role: r.actor_role,
        session_hash: r.session_hash,
        workstation: at >= 0 ? r.workstation!.slice(at + 1) : r.workstation,
        os_user: at >= 0 ? r.workstation!.slice(0, at) : null,
        ip_address: null,
        app_version: r.app_version,
        resource_type: r.resource_type,
        resource_id: r.resource_id,
        patient_id: null,
        data_category: null,
        reason: null,
        error_code: r.error_code,
        details: r.details,
      };
    });
    await appendAuditRows(trx, chainKey, sealed);
    await trx.schema.dropTable('audit_events_unsealed');
    return sealed.length;
  });
}

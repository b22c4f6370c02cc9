// Issue 6: the audit trail becomes a chain. Every event carries a sequence number and an HMAC over its content
// and the previous event's MAC; triggers refuse UPDATE and DELETE (DELETE only of events an archive took first).
// Events recorded before this migration move to `audit_events_unsealed`; the core seals them into the chain at
// its next start, because the MAC key lives outside the database and no migration holds it.
import type { Knex } from 'knex';

const COLUMNS_SQLITE = `
  seq INTEGER PRIMARY KEY,
  occurred_at INTEGER NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  channel TEXT,
  actor_user_id INTEGER,
  actor_email TEXT,
  actor_role TEXT,
  session_hash TEXT,
  workstation TEXT,
  os_user TEXT,
  ip_address TEXT,
  app_version TEXT,
  resource_type TEXT,
  resource_id TEXT,
  patient_id INTEGER,
  data_category TEXT,
  reason TEXT,
  error_code TEXT,
  details TEXT,
  mac TEXT NOT NULL`;

const COLUMNS_POSTGRES = COLUMNS_SQLITE.replace('seq INTEGER PRIMARY KEY', 'seq BIGINT PRIMARY KEY')
  .replace('occurred_at INTEGER', 'occurred_at BIGINT')
  .replace('patient_id INTEGER', 'patient_id BIGINT')
  .replace('actor_user_id INTEGER', 'actor_user_id BIGINT');

/** Each filter of the admin screen walks one index in time order, whatever the page's depth. */
const INDEXES: Array<[string, string, string?]> = [
  ['audit_events_time', 'occurred_at, seq'],
  ['audit_events_actor_time', 'actor_email, occurred_at, seq', 'actor_email IS NOT NULL'],
  ['audit_events_action_time', 'action, occurred_at, seq'],
  ['audit_events_outcome_time', 'outcome, occurred_at, seq'],
  ['audit_events_resource_type_time', 'resource_type, occurred_at, seq', 'resource_type IS NOT NULL'],
  ['audit_events_resource_id_time', 'resource_id, occurred_at, seq', 'resource_id IS NOT NULL'],
  ['audit_events_patient_time', 'patient_id, occurred_at, seq', 'patient_id IS NOT NULL'],
  ['audit_events_workstation_time', 'workstation, occurred_at, seq'],
  ['audit_events_actor_id_time', 'actor_user_id, occurred_at, seq', 'actor_user_id IS NOT NULL'],
];

const GENESIS_MAC = '0'.repeat(64);

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  await knex.raw('DROP INDEX IF EXISTS audit_events_occurred_at_index');
  await knex.raw('DROP INDEX IF EXISTS audit_events_actor_user_id_occurred_at_index');
  await knex.schema.renameTable('audit_events', 'audit_events_unsealed');
  if (pg) await knex.raw('ALTER INDEX audit_events_pkey RENAME TO audit_events_unsealed_pkey');

  await knex.raw(`CREATE TABLE audit_events (${pg ? COLUMNS_POSTGRES : COLUMNS_SQLITE})`);
  for (const [name, columns, where] of INDEXES)
    await knex.raw(`CREATE INDEX ${name} ON audit_events (${columns})${where ? ` WHERE ${where}` : ''}`);

  // The chain's head: the last event's sequence number and MAC. One row, locked by each append.
  await knex.schema.createTable('audit_chain', (t) => {
    t.integer('id').primary();
    t.bigInteger('last_seq').notNullable();
    t.string('last_mac', 64).notNullable();
    t.bigInteger('last_occurred_at').notNullable();
  });
  await knex('audit_chain').insert({ id: 1, last_seq: 0, last_mac: GENESIS_MAC, last_occurred_at: 0 });

  // Signed checkpoints: copies of these kept off the machine prove the trail was not cut short.
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.bigInteger('seq').primary();
    t.string('mac', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('created_by').nullable();
    t.string('signature', 64).notNullable();
  });

  // Archives: events older than the retention period leave only after a verified export; the row says which.
  await knex.schema.createTable('audit_archives', (t) => {
    t.increments('id').primary();
    t.bigInteger('through_seq').notNullable();
    t.string('through_mac', 64).notNullable();
    t.bigInteger('cutoff_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('event_count').notNullable();
    t.string('file_name', 255).notNullable();
    t.string('file_sha256', 64).notNullable();
    t.string('signature', 64).notNullable();
  });

  if (pg) {
    await knex.raw(`
      CREATE FUNCTION healthsphere_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events' AND TG_LEVEL = 'ROW' THEN
          IF OLD.seq <= (SELECT coalesce(max(through_seq), 0) FROM audit_archives) THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'the audit trail cannot be changed: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_events', 'audit_checkpoints', 'audit_archives']) {
      await knex.raw(
        `CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION healthsphere_audit_guard()`,
      );
      await knex.raw(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION healthsphere_audit_guard()`,
      );
    }
    await knex.raw(
      `CREATE TRIGGER audit_chain_no_delete BEFORE DELETE OR TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION healthsphere_audit_guard()`,
    );
  } else {
    await knex.raw(`
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed: UPDATE on audit_events refused'); END`);
    await knex.raw(`
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
      WHEN OLD.seq > (SELECT coalesce(max(through_seq), 0) FROM audit_archives)
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed: DELETE on audit_events refused'); END`);
    for (const table of ['audit_checkpoints', 'audit_archives']) {
      for (const op of ['UPDATE', 'DELETE'])
        await knex.raw(`
          CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table}
          BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed: ${op} on ${table} refused'); END`);
    }
    await knex.raw(`
      CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed: DELETE on audit_chain refused'); END`);
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  for (const table of ['audit_archives', 'audit_checkpoints', 'audit_chain', 'audit_events'])
    await knex.schema.dropTableIfExists(table);
  if (pg) await knex.raw('DROP FUNCTION IF EXISTS healthsphere_audit_guard()');
  await knex.schema.renameTable('audit_events_unsealed', 'audit_events');
}

// Issue 3: admin settings, sign-in guards per email (throttle and lockout), per-workstation rate limits,
// session locking after idle time, and the role a session was started with.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.integer('updated_by').nullable();
  });

  // Keyed by a keyed hash of the email, whether or not an account exists: an unknown email is throttled
  // and locked exactly like a real one, so the answers reveal nothing.
  await knex.schema.createTable('sign_in_guards', (t) => {
    t.string('email_hash', 64).primary();
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.bigInteger('last_failure_at').nullable();
    t.bigInteger('locked_until').nullable();
  });

  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 128).primary();
    t.bigInteger('window_start').notNullable();
    t.integer('count').notNullable();
  });

  await knex.schema.alterTable('sessions', (t) => {
    t.bigInteger('locked_at').nullable();
    t.string('role', 16).nullable();
  });

  await knex.schema.alterTable('users', (t) => {
    t.bigInteger('password_changed_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('password_changed_at'));
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('locked_at');
    t.dropColumn('role');
  });
  for (const table of ['rate_limits', 'sign_in_guards', 'settings']) await knex.schema.dropTableIfExists(table);
}

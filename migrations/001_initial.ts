// The walking skeleton's tables: users, email codes, sessions, the mail outbox and the audit trail.
// Times are epoch milliseconds (BIGINT); secrets are stored only as keyed hashes or ciphertext.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('first_name', 100).notNullable();
    t.string('last_name', 100).notNullable();
    t.string('phone', 20).nullable();
    t.string('role', 16).notNullable();
    t.text('password_hash').notNullable();
    t.bigInteger('email_verified_at').nullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('email_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('purpose', 32).notNullable();
    t.string('code_hash', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.bigInteger('consumed_at').nullable();
    t.index(['user_id', 'purpose']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.increments('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.string('end_reason', 32).nullable();
    t.string('workstation', 255).nullable();
    t.index(['user_id']);
  });

  await knex.schema.createTable('mail_outbox', (t) => {
    t.increments('id').primary();
    t.string('kind', 32).notNullable();
    t.string('recipient', 254).notNullable();
    t.string('subject', 200).notNullable();
    // The body may hold a one-time code: encrypted at rest, and erased once the mail is sent.
    t.text('body_encrypted').nullable();
    t.bigInteger('created_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.text('last_error').nullable();
    t.index(['sent_at', 'next_attempt_at']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.increments('id').primary();
    t.bigInteger('occurred_at').notNullable();
    t.string('action', 40).notNullable();
    t.string('outcome', 16).notNullable();
    t.string('channel', 64).nullable();
    t.integer('actor_user_id').nullable();
    t.string('actor_email', 254).nullable();
    t.string('actor_role', 16).nullable();
    t.string('session_hash', 64).nullable();
    t.string('workstation', 255).nullable();
    t.string('app_version', 32).notNullable();
    t.string('resource_type', 40).nullable();
    t.string('resource_id', 64).nullable();
    t.string('error_code', 40).nullable();
    t.text('details').nullable();
    t.index(['occurred_at']);
    t.index(['actor_user_id', 'occurred_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'mail_outbox', 'sessions', 'email_codes', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}

// Issue 4: TOTP two-step verification. The secret is stored encrypted, backup codes only as keyed hashes,
// and the last time step used is kept so a code is never accepted twice. Sessions record where they stand.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('two_factor', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.text('secret_encrypted').notNullable();
    /** Null while enrollment waits for its first code. */
    t.bigInteger('enabled_at').nullable();
    t.bigInteger('last_used_step').nullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('backup_codes', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('used_at').nullable();
    t.index(['user_id']);
  });

  await knex.schema.alterTable('sessions', (t) => {
    /** 'complete', 'pending' (a code is due) or 'enroll' (2FA must be set up first). */
    t.string('two_factor_state', 16).notNullable().defaultTo('complete');
    t.integer('two_factor_failures').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('two_factor_state');
    t.dropColumn('two_factor_failures');
  });
  await knex.schema.dropTableIfExists('backup_codes');
  await knex.schema.dropTableIfExists('two_factor');
}

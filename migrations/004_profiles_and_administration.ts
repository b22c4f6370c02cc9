// Issue 5: profiles with their PHI encrypted, restricted records and emergency access, and what user
// administration needs: a required password change, the time of the last password confirmation, and the
// sign-in guard key of each user (to show and filter locked accounts).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('profiles', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    // PHI: AES-256-GCM ciphertexts, each bound to its field and user.
    t.text('phone_enc').nullable();
    t.text('date_of_birth_enc').nullable();
    t.text('address_enc').nullable();
    t.text('emergency_contact_name_enc').nullable();
    t.text('emergency_contact_phone_enc').nullable();
    t.text('blood_type_enc').nullable();
    t.text('allergies_enc').nullable();
    t.text('medical_notes_enc').nullable();
    // A keyed hash of the date of birth, so staff can find a patient by it without it being readable.
    t.string('date_of_birth_lookup', 64).nullable().index();
    // Staff fields: not health information.
    t.string('employee_id', 32).nullable();
    t.string('department', 100).nullable();
    t.string('specialization', 100).nullable();
    t.boolean('restricted').notNullable().defaultTo(false);
    t.bigInteger('restricted_at').nullable();
    t.integer('restricted_by').nullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('emergency_access', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('id').inTable('users');
    t.integer('patient_id').notNullable().references('id').inTable('users');
    t.text('reason').notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('reviewed_at').nullable();
    t.integer('reviewed_by').nullable();
    t.index(['user_id', 'patient_id', 'expires_at']);
  });

  await knex.schema.alterTable('users', (t) => {
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.string('guard_key', 64).nullable().index();
    t.index(['role', 'id']);
    t.index(['last_name', 'first_name', 'id']);
  });

  await knex.schema.alterTable('sessions', (t) => {
    // When the password was last given in this session: at sign-in, or a confirmation for a sensitive action.
    t.bigInteger('authenticated_at').nullable();
  });

  // One row marks that the first administrator was made by the setup screen: a second attempt collides.
  await knex.schema.createTable('setup', (t) => {
    t.string('step', 32).primary();
    t.bigInteger('done_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('setup');
  await knex.schema.alterTable('sessions', (t) => t.dropColumn('authenticated_at'));
  await knex.schema.alterTable('users', (t) => {
    t.dropIndex(['role', 'id']);
    t.dropIndex(['last_name', 'first_name', 'id']);
    t.dropColumn('must_change_password');
    t.dropColumn('guard_key');
  });
  await knex.schema.dropTableIfExists('emergency_access');
  await knex.schema.dropTableIfExists('profiles');
}

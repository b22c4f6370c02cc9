// Issue 5: case-insensitive prefix search of users by email and name stays fast at 100,000 users on
// PostgreSQL (lower(column) LIKE 'text%' uses a text_pattern_ops index whatever the database's collation).
// SQLite answers the same queries fast enough by scanning (see npm run bench); it gets no extra index.
import type { Knex } from 'knex';

const INDEXES: Array<[string, string]> = [
  ['users_email_lower_pattern', 'lower(email) text_pattern_ops'],
  ['users_first_name_lower_pattern', 'lower(first_name) text_pattern_ops'],
  ['users_last_name_lower_pattern', 'lower(last_name) text_pattern_ops'],
];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [name, expression] of INDEXES) await knex.raw(`CREATE INDEX ${name} ON users (${expression})`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [name] of INDEXES) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}

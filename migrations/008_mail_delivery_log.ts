// Issue 9: the outbox becomes the delivery log. The server's answer to a sent message is kept, and a message the
// server refused for good (an address that does not exist) is given up instead of retried for ever. The mail
// settings themselves live in the `settings` table (key 'mail'), the server password encrypted.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.text('server_response').nullable();
    t.bigInteger('given_up_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropColumn('server_response');
    t.dropColumn('given_up_at');
  });
}

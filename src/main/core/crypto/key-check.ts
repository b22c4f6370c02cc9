// Every workstation on one database must hold the same data key: sessions, codes, PHI and the audit chain are all
// keyed by it. The database keeps a check value of the key it was set up with; a workstation with another key
// stops at start with a plain message, before it writes anything the others could not read or verify.
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { KeyFileError } from './keys';

const CHECK_KEY = 'data_key_check';

export class DataKeyMismatchError extends KeyFileError {}

export function keyCheckValue(dataKey: Buffer): string {
  return createHmac('sha256', dataKey).update('healthsphere/key-check/v1').digest('hex');
}

export async function checkDataKey(knex: Knex, dataKey: Buffer, location: string): Promise<void> {
  const value = keyCheckValue(dataKey);
  await knex('settings').insert({ key: CHECK_KEY, value, updated_at: 0, updated_by: null }).onConflict('key').ignore();
  const stored = (await knex('settings').where({ key: CHECK_KEY }).first('value')) as { value: string };
  if (stored.value !== value)
    throw new DataKeyMismatchError(
      `This computer's data key is not the one the database at ${location} was set up with, so it could read ` +
        'none of its protected data and would break its audit trail. Every workstation on one database needs the ' +
        'same key: give this one the clinic\'s key as HEALTHSPHERE_MASTER_KEY (docs/postgresql-for-it.md, section 5, "The data ' +
        'key"). Nothing was changed.',
    );
}

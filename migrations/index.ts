// Every migration, in order. A bundled main process has no folder to scan, so they are imported here.
// Never edit a migration that has landed: add a new file and list it last.
import type { Knex } from 'knex';
import * as m001 from './001_initial';
import * as m002 from './002_sign_in_protection';
import * as m003 from './003_two_factor';
import * as m004 from './004_profiles_and_administration';
import * as m005 from './005_avatars';
import * as m006 from './006_search_indexes';
import * as m007 from './007_audit_chain';
import * as m008 from './008_mail_delivery_log';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Array<[string, Migration]> = [
  ['001_initial', m001],
  ['002_sign_in_protection', m002],
  ['003_two_factor', m003],
  ['004_profiles_and_administration', m004],
  ['005_avatars', m005],
  ['006_search_indexes', m006],
  ['007_audit_chain', m007],
  ['008_mail_delivery_log', m008],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

export const MIGRATION_NAMES = migrations.map(([name]) => name);

// Opens the database: the embedded SQLite file by default, one PostgreSQL server when a URL is configured.
import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../../../../migrations';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  knex: Knex;
  engine: Engine;
  /** Where the data lives, for messages: the SQLite file, or the PostgreSQL host and database. */
  location: string;
}

// Times are stored as epoch milliseconds in BIGINT columns; PostgreSQL returns BIGINT as text unless told.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'healthsphere.db');
}

export function openDatabase(options: { dataDir: string; databaseUrl?: string }): Database {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    return {
      engine: 'postgres',
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      knex: knex({
        client: 'pg',
        connection: options.databaseUrl,
        pool: { min: 0, max: 10 },
        acquireConnectionTimeout: 10_000,
      }),
    };
  }
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const filename = sqliteFile(options.dataDir);
  // Created empty and private before SQLite opens it: an empty file is a valid database.
  if (!fs.existsSync(filename)) fs.writeFileSync(filename, '', { mode: 0o600, flag: 'a' });
  return {
    engine: 'sqlite',
    location: filename,
    knex: knex({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      // One connection: SQLite has one writer, and one connection keeps transactions strictly serial.
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 5000');
            conn.pragma('synchronous = NORMAL');
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    }),
  };
}

export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

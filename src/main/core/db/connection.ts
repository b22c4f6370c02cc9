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

/** Whether a connection or transaction is PostgreSQL's (row locks and FOR UPDATE exist there, not in SQLite). */
/** A database this version must migrate, opened by a role that may not: the app says so at start (index.ts). */
export class DatabaseNeedsMigrationError extends Error {}

export function isPostgres(db: Knex | Knex.Transaction): boolean {
  return db.client.config.client === 'pg';
}

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
        // A server that does not answer fails the request in seconds, plainly, instead of hanging the screen.
        connection: { connectionString: options.databaseUrl, connectionTimeoutMillis: 5_000 },
        pool: { min: 0, max: 10 },
        acquireConnectionTimeout: 6_000,
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

/** Any key will do as long as every workstation uses the same one: it names "HealthSphere is migrating". */
const MIGRATION_LOCK_KEY = 0x4853_4d47; // 'HSMG'

/**
 * Brings the schema up to date. On PostgreSQL several workstations may start at the same moment: a session-level
 * advisory lock lets one migrate while the others wait, then find nothing left to do and start.
 */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const latest = async () => ((await db.knex.migrate.latest({ migrationSource })) as [number, string[]])[1];
  if (db.engine !== 'postgres') return latest();
  // The application's least-privilege role (docs/postgresql-for-it.md) may read knex's tables but not write them,
  // and knex's `latest` always takes its lock row, even with nothing to do. So look first, with reads alone (not
  // knex's `list`, which creates the tables and the lock row when they are missing): when every migration this
  // version knows, and no other, is recorded, there is nothing to do.
  const names = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
  const upToDate = async () => {
    if (!(await db.knex.schema.hasTable('knex_migrations'))) return false;
    const done = ((await db.knex('knex_migrations').select('name')) as Array<{ name: string }>).map((r) => r.name);
    return done.length === names.length && names.every((name) => done.includes(name));
  };
  if (await upToDate()) return [];
  const refused = (detail: string, cause?: unknown) =>
    new DatabaseNeedsMigrationError(
      `The database at ${db.location} needs migrating, and this database role may not change its schema: ` +
        `IT runs "HealthSphere --admin migrate" (or "healthsphere-admin migrate") with the owner role first (${detail}).`,
      { cause },
    );
  const client = db.knex.client as {
    acquireConnection(): Promise<{ query(sql: string, values?: unknown[]): Promise<unknown> }>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  const connection = await client.acquireConnection();
  try {
    await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      // Another workstation (or IT) may have migrated while this one waited.
      if (await upToDate()) return [];
      // Without the right to take knex's lock row, `latest` would fail telling IT to "release the lock".
      const lock = await db.knex.raw(
        "SELECT coalesce(has_table_privilege(to_regclass('knex_migrations_lock'), 'UPDATE'), true) AS may",
      );
      if (!(lock as { rows: Array<{ may: boolean }> }).rows[0]?.may)
        throw refused('no privilege on knex_migrations_lock');
      return await latest();
    } catch (err) {
      // The application's role may not change the schema: say what IT has to do instead of "permission denied".
      if (err instanceof Error && /permission denied|must be owner/i.test(err.message)) throw refused(err.message, err);
      throw err;
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
// PostgreSQL SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up).
const CONNECTION_SQLSTATE = /^(08|57P)/;

/** Whether an error means the database server could not be reached (as opposed to a refused or failed query). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERRORS.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  return /Timeout acquiring a connection|Connection terminated|connection timeout|terminating connection|not queryable/i.test(
    err.message,
  );
}

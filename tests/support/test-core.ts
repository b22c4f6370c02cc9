// Starts a real core for a test: a temporary SQLite file or a fresh PostgreSQL database, a real SMTP server.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { inject } from 'vitest';
import { type Core, startCore } from '../../src/main/core';
import { ManualClock } from '../../src/main/core/clock';
import { APP_VERSION, type CoreConfig } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import type { Engine } from '../../src/main/core/db/connection';

export const ENGINES: Engine[] = ['sqlite', 'postgres'];

export function postgresUrl(): string | null {
  return inject('postgresUrl');
}

/** Creates an empty database on the test server and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const base = postgresUrl();
  if (!base) throw new Error('no PostgreSQL server for this run');
  const name = `hs_test_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: base });
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestCore {
  core: Core;
  clock: ManualClock;
  dataDir: string;
  /** The data key this core runs with (tests derive the audit keys from it). */
  masterKey: Buffer;
  /** The PostgreSQL database's URL, to start a second workstation on it; undefined on SQLite. */
  databaseUrl?: string;
  stop(): Promise<void>;
}

export async function startTestCore(
  engine: Engine,
  options: {
    smtpUrl?: string;
    /** Another workstation on the same PostgreSQL database (with the same key). */
    sameDatabaseAs?: TestCore;
    hostname?: string;
    /** The machine policy in force (from loadConfig on a real policy file). */
    policy?: CoreConfig['policy'];
    /** A front-desk kiosk, as the machine policy's kioskMode makes it. */
    kioskMode?: boolean;
    /** Every SMTP timeout (connect, greeting, answer), so that a test of a server that hangs is quick. */
    mailTimeoutMs?: number;
  } = {},
): Promise<TestCore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-core-'));
  const clock = options.sameDatabaseAs?.clock ?? new ManualClock(Date.now());
  const masterKey = options.sameDatabaseAs?.masterKey ?? randomBytes(32);
  const databaseUrl =
    options.sameDatabaseAs?.databaseUrl ?? (engine === 'postgres' ? await createPostgresDatabase() : undefined);
  const core = await startCore({
    config: {
      dataDir,
      databaseUrl,
      smtpUrl: options.smtpUrl,
      masterKey,
      appVersion: APP_VERSION,
      policy: options.policy,
      kioskMode: options.kioskMode,
    },
    clock,
    log: silentLogger,
    workstation: { hostname: options.hostname ?? 'test-host', osUser: 'tester' },
    ...(options.mailTimeoutMs
      ? {
          mailTimeouts: {
            connectionMs: options.mailTimeoutMs,
            greetingMs: options.mailTimeoutMs,
            socketMs: options.mailTimeoutMs,
          },
        }
      : {}),
  });
  return {
    core,
    clock,
    dataDir,
    masterKey,
    databaseUrl,
    stop: async () => {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every row of every table but the audit trail: what a refused request must leave unchanged. */
export async function snapshotDomainTables(core: Core): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['users', 'email_codes', 'sessions', 'mail_outbox']) {
    snapshot[table] = await core.db.knex(table).select().orderBy('id');
  }
  return snapshot;
}

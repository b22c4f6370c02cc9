// `backup <file>` and `restore <file>` of the embedded SQLite database (src/main/core/backup.ts does the work).
// On PostgreSQL the database lives in its server: the server's own tools back it up and restore it.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BackupRefused, RestoreRefused, backupDatabase, restoreDatabase } from '../core/backup';
import type { CoreConfig } from '../core/config';
import { KeyFileError, keyFilePath, loadDataKey } from '../core/crypto/keys';
import { argumentProblem, type CliIo, EXIT, type Speaker, startCoreFor, withCore } from './io';

export const BACKUP_USAGE = 'backup <file> [--force]';
export const RESTORE_USAGE = 'restore <file> [--check-only]';

function onPostgres(config: CoreConfig, out: Speaker, what: 'backup' | 'restore'): number {
  const url = new URL(config.databaseUrl!);
  const location = `${url.hostname}:${url.port || 5432}${url.pathname}`;
  return out.fail(
    `HealthSphere uses the PostgreSQL database ${location}, which lives in its server: ` +
      (what === 'backup'
        ? "back it up with the server's own tools (pg_dump --format=custom, and pg_dumpall --globals-only for the roles), "
        : "restore it with the server's own tools (pg_restore into a new database, then point the workstations at it), ") +
      'as section 8 of the IT guide, docs/postgresql-for-it.md, shows; then run "audit verify" against it. ' +
      `Keep the data key (HEALTHSPHERE_MASTER_KEY) with the backups. ${what === 'backup' ? 'No backup was written.' : 'Nothing was changed.'}`,
  );
}

function progressTo(stream: NodeJS.WritableStream, label: string) {
  let last = Date.now();
  return (processed: number, total: number) => {
    const now = Date.now();
    if (now - last < 1000) return;
    last = now;
    stream.write(`${label}: ${processed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events\n`);
  };
}

function parseFileArgs(
  rest: string[],
  flag: 'force' | 'check-only',
  usageLine: string,
  out: Speaker,
): { file: string; flag: boolean } | number {
  let values: Record<string, boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { [flag]: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, boolean | undefined>; positionals: string[] });
  } catch (err) {
    return out.usage(argumentProblem(err), usageLine);
  }
  if (positionals.length !== 1 || !positionals[0])
    return out.usage(positionals.length ? 'one file only.' : 'which file?', usageLine);
  return { file: positionals[0], flag: values[flag] === true };
}

export async function runBackup(rest: string[], io: CliIo, config: CoreConfig, out: Speaker): Promise<number> {
  const args = parseFileArgs(rest, 'force', BACKUP_USAGE, out);
  if (typeof args === 'number') return args;
  if (config.databaseUrl) return onPostgres(config, out, 'backup');
  const file = path.resolve(args.file);
  // Checked again when the file is given its name; this spares starting the core for nothing.
  if (fs.existsSync(file) && !args.flag)
    return out.fail(`${file} exists already; choose a new file, or give --force to replace it.`);
  return withCore(config, io, async (core) => {
    try {
      const done = await backupDatabase({ dataDir: config.dataDir, file, force: args.flag });
      await core.commandLine.record({
        action: 'BACKUP_CREATED',
        outcome: 'success',
        channel: 'cli.backup',
        resourceType: 'database',
        details: {
          file: done.file,
          bytes: done.bytes,
          sha256: done.sha256,
          auditThroughSeq: done.auditThroughSeq,
          users: done.users,
        },
      });
      out.say(
        `Backed up the database to ${done.file} (${done.bytes.toLocaleString('en-US')} bytes, sha256 ${done.sha256}): ` +
          `${done.users} user${done.users === 1 ? '' : 's'}, audit events through #${done.auditThroughSeq}. ` +
          "It passed SQLite's integrity check. Keep it with the data key (data.key or HEALTHSPHERE_MASTER_KEY): " +
          'without that key it cannot be restored.',
      );
      return EXIT.ok;
    } catch (err) {
      await core.commandLine.record({
        action: 'BACKUP_CREATED',
        outcome: 'failure',
        channel: 'cli.backup',
        resourceType: 'database',
        errorCode: err instanceof BackupRefused ? 'INVALID_INPUT' : 'INTERNAL',
        details: { file },
      });
      if (err instanceof BackupRefused) return out.fail(`backup refused: ${err.message}`);
      throw err;
    }
  });
}

export async function runRestore(rest: string[], io: CliIo, config: CoreConfig, out: Speaker): Promise<number> {
  const args = parseFileArgs(rest, 'check-only', RESTORE_USAGE, out);
  if (typeof args === 'number') return args;
  if (config.databaseUrl) return onPostgres(config, out, 'restore');
  // The key the restored database must have been written under. Never a new one: a new key could open nothing.
  if (!config.masterKey && !fs.existsSync(keyFilePath(config.dataDir)))
    return out.fail(
      `there is no data key on this computer (no ${keyFilePath(config.dataDir)} and no HEALTHSPHERE_MASTER_KEY). ` +
        'Put back the key file kept with the backups, or give the key as HEALTHSPHERE_MASTER_KEY. Nothing was changed.',
    );
  let dataKey: Buffer;
  try {
    dataKey = loadDataKey({ dataDir: config.dataDir, masterKey: config.masterKey, protector: io.keyProtector });
  } catch (err) {
    if (err instanceof KeyFileError) return out.fail(`${err.message} Nothing was changed.`);
    throw err;
  }
  let result;
  try {
    result = await restoreDatabase({
      dataDir: config.dataDir,
      file: args.file,
      dataKey,
      checkOnly: args.flag,
      nowMs: Date.now(),
      onProgress: progressTo(io.stderr, 'verified'),
    });
  } catch (err) {
    if (err instanceof RestoreRefused) return out.fail(`restore refused: ${err.message}`);
    throw err;
  }
  const c = result.candidate;
  const facts =
    `a HealthSphere database (schema ${c.schema}) written under this computer's data key, ` +
    `${c.users} user${c.users === 1 ? '' : 's'}, its audit trail of ${c.auditEvents.toLocaleString('en-US')} ` +
    `event${c.auditEvents === 1 ? '' : 's'} verified (through #${c.auditThroughSeq}); sha256 ${c.sha256}`;
  if (args.flag) {
    out.say(`${c.file} can be restored: ${facts}. Nothing was changed.`);
    return EXIT.ok;
  }

  // The restored database starts as the app would start it (migrations this version adds, the key check), and
  // records the restore at the end of its own trail, linked to the trail of the database it replaced.
  const core = await startCoreFor(config, io);
  try {
    await core.commandLine.run(
      { action: 'DATABASE_RESTORED', channel: 'cli.restore', resourceType: 'database' },
      async (_call, ctx) => {
        // Sessions restored from the backup belong to no window: they end.
        const ended = await ctx
          .trx('sessions')
          .whereNull('ended_at')
          .update({ ended_at: ctx.nowMs, end_reason: 'closed' });
        ctx.setAuditSubject({
          details: {
            file: c.file,
            sha256: c.sha256,
            auditThroughSeq: c.auditThroughSeq,
            migrationsApplied: c.migrationsToApply.join(',') || null,
            previousKeptAs: result.keptAs ? path.basename(result.keptAs) : null,
            previousAuditSeq: result.previousHead?.seq ?? null,
            previousAuditMac: result.previousHead?.mac ?? null,
            sessionsEnded: ended,
          },
        });
      },
    );
  } finally {
    await core.close();
  }
  out.say(
    `Restored ${c.file}: ${facts}.` +
      (result.keptAs
        ? ` The database it replaced is kept as ${result.keptAs}` +
          (result.previousHead ? ` (its audit trail ends at #${result.previousHead.seq}).` : '.')
        : '') +
      ' HealthSphere can be started again.',
  );
  return EXIT.ok;
}

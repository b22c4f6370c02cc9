// Backup and restore of the embedded SQLite database, for the admin command line.
//
// Backup: SQLite's online backup API (better-sqlite3's db.backup) on a connection of its own, while the app may be
// running and writing. Every page is copied in one step, inside one read transaction, so the copy is the database
// as of one moment (in WAL mode a reader never blocks the app's writes; copied in small steps, a write by another
// connection between two steps would restart the backup, and a busy app could keep restarting it). The copy is
// written under a temporary name (mode 0600) in the target's folder, checked (PRAGMA integrity_check), made
// self-contained (journal_mode DELETE: no -wal file belongs to it), flushed to disk and only then given its name.
//
// Restore: the file is copied into a private folder inside the data folder and checked there, never in place:
// SQLite, integrity_check, a HealthSphere schema this version knows, the same data key (the key check value), and
// its audit chain (the verification the admin screen and `audit verify` use). Only then is the live database
// replaced, by a rename on the same file system, while an exclusive lock shows that no HealthSphere process has it
// open. The previous file is kept beside it as `<name>.before-restore-<time>`.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Verification } from '../../shared/audit';
import { MIGRATION_NAMES } from '../../../migrations';
import { verifyTrail } from './audit/audit-jobs';
import { keyCheckValue } from './crypto/key-check';
import { deriveKeys } from './crypto/keys';
import { openDatabase, sqliteFile } from './db/connection';

/** A refusal worded for the person at the command line; nothing was changed. */
export class BackupRefused extends Error {}
export class RestoreRefused extends Error {}

/** The migration that created the audit chain: a database without it has no chain a restore could verify. */
const CHAIN_MIGRATION = '007_audit_chain';
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** better-sqlite3 caps a step's page count at 2^31 − 1: every page in one step. */
const ALL_PAGES = 0x7fffffff;

export function describeVerificationProblem(problem: Verification['problem'], seq: number | null): string {
  switch (problem) {
    case 'changed':
      return `the audit trail was altered: event #${seq} was changed, inserted or reordered (the first that does not verify).`;
    case 'missing':
      return `the audit trail was altered: event #${seq} is missing.`;
    case 'truncated':
      return `the audit trail was cut short: it ends before the checkpoint; events from #${seq} on are gone.`;
    case 'checkpoint_invalid':
      return 'the checkpoint file is not signed by this installation (or was edited).';
    case 'archive_invalid':
      return `the archive record through event #${seq} was altered.`;
    default:
      return 'the audit trail does not verify.';
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename in `dir` durable. Windows cannot open a folder this way; NTFS journals the rename itself. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function removeQuietly(file: string): void {
  for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

function sqliteCode(err: unknown): string {
  return typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  };
  const [x, y] = [real(a), real(b)];
  return process.platform === 'win32' || process.platform === 'darwin' ? x.toLowerCase() === y.toLowerCase() : x === y;
}

export interface BackupResult {
  file: string;
  bytes: number;
  sha256: string;
  /** The last audit event the backup holds. */
  auditThroughSeq: number;
  users: number;
}

/** How many users a HealthSphere database holds, and the last event of its audit chain. */
function describeContents(db: BetterSqlite3.Database): { users: number; auditThroughSeq: number } {
  const users = db.prepare('SELECT count(*) AS n FROM users').get() as { n: number };
  const head = db.prepare('SELECT last_seq FROM audit_chain WHERE id = 1').get() as { last_seq: number } | undefined;
  return { users: Number(users.n), auditThroughSeq: Number(head?.last_seq ?? 0) };
}

/** The rows integrity_check returned, when they are not just "ok". */
function integrityProblems(db: BetterSqlite3.Database): string[] {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  const messages = rows.map((r) => r.integrity_check);
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages;
}

/** Writes an online backup of the SQLite database in `dataDir` to `file`. */
export async function backupDatabase(options: {
  dataDir: string;
  file: string;
  force: boolean;
}): Promise<BackupResult> {
  const live = sqliteFile(options.dataDir);
  const target = path.resolve(options.file);
  const dir = path.dirname(target);
  if (!fs.existsSync(live)) throw new BackupRefused(`there is no database at ${live} to back up.`);
  if ([live, `${live}-wal`, `${live}-shm`, `${live}-journal`].some((f) => samePath(f, target)))
    throw new BackupRefused('the backup cannot be written over the database itself; choose a file elsewhere.');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new BackupRefused(`the folder ${dir} does not exist.`);
  if (fs.existsSync(target)) {
    if (!options.force) throw new BackupRefused(`${target} exists already; choose a new file, or give --force.`);
    if (!fs.statSync(target).isFile()) throw new BackupRefused(`${target} is not a file.`);
  }

  const partial = path.join(dir, `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  // Created empty and private first: SQLite then writes into this file (and any journal with its permissions).
  fs.writeFileSync(partial, '', { mode: 0o600, flag: 'wx' });
  try {
    const source = new BetterSqlite3(live, { fileMustExist: true, timeout: 5_000 });
    try {
      await source.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    let contents;
    try {
      copy.pragma('journal_mode = DELETE');
      const problems = integrityProblems(copy);
      if (problems.length > 0)
        throw new BackupRefused(`the copy did not pass SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`);
      contents = describeContents(copy);
    } finally {
      copy.close();
    }
    fsyncFile(partial);
    const sha256 = await sha256Of(partial);
    const bytes = fs.statSync(partial).size;
    placeFile(partial, target, options.force);
    fsyncDir(dir);
    return { file: target, bytes, sha256, ...contents };
  } finally {
    removeQuietly(partial);
  }
}

/** Gives the finished file its name: never over an existing file unless forced (a hard link fails if it exists). */
function placeFile(partial: string, target: string, force: boolean): void {
  if (force) {
    fs.renameSync(partial, target);
    return;
  }
  try {
    fs.linkSync(partial, target);
    fs.unlinkSync(partial);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupRefused(`${target} exists already; choose a new file, or give --force.`);
    // File systems without hard links (FAT on a USB stick): check, then rename.
  }
  if (fs.existsSync(target)) throw new BackupRefused(`${target} exists already; choose a new file, or give --force.`);
  fs.renameSync(partial, target);
}

// ---- Restore ----

export interface RestoreCandidate {
  file: string;
  sha256: string;
  users: number;
  /** Audit events verified, and the range. */
  auditEvents: number;
  auditThroughSeq: number;
  /** The schema's last migration, and those this version will apply when it next starts. */
  schema: string;
  migrationsToApply: string[];
}

export interface RestoreResult {
  candidate: RestoreCandidate;
  /** Where the database that was replaced is kept; null when there was none. */
  keptAs: string | null;
  /** The replaced database's audit head, when it could be read: links its trail to the restored one. */
  previousHead: { seq: number; mac: string } | null;
}

/**
 * Whether a HealthSphere process (or anything else) has the database open. In WAL mode every open connection
 * holds a shared lock on the database file for as long as it is open, even when idle; a connection in exclusive
 * locking mode cannot read while any other holds one. Returns the locked connection (the caller closes it), or
 * throws RestoreRefused when the file is in use. A file SQLite cannot read at all yields null: no HealthSphere
 * could have it open either.
 */
function lockExclusively(file: string): BetterSqlite3.Database | null {
  const inUse = () =>
    new RestoreRefused(
      `the database ${file} is open in HealthSphere (or another program) on this computer. ` +
        'Close HealthSphere (every window, and any healthsphere-admin command still running), then restore ' +
        'again. Nothing was changed.',
    );
  // Anything but "in use" or "not a database" fails closed: a restore never goes on unsure that nothing has it open.
  const judge = (err: unknown): null => {
    const code = sqliteCode(err);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw inUse();
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return null;
    throw new RestoreRefused(
      `could not make sure that nothing has the database ${file} open (${code || 'error'}). Nothing was changed.`,
    );
  };
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
  } catch (err) {
    return judge(err);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    db.close();
    return judge(err);
  }
}

/** Refuses when the live database is in use; changes nothing (closing the probe only removes the -wal it opened). */
export function assertNotInUse(dataDir: string): void {
  const live = sqliteFile(dataDir);
  if (!fs.existsSync(live) || fs.statSync(live).size === 0) return;
  lockExclusively(live)?.close();
}

/** Checks `staged` (a private copy) as a HealthSphere database under `dataKey`; throws RestoreRefused. */
async function checkCandidate(
  original: string,
  staged: string,
  stagingDir: string,
  dataKey: Buffer,
  onProgress: (processed: number, total: number) => void,
): Promise<Omit<RestoreCandidate, 'sha256'>> {
  const refuse = (why: string) => new RestoreRefused(`${original}: ${why} Nothing was changed.`);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(staged, { fileMustExist: true });
    db.pragma('journal_mode = DELETE');
  } catch (err) {
    throw refuse(
      `SQLite cannot open it (${sqliteCode(err) || (err as Error).message}): it is damaged or not a database.`,
    );
  }
  let names: string[];
  let keyCheck: string | null;
  let contents;
  try {
    let problems: string[];
    try {
      problems = integrityProblems(db);
    } catch (err) {
      problems = [sqliteCode(err) || (err as Error).message];
    }
    if (problems.length > 0)
      throw refuse(`the file is damaged (SQLite's integrity check: ${problems.slice(0, 3).join('; ')}).`);
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(
        (r) => r.name,
      ),
    );
    if (!tables.has('knex_migrations') || !tables.has('users') || !tables.has('settings'))
      throw refuse('it is a SQLite database, but not a HealthSphere database.');
    names = (db.prepare('SELECT name FROM knex_migrations ORDER BY id').all() as Array<{ name: string }>).map((r) =>
      r.name.replace(/\.(ts|js)$/, ''),
    );
    const unknown = names.find((name, i) => MIGRATION_NAMES[i] !== name);
    if (unknown !== undefined)
      throw refuse(
        MIGRATION_NAMES.includes(unknown)
          ? `its schema is not one HealthSphere made (migration ${unknown} out of order).`
          : `it was written by a newer version of HealthSphere (its schema has migration ${unknown}, which this version does not know). Restore it with that version or a later one.`,
      );
    if (!names.includes(CHAIN_MIGRATION) || !tables.has('audit_chain'))
      throw refuse(
        'it was written by a version of HealthSphere from before the audit chain, so its audit trail cannot be verified.',
      );
    const row = db.prepare("SELECT value FROM settings WHERE key = 'data_key_check'").get() as
      { value: string } | undefined;
    keyCheck = row?.value ?? null;
    if (keyCheck !== null && keyCheck !== keyCheckValue(dataKey))
      throw refuse(
        "it was written under another data key than this computer's, so none of its protected data could be read " +
          'and its audit trail could not be verified. Restore it where that key is (the key file data.key, or ' +
          'HEALTHSPHERE_MASTER_KEY, kept with the backups).',
      );
    contents = describeContents(db);
  } finally {
    db.close();
  }

  const keys = deriveKeys(dataKey);
  const knex = openDatabase({ dataDir: stagingDir }).knex;
  let verification: Verification;
  try {
    verification = await verifyTrail(
      knex,
      { dataDir: stagingDir },
      { chainKey: keys.auditChain, signatureKey: keys.auditSignature },
      null,
      onProgress,
    ).result;
  } finally {
    await knex.destroy();
  }
  if (!verification.ok) throw refuse(describeVerificationProblem(verification.problem, verification.firstBadSeq));
  // Without a key check value (a database from before it existed), the chain's MACs are what prove the key.
  if (keyCheck === null && verification.checked === 0)
    throw refuse('it records neither a key check value nor audit events, so nothing shows which data key it needs.');
  return {
    file: original,
    users: contents.users,
    auditEvents: verification.checked,
    auditThroughSeq: contents.auditThroughSeq,
    schema: names[names.length - 1]!,
    migrationsToApply: MIGRATION_NAMES.slice(names.length),
  };
}

/**
 * Leaves the file in rollback-journal mode, with whatever a write-ahead log held inside it. The verification's
 * worker threads answer before they close their connections, and SQLite changes the journal mode only when no
 * other connection is open: so this waits (up to a minute) for them to go.
 */
async function selfContained(file: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      db.pragma('journal_mode = DELETE');
      if (String(db.pragma('journal_mode', { simple: true })) === 'delete') return;
    } catch (err) {
      if (!sqliteCode(err).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
    } finally {
      db.close();
    }
    if (Date.now() > deadline) throw new Error(`${file} stayed in use.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `YYYYMMDDTHHMMSSZ`: sorts by time and is a valid file name on every platform (no colons). */
export function fileTimestamp(nowMs: number): string {
  return new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Checks `file` and, unless `checkOnly`, makes it the database in `dataDir`. Throws RestoreRefused, with the live
 * database untouched, when any check fails or the database is in use.
 */
export async function restoreDatabase(options: {
  dataDir: string;
  file: string;
  dataKey: Buffer;
  checkOnly: boolean;
  nowMs: number;
  onProgress?: (processed: number, total: number) => void;
}): Promise<RestoreResult> {
  const source = path.resolve(options.file);
  const live = sqliteFile(options.dataDir);
  const refuse = (why: string) => new RestoreRefused(`${source}: ${why} Nothing was changed.`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw refuse('there is no such file.');
  }
  if (!stat.isFile()) throw refuse('it is not a file.');
  if (samePath(source, live)) throw refuse('it is the live database itself.');
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(source, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!header.equals(SQLITE_HEADER)) throw refuse('it is not a SQLite database, so not a HealthSphere backup.');
  if (fs.existsSync(`${source}-wal`) && fs.statSync(`${source}-wal`).size > 0)
    throw refuse(
      `a write-ahead log (${path.basename(source)}-wal) lies beside it: it is a database that was open (or copied ` +
        'while open), not a backup. Make a backup with the backup command and restore that.',
    );
  // Early, before the long checks: HealthSphere must be closed. Checked again, and held, while replacing.
  if (!options.checkOnly) assertNotInUse(options.dataDir);

  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const stagingDir = path.join(options.dataDir, `.restore-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(stagingDir, { mode: 0o700 });
  const staged = sqliteFile(stagingDir);
  try {
    fs.copyFileSync(source, staged, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(staged, 0o600);
    const sha256 = await sha256Of(staged);
    const checked = await checkCandidate(source, staged, stagingDir, options.dataKey, options.onProgress ?? (() => {}));
    const candidate = { ...checked, sha256 };
    if (options.checkOnly) return { candidate, keptAs: null, previousHead: null };
    // The checks opened it in WAL mode: the file alone again (nothing was written to it), then on disk.
    await selfContained(staged);
    fsyncFile(staged);
    return { candidate, ...replaceLive(live, staged, options.nowMs) };
  } finally {
    fs.rmSync(stagingDir, { recursive: true, force: true });
  }
}

/** Puts `staged` in the place of `live`, keeping the previous file; holds an exclusive lock until the last moment. */
function replaceLive(live: string, staged: string, nowMs: number): Omit<RestoreResult, 'candidate'> {
  if (!fs.existsSync(live) || fs.statSync(live).size === 0) {
    removeQuietly(live);
    fs.renameSync(staged, live);
    fsyncDir(path.dirname(live));
    return { keptAs: null, previousHead: null };
  }
  const lock = lockExclusively(live);
  let previousHead: RestoreResult['previousHead'] = null;
  const keptAs = `${live}.before-restore-${fileTimestamp(nowMs)}`;
  try {
    if (lock) {
      try {
        // The previous file with what its write-ahead log held (a crash can leave one behind); otherwise as it was.
        lock.pragma('wal_checkpoint(TRUNCATE)');
        const head = lock.prepare('SELECT last_seq, last_mac FROM audit_chain WHERE id = 1').get() as
          { last_seq: number; last_mac: string } | undefined;
        if (head) previousHead = { seq: Number(head.last_seq), mac: head.last_mac };
      } catch {
        // A damaged previous database is kept as it is.
      }
    }
    try {
      fs.linkSync(live, keptAs);
    } catch {
      // No hard links here: a copy (its descriptor's close drops the lock a moment early, as the close below would).
      fs.copyFileSync(live, keptAs, fs.constants.COPYFILE_EXCL);
    }
  } finally {
    lock?.close();
  }
  // A log the previous file could not absorb stays with it; a log beside the new file would be replayed into it.
  const moved: Array<[from: string, to: string]> = [];
  for (const suffix of ['-wal', '-journal']) {
    const log = `${live}${suffix}`;
    if (!fs.existsSync(log)) continue;
    if (fs.statSync(log).size > 0) {
      fs.renameSync(log, `${keptAs}${suffix}`);
      moved.push([log, `${keptAs}${suffix}`]);
    } else fs.rmSync(log, { force: true });
  }
  fs.rmSync(`${live}-shm`, { force: true });
  try {
    fs.renameSync(staged, live);
  } catch (err) {
    // The live database stays what it was: its logs go back beside it.
    for (const [from, to] of moved) fs.renameSync(to, from);
    throw err;
  }
  fsyncDir(path.dirname(live));
  return { keptAs, previousHead };
}

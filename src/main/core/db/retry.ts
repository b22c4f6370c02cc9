// Running a transaction again when the database refused it only because another writer came first. The attempt
// rolled back entirely, so running it again is what the person asked for.
//
// - PostgreSQL aborts one side of a deadlock (40P01) or a serialization conflict (40001): two admins acting on
//   each other from two desks.
// - SQLite: knex opens transactions as deferred (BEGIN), so a transaction that has read cannot take the write lock
//   once another process (the admin command line beside the app, a backup) has committed since: SQLITE_BUSY /
//   SQLITE_BUSY_SNAPSHOT, at once, without the busy timeout's wait.

const PG_CONFLICTS = new Set(['40P01', '40001']);
const ATTEMPTS = 8;

/** Whether an error means "another writer came first; the same transaction may simply run again". */
export function isWriteConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || PG_CONFLICTS.has(code));
}

export async function retryOnWriteConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= ATTEMPTS || !isWriteConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25 * i));
    }
  }
}

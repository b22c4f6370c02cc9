// One database, one data key: a workstation that comes with another key is stopped at start, plainly, before it
// writes anything the other workstations could not read or verify.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { DataKeyMismatchError } from '../../src/main/core/crypto/key-check';
import { silentLogger } from '../../src/main/core/log';
import { ENGINES, createPostgresDatabase, postgresUrl } from '../support/test-core';

describe.each(ENGINES)('the data key on %s', (engine) => {
  it('stops a workstation whose key is not the database’s, and changes nothing', async (ctx) => {
    if (engine === 'postgres' && !postgresUrl()) ctx.skip('no PostgreSQL server for this run');
    const databaseUrl = engine === 'postgres' ? await createPostgresDatabase() : undefined;
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'hs-key-')));
    const keyA = randomBytes(32);
    const start = (dataDir: string, masterKey: Buffer) =>
      startCore({
        config: { dataDir, databaseUrl, masterKey, appVersion: APP_VERSION },
        log: silentLogger,
        sendMail: false,
      });
    try {
      // SQLite has one data folder; PostgreSQL is shared by two workstations with folders of their own.
      const first = await start(dirs[0]!, keyA);
      await first.admin.createStaffAccount({
        email: 'admin@clinic.example',
        firstName: 'A',
        lastName: 'B',
        password: 'quiet harbour lantern 42',
        role: 'admin',
      });
      const events = await first.db.knex('audit_events').count({ n: '*' });
      await first.close();

      const other = start(engine === 'postgres' ? dirs[1]! : dirs[0]!, randomBytes(32));
      await expect(other).rejects.toBeInstanceOf(DataKeyMismatchError);
      await expect(other).rejects.toThrow(/needs the same key.*Nothing was changed/s);

      const again = await start(engine === 'postgres' ? dirs[1]! : dirs[0]!, keyA);
      expect(await again.db.knex('audit_events').count({ n: '*' })).toEqual(events);
      expect(await again.admin.verifyAudit(null)).toMatchObject({ ok: true });
      await again.close();
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

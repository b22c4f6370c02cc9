// healthsphere-admin run as a user runs it: the bin under plain Node, the password on standard input.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '../../src/main/core';
import { APP_VERSION } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';

const BIN = path.resolve('bin/healthsphere-admin.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-cli-'));
const masterKey = randomBytes(32).toString('base64');

function admin(args: string[], input = '') {
  return spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      HEALTHSPHERE_DATA_DIR: dataDir,
      HEALTHSPHERE_MASTER_KEY: masterKey,
      HEALTHSPHERE_DATABASE_URL: '',
    },
  });
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('healthsphere-admin', () => {
  it('migrates a new database, then says it is up to date', () => {
    const first = admin(['migrate']);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /Applied \d+ migration\(s\) to .*healthsphere\.db: 001_initial, 002_sign_in_protection, 003_two_factor, 004_profiles_and_administration, 005_avatars, 006_search_indexes, 007_audit_chain/,
    );
    expect((fs.statSync(path.join(dataDir, 'healthsphere.db')).mode & 0o777).toString(8)).toBe('600');
    const second = admin(['migrate']);
    expect(second.stdout).toMatch(/is up to date/);
  });

  it('creates a verified admin from a password on standard input, who can then sign in', async () => {
    const created = admin(
      [
        'create-admin',
        '--email',
        'Admin@Clinic.Example',
        '--first-name',
        'Grace',
        '--last-name',
        'Hopper',
        '--password-stdin',
      ],
      'quiet harbour lantern 42\n',
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('Created administrator admin@clinic.example');
    expect(created.stdout + created.stderr).not.toContain('quiet harbour');

    const core = await startCore({
      config: { dataDir, masterKey: Buffer.from(masterKey, 'base64'), appVersion: APP_VERSION },
      log: silentLogger,
      sendMail: false,
    });
    try {
      const result = await core.dispatch(
        'session.signIn',
        { email: 'admin@clinic.example', password: 'quiet harbour lantern 42' },
        { id: 't' },
      );
      expect(result.ok && (result.value as { user: { role: string } }).user.role).toBe('admin');
      const audit = await core.db.knex('audit_events').where({ action: 'USER_CREATED' }).first();
      expect(audit.channel).toBe('cli.create-admin');
    } finally {
      await core.close();
    }
  });

  it('refuses a weak password, a taken email and a missing --password-stdin, changing nothing', () => {
    const weak = admin(
      ['create-admin', '--email', 'b@clinic.example', '--first-name', 'B', '--last-name', 'C', '--password-stdin'],
      'short\n',
    );
    expect(weak.status).toBe(1);
    expect(weak.stderr).toContain('Use at least 12 characters.');
    const taken = admin(
      ['create-admin', '--email', 'admin@clinic.example', '--first-name', 'G', '--last-name', 'H', '--password-stdin'],
      'another calm passphrase\n',
    );
    expect(taken.status).toBe(1);
    expect(taken.stderr).toContain('already exists');
    const noStdin = admin(['create-admin', '--email', 'c@clinic.example', '--first-name', 'C', '--last-name', 'D']);
    expect(noStdin.status).toBe(2);
    expect(admin(['frobnicate']).status).toBe(2);
  });

  it('stops with a message naming the key when the configuration is invalid', () => {
    const result = spawnSync(process.execPath, [BIN, 'migrate'], {
      encoding: 'utf8',
      env: { ...process.env, HEALTHSPHERE_DATA_DIR: dataDir, HEALTHSPHERE_DATABASE_URL: 'mysql://nope' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('HEALTHSPHERE_DATABASE_URL');
  });

  it('verifies the audit trail, writes a checkpoint, exports, and catches a row changed in the sqlite3 shell', () => {
    const verified = admin(['audit', 'verify']);
    expect(verified.stderr).not.toMatch(/healthsphere-admin:/);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Verified \d+ events \(#1 to #\d+\): the chain is intact\./);

    const checkpointFile = path.join(dataDir, 'checkpoint.json');
    const checkpoint = admin(['audit', 'checkpoint', '--out', checkpointFile]);
    expect(checkpoint.status).toBe(0);
    const seq = JSON.parse(fs.readFileSync(checkpointFile, 'utf8')).seq as number;
    expect(admin(['audit', 'verify', '--checkpoint', checkpointFile]).stdout).toContain(
      `It still reaches checkpoint #${seq}.`,
    );

    const csv = path.join(dataDir, 'audit.csv');
    const exported = admin(['audit', 'export', '--out', csv, '--action', 'USER_CREATED']);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/Exported 1 event to/);
    expect(fs.readFileSync(csv, 'utf8')).toContain('USER_CREATED');
    expect(admin(['audit', 'export', '--out', csv]).status).toBe(1); // never overwrites
    expect(admin(['audit', 'export', '--out', 'x.csv', '--from', '2026-02-30x']).status).toBe(2);

    // The trigger refuses the change; someone who drops it first gets it past the database, not past verify.
    const db = path.join(dataDir, 'healthsphere.db');
    const refused = spawnSync('sqlite3', [db, "UPDATE audit_events SET outcome = 'failure' WHERE seq = 1"], {
      encoding: 'utf8',
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('the audit trail cannot be changed');
    const tampered = spawnSync(
      'sqlite3',
      [db, "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor_email = 'x@y' WHERE seq = 2;"],
      { encoding: 'utf8' },
    );
    expect(tampered.status).toBe(0);
    const caught = admin(['audit', 'verify']);
    expect(caught.status).toBe(1);
    expect(caught.stderr).toContain('event #2 was changed');
  });
});

// `HealthSphere --admin <command>`: which arguments are the command's, and how a run ends (status, flushed output).
// Electron cannot start here; src/main/index.ts only hands process.argv and its streams to these functions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ADMIN_PROGRAM, adminArguments, drain, runAdminMode } from '../../src/main/cli/admin-mode';

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      // Asynchronous, like a pipe on macOS: output is only complete once drained.
      setTimeout(() => {
        text += String(chunk);
        done();
      }, 5);
    },
  });
  return { stream, text: () => text };
}

function io(dataDir: string) {
  const stdout = collector();
  const stderr = collector();
  const stdin = new PassThrough();
  stdin.end();
  return {
    stdout,
    stderr,
    io: {
      stdin,
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { HEALTHSPHERE_DATA_DIR: dataDir, HEALTHSPHERE_DATABASE_URL: '' } as NodeJS.ProcessEnv,
      defaultDataDir: dataDir,
    },
  };
}

describe('HealthSphere --admin', () => {
  it('takes everything after --admin, verbatim, and nothing without it', () => {
    expect(adminArguments(['/opt/HealthSphere/healthsphere', '--admin', 'users', 'list', '--json'])).toEqual([
      'users',
      'list',
      '--json',
    ]);
    // Development (`electron .`) and Chromium switches before it belong to Electron.
    expect(adminArguments(['electron', '.', '--no-sandbox', '--admin', 'backup', 'b.db', '--force'])).toEqual([
      'backup',
      'b.db',
      '--force',
    ]);
    expect(adminArguments(['C:\\Program Files\\HealthSphere\\HealthSphere.exe', '--admin'])).toEqual([]);
    expect(adminArguments(['HealthSphere.exe'])).toBeNull();
    expect(adminArguments(['HealthSphere.exe', '--administrator'])).toBeNull();
    expect(adminArguments(['HealthSphere.exe', '--admin=users'])).toBeNull();
    // Only the first --admin counts: a later one is the command's own argument.
    expect(adminArguments(['x', '--admin', 'users', 'unlock', '--admin'])).toEqual(['users', 'unlock', '--admin']);
  });

  it('runs the command with the app’s name in its messages and returns its status after the output is flushed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-admin-mode-'));
    try {
      const help = io(dir);
      expect(await runAdminMode(['help'], help.io)).toBe(0);
      expect(help.stdout.text()).toContain(`Usage: ${ADMIN_PROGRAM} <command> [options]`);
      expect(help.stdout.text()).toContain('users list');

      const none = io(dir);
      expect(await runAdminMode([], none.io)).toBe(2);

      const unknown = io(dir);
      expect(await runAdminMode(['frobnicate'], unknown.io)).toBe(2);
      expect(unknown.stderr.text()).toBe(
        `${ADMIN_PROGRAM}: unknown command "frobnicate".\nRun "${ADMIN_PROGRAM} help" to see every command.\n`,
      );

      const usage = io(dir);
      expect(await runAdminMode(['users', 'unlock'], usage.io)).toBe(2);
      expect(usage.stderr.text()).toContain(`Usage: ${ADMIN_PROGRAM} users unlock <email>`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns an unexpected error into status 1 with a message, never a stack trace on the console', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-admin-mode-'));
    try {
      const broken = io(dir);
      // A data folder that is a file: the core cannot open its database there.
      const file = path.join(dir, 'not-a-folder');
      fs.writeFileSync(file, '');
      broken.io.env.HEALTHSPHERE_DATA_DIR = file;
      broken.io.env.HEALTHSPHERE_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
      expect(await runAdminMode(['migrate'], broken.io)).toBe(1);
      expect(broken.stderr.text()).toMatch(new RegExp(`^${ADMIN_PROGRAM}: `));
      expect(broken.stderr.text()).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drain waits for what was written, and survives a stream that is gone', async () => {
    const out = collector();
    out.stream.write('a line\n');
    await drain(out.stream);
    expect(out.text()).toBe('a line\n');
    const gone = new Writable({ write: (_c, _e, done) => done() });
    gone.destroy();
    await expect(drain(gone)).resolves.toBeUndefined();
  });

  it('no module of the command line imports electron (tests and plain Node load them)', () => {
    const dir = path.resolve('src/main/cli');
    for (const name of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      expect(text, name).not.toMatch(/from ['"]electron['"]|require\(['"]electron['"]\)/);
    }
  });
});

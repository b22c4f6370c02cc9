// The README's "For IT" section followed as written: its policy file installed at the machine-wide place (moved
// into a temporary folder), `policy check`, the first administrator, and the everyday commands, each exiting 0 and
// doing what the README says. `healthsphere --admin` is played by bin/healthsphere-admin.js: the same runCli the
// installed app runs after `--admin` (src/main/cli/admin-mode.ts); the Electron binary cannot start here.
// The blocks are read from README.md at test time (labelled fences, as in tests/support/guide-steps.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCore } from '../../src/main/core';
import { loadConfig } from '../../src/main/core/config';
import { silentLogger } from '../../src/main/core/log';
import { signIn } from '../support/accounts';
import { block, movePaths, readGuide } from '../support/guide-steps';

const BIN = path.resolve('bin/healthsphere-admin.js');
const { markdown, blocks: allBlocks } = readGuide(path.resolve('README.md'));
const forIt = markdown.slice(
  markdown.indexOf('\n## For IT\n'),
  markdown.indexOf('\n## ', markdown.indexOf('\n## For IT\n') + 5),
);
const blocks = allBlocks.filter((b) => forIt.includes(b.text));

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-for-it-'));
const cwd = path.join(root, 'it-desk');
fs.mkdirSync(cwd);
/** Where the README's system paths live in this test. */
const paths = {
  '/etc/healthsphere': path.join(root, 'etc/healthsphere'),
  '/var/lib/healthsphere': path.join(root, 'var/lib/healthsphere'),
  '/var/backups/healthsphere': path.join(root, 'var/backups/healthsphere'),
};
const policyFile = path.join(paths['/etc/healthsphere'], 'policy.json');
// The app reads /etc/healthsphere/policy.json by itself; here the variable names the moved place instead.
const env = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: root,
  HEALTHSPHERE_POLICY: policyFile,
};

function run(label: string) {
  const script = movePaths(block(blocks, 'sh', label), paths);
  const prelude = [
    'set -euo pipefail',
    // The installed app's admin mode: everything after --admin goes to the command line.
    `healthsphere() { if [ "$1" = --admin ]; then shift; fi; node ${JSON.stringify(BIN)} "$@"; }`,
  ].join('\n');
  return spawnSync('bash', ['-c', `${prelude}\n${script}`], { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function expectOk(result: ReturnType<typeof run>): string {
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the README's For IT section, as written", () => {
  it('has the blocks this test runs', () => {
    expect(blocks.map((b) => `${b.language} ${b.label}`).filter((b) => !b.endsWith(' null'))).toEqual([
      'json policy',
      'sh install-policy',
      'sh first-admin',
      'sh everyday',
    ]);
  });

  it('installs the policy and checks it', () => {
    fs.writeFileSync(path.join(cwd, 'policy.json'), movePaths(block(blocks, 'json', 'policy'), paths));
    const out = expectOk(run('install-policy'));
    expect(fs.statSync(policyFile).mode & 0o777).toBe(0o644);
    expect(out).toContain(`Machine policy: ${policyFile}`);
    expect(out).toContain('The policy is valid');
    expect(out).toMatch(/kiosk mode\s+on/);
    expect(out).toContain(paths['/var/lib/healthsphere']);
    expect(out).toMatch(/passwordMinLength = 14/);
  });

  it('creates the first administrator, refusing a password shorter than the policy asks', () => {
    fs.writeFileSync(path.join(cwd, 'first-admin-password.txt'), 'thirteen-char\n');
    const short = run('first-admin');
    expect(short.status).toBe(1);
    expect(short.stderr).toMatch(/14/);
    fs.writeFileSync(path.join(cwd, 'first-admin-password.txt'), 'violet lantern orbit keel 42\n');
    expectOk(run('first-admin'));
    expect(fs.existsSync(path.join(paths['/var/lib/healthsphere'], 'healthsphere.db'))).toBe(true);
  });

  it('runs the everyday commands, each doing what the README says', async () => {
    // A nurse who has locked herself out at the desk (the kiosk refuses sign-in, so this desk is not one here).
    const config = loadConfig(env);
    const core = await startCore({ config: { ...config, kioskMode: false }, log: silentLogger });
    const nurse = { email: 'nurse@clinic.example', password: 'copper meadow quartz tide 17' };
    await core.admin.createStaffAccount({ ...nurse, firstName: 'Nia', lastName: 'Reyes', role: 'nurse' });
    for (let i = 0; i < 5; i++) await signIn(core, 'desk', nurse.email, 'not her password');
    expect((await signIn(core, 'desk', nurse.email, nurse.password)).ok).toBe(false);
    await core.close();

    fs.mkdirSync(paths['/var/backups/healthsphere'], { recursive: true });
    const out = expectOk(run('everyday'));
    expect(out).toContain('nurse@clinic.example');
    expect(out).toMatch(/Unlocked nurse@clinic\.example/i);
    expect(out).toMatch(/Deactivated nurse@clinic\.example/);
    expect(out).toMatch(/verif/i);
    const backup = path.join(paths['/var/backups/healthsphere'], 'healthsphere.db');
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(paths['/var/backups/healthsphere'], 'checkpoint.json'))).toBe(true);

    // Deactivated: the nurse cannot sign in, though unlocked; the trail has what the commands did.
    const after = await startCore({ config: { ...loadConfig(env), kioskMode: false }, log: silentLogger });
    const refused = await signIn(after, 'desk', nurse.email, nurse.password);
    expect(refused.ok).toBe(false);
    const verification = await after.admin.verifyAudit(null);
    expect(verification.ok).toBe(true);
    await after.close();
  }, 240_000);
});

// Starts the real browser preview for a test: its own data folder, a loopback SMTP server to read mail from.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { TestMailbox } from '../support/smtp';

export interface Preview {
  url: string;
  /** A fresh one-time URL for a second window (another browser context: another desk). */
  newWindowUrl(): Promise<string>;
  mailbox: TestMailbox;
  env: NodeJS.ProcessEnv;
  /** Runs healthsphere-admin against this preview's database. */
  admin(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  /** Plays the operating system on the preview's standard input: 'lock-screen', 'suspend', 'idle <seconds>'. */
  system(signal: string): void;
}

export const SCREENSHOT_DIR = path.resolve('test-results/screens');

export const test = base.extend<{ preview: Preview; previewEnv: Record<string, string> }>({
  /** More environment for the preview and its command line, e.g. `test.use({ previewEnv: { HEALTHSPHERE_POLICY } })`. */
  previewEnv: [{}, { option: true }],
  preview: async ({ previewEnv }, use) => {
    const mailbox = new TestMailbox();
    const smtpUrl = await mailbox.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-e2e-'));
    const env = {
      ...process.env,
      HEALTHSPHERE_DATA_DIR: dataDir,
      HEALTHSPHERE_SMTP_URL: smtpUrl,
      HEALTHSPHERE_MASTER_KEY: randomBytes(32).toString('base64'),
      HEALTHSPHERE_DATABASE_URL: '',
      ...previewEnv,
    };
    const child: ChildProcess = spawn(process.execPath, ['scripts/preview-browser.js', '--no-build', '--port', '0'], {
      env,
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`preview did not start:\n${output}`)), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^HealthSphere preview: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`preview exited with ${code}:\n${output}`)));
    });
    const admin = (args: string[], input = '') => {
      const r = spawnSync(process.execPath, ['bin/healthsphere-admin.js', ...args], { env, input, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const urlsSeen = new Set([url]);
    const newWindowUrl = async () => {
      child.stdin!.write('new-window\n');
      const deadline = Date.now() + 10_000;
      for (;;) {
        const fresh = [...output.matchAll(/^HealthSphere preview: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/gm)]
          .map((m) => m[1]!)
          .find((u) => !urlsSeen.has(u));
        if (fresh) {
          urlsSeen.add(fresh);
          return fresh;
        }
        if (Date.now() > deadline) throw new Error(`preview gave no new window URL:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const system = (signal: string) => void child.stdin!.write(`system ${signal}\n`);
    await use({ url, newWindowUrl, mailbox, env, admin, system });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // SIGTERM stops the preview cleanly: sessions ended, database closed, exit status 0.
    expect(await exited).toBe(0);
    await mailbox.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  },
});

/** Saves a screenshot of the screen and checks it with axe: no violations allowed. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
}

export { expect };

// Starts the real app for a test: the electron-vite build (out/) in the Electron binary from node_modules, with its
// own data folder and a loopback SMTP server to read mail from. Skipped, with the reason, where there is no binary.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, test as base, expect, type ElectronApplication, type Page } from '@playwright/test';
import { TestMailbox } from '../support/smtp';
import { findElectronBinary } from './electron-binary';

const ROOT = path.resolve(__dirname, '../..');

export interface Desktop {
  app: ElectronApplication;
  /** The app's one window. */
  window: Page;
  mailbox: TestMailbox;
  dataDir: string;
}

const binary = findElectronBinary();

export const test = base.extend<{ desktop: Desktop }>({
  // Playwright requires the destructuring pattern for a fixture's first argument, even when empty.
  // eslint-disable-next-line no-empty-pattern
  desktop: async ({}, use, testInfo) => {
    testInfo.skip(!binary.present, binary.present ? '' : binary.reason);
    const mailbox = new TestMailbox();
    const smtpUrl = await mailbox.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-electron-'));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    // The built renderer, not a dev server; Electron as itself, not as Node.
    delete env['ELECTRON_RENDERER_URL'];
    delete env['ELECTRON_RUN_AS_NODE'];
    Object.assign(env, {
      HEALTHSPHERE_DATA_DIR: dataDir,
      HEALTHSPHERE_SMTP_URL: smtpUrl,
      // Playwright starts Electron with --password-store=basic, which safeStorage's Linux check refuses: the key
      // comes from the environment, as on a plain-Node run.
      HEALTHSPHERE_MASTER_KEY: randomBytes(32).toString('base64'),
      HEALTHSPHERE_DATABASE_URL: '',
    });
    const app = await _electron.launch({ args: [ROOT], cwd: ROOT, env, timeout: 60_000 });
    const output: string[] = [];
    app.process().stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    app.process().stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      const window = await app.firstWindow();
      await window.waitForLoadState('domcontentloaded');
      await use({ app, window, mailbox, dataDir });
    } finally {
      await app.close();
      await mailbox.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('app output', { body: output.join('') });
    }
  },
});

export { expect };

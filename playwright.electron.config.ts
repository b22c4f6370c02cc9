// The Electron suite (tests/electron): the real app built by electron-vite, driven through Playwright's Electron
// support. Where the Electron binary is missing (it cannot be downloaded on these machines), every test is skipped
// and the reason is printed; the release workflow runs it on Windows, macOS and Linux.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'tests/electron',
  outputDir: 'test-results/electron',
  globalSetup: './tests/electron/global-setup.ts',
  timeout: 180_000,
  // One app at a time: the app holds a single-instance lock, and its windows share one display.
  workers: 1,
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
});

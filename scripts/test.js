#!/usr/bin/env node
// npm test: the whole suite — types, lint, the Electron security gates (Electronegativity, Electron version), the
// build, unit and integration tests (vitest, on SQLite and PostgreSQL), then end-to-end tests in Chromium
// (Playwright). Ends with one line: "N passed, N failed, N skipped".
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const results = path.resolve('test-results');
fs.mkdirSync(results, { recursive: true });
const bin = (name) => path.resolve('node_modules/.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

function step(name, command, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) failedSteps.push(name);
  return r.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

step('typecheck', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (renderer)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
step('lint', bin('eslint'), ['.']);
step('format', bin('prettier'), ['--check', '.', '--log-level', 'warn']);
// Electron's security checklist, the parts that are gates rather than tests (docs/security-checklist.md):
// Electronegativity over src/ against the reviewed allowlist, and Electron being a supported, patched release.
step('electronegativity', bin('tsx'), ['scripts/electronegativity.ts']);
step('Electron version (npm registry)', bin('tsx'), ['scripts/electron-version.ts']);
// The app as electron-vite builds it (out/): the packaging and hardening tests read and pack it.
step('build', bin('electron-vite'), ['build']);

const vitestJson = path.join(results, 'vitest.json');
fs.rmSync(vitestJson, { force: true });
step('unit and integration tests', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
const vitest = readJson(vitestJson);
if (vitest) {
  totals.passed += vitest.numPassedTests;
  totals.failed += vitest.numFailedTests;
  totals.skipped += vitest.numPendingTests + vitest.numTodoTests;
} else if (!failedSteps.includes('unit and integration tests')) failedSteps.push('vitest report');

const playwrightJson = path.join(results, 'playwright.json');
fs.rmSync(playwrightJson, { force: true });
step('end-to-end tests (Chromium)', bin('playwright'), ['test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
});
const playwright = readJson(playwrightJson);
if (playwright) {
  totals.passed += playwright.stats.expected;
  totals.failed += playwright.stats.unexpected + playwright.stats.flaky;
  totals.skipped += playwright.stats.skipped;
} else if (!failedSteps.includes('end-to-end tests (Chromium)')) failedSteps.push('playwright report');

// The Electron suite (tests/electron) drives the real app; where the Electron binary is missing (it cannot be
// downloaded on these machines) it skips every test and says why. Its skipped tests count like any others.
const electronJson = path.join(results, 'playwright-electron.json');
fs.rmSync(electronJson, { force: true });
step(
  'end-to-end tests (Electron)',
  bin('playwright'),
  ['test', '-c', 'playwright.electron.config.ts', '--reporter=list,json'],
  {
    PLAYWRIGHT_JSON_OUTPUT_NAME: electronJson,
  },
);
const electron = readJson(electronJson);
let electronSkipped = '';
if (electron) {
  totals.passed += electron.stats.expected;
  totals.failed += electron.stats.unexpected + electron.stats.flaky;
  totals.skipped += electron.stats.skipped;
  const reasons = new Set();
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? [])
        for (const a of t.annotations ?? []) if (a.type === 'skip' && a.description) reasons.add(a.description);
    (suite.suites ?? []).forEach(walk);
  };
  (electron.suites ?? []).forEach(walk);
  if (electron.stats.skipped)
    electronSkipped = `SKIPPED: Electron suite (${electron.stats.skipped} tests) — ${[...reasons].join('; ') || 'see above'}`;
} else if (!failedSteps.includes('end-to-end tests (Electron)')) failedSteps.push('Electron report');

if (electronSkipped) console.log(`\n${electronSkipped}`);
if (failedSteps.length) console.log(`Failed steps: ${failedSteps.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length || totals.failed ? 1 : 0);

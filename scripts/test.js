#!/usr/bin/env node
// npm test: the whole suite — types, lint, unit and integration tests (vitest, on SQLite and PostgreSQL),
// then end-to-end tests in Chromium (Playwright). Ends with one line: "N passed, N failed, N skipped".
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

console.log(
  '\nThe Electron suite is not run here: it needs the Electron binary, which these machines cannot download.',
);
if (failedSteps.length) console.log(`Failed steps: ${failedSteps.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length || totals.failed ? 1 : 0);

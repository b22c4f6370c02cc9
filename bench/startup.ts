// npm run bench:startup (also the last part of npm run bench): prints figures, asserts nothing.
// - Start-up of the browser preview to a usable sign-in screen in Chromium, over several runs (median and p95),
//   split into: core start (process start → the preview prints its URL: Node, tsx, configuration, database, core,
//   HTTP server), page load (navigation → the page's load event: HTML, JavaScript, CSS) and first usable (load →
//   the first frame painted with the Sign in heading, an enabled email field and Sign in button, after the app
//   asked the core whether setup is needed and who is signed in).
// - The renderer's JavaScript: every chunk's size and gzip size, the initial set (what index.html loads and what
//   those chunks import statically: all the sign-in screen needs) and the total.
// The preview is built once; every run starts it with --no-build on the same database (one administrator, so the
// sign-in screen shows, not first-run setup). Chromium starts once, outside the timing; each run opens a fresh
// browser context (empty cache). HEALTHSPHERE_BENCH_STARTUP_RUNS sets the number of runs (default 15).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import playwrightConfig from '../playwright.config';

const ROOT = path.resolve(__dirname, '..');
const PREVIEW_RENDERER = path.join(ROOT, 'out/preview/renderer');
const ELECTRON_RENDERER = path.join(ROOT, 'out/renderer');
const RUNS = Number(process.env['HEALTHSPHERE_BENCH_STARTUP_RUNS'] ?? 15);
const BUDGET_BYTES = 250 * 1024;

/** Epoch milliseconds with sub-millisecond precision; the page reports the same clock (timeOrigin + now). */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export interface Chunk {
  file: string;
  bytes: number;
  gzip: number;
  initial: boolean;
}

/**
 * The JavaScript chunks of a built renderer (a folder with index.html and assets/). The initial set is what
 * index.html loads (module script and modulepreload links) and, transitively, what those chunks import
 * statically; chunks reached only through import() are loaded on demand.
 */
export function rendererChunks(dir: string): Chunk[] {
  const assets = path.join(dir, 'assets');
  const files = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const initial = new Set<string>();
  const queue = [...html.matchAll(/(?:src|href)="(?:\.?\/)?assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
  while (queue.length) {
    const file = queue.pop()!;
    if (initial.has(file)) continue;
    initial.add(file);
    const code = fs.readFileSync(path.join(assets, file), 'utf8');
    // Static imports only: `import{…}from"./x.js"` and `import"./x.js"`; `import("./x.js")` is on demand.
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g)) queue.push(m[1]!);
  }
  return files
    .map((file) => {
      const body = fs.readFileSync(path.join(assets, file));
      return { file, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length, initial: initial.has(file) };
    })
    .sort((a, b) => b.gzip - a.gzip);
}

function printSizes(label: string, dir: string): void {
  const chunks = rendererChunks(dir);
  const sum = (list: Chunk[], key: 'bytes' | 'gzip') => list.reduce((n, c) => n + c[key], 0);
  const initial = chunks.filter((c) => c.initial);
  const onDemand = chunks.filter((c) => !c.initial);
  console.log(`\n${label}: renderer JavaScript (${path.relative(ROOT, dir)}), gzip -9`);
  console.log(`  ${'chunk'.padEnd(44)} ${'size'.padStart(11)} ${'gzip'.padStart(10)}`);
  const line = (c: Chunk) =>
    console.log(`  ${c.file.padEnd(44)} ${kb(c.bytes).padStart(11)} ${kb(c.gzip).padStart(10)}`);
  console.log('  initial (the sign-in screen):');
  initial.forEach(line);
  console.log(`  on demand (${onDemand.length} chunks):`);
  onDemand.forEach(line);
  const met = sum(initial, 'gzip') < BUDGET_BYTES ? 'met' : 'NOT met';
  console.log(
    `  ${'initial set'.padEnd(44)} ${kb(sum(initial, 'bytes')).padStart(11)} ${kb(sum(initial, 'gzip')).padStart(10)}` +
      `   budget ${kb(BUDGET_BYTES)}: ${met}`,
  );
  console.log(
    `  ${'all chunks'.padEnd(44)} ${kb(sum(chunks, 'bytes')).padStart(11)} ${kb(sum(chunks, 'gzip')).padStart(10)}`,
  );
}

interface Run {
  coreStart: number;
  pageLoad: number;
  firstUsable: number;
  total: number;
}

/**
 * Runs in the page before its scripts (a string: this file is type-checked without the DOM's types). Notes the
 * first frame painted with a usable sign-in form: the Sign in heading, an enabled email field and Sign in button.
 */
const WATCH_FOR_SIGN_IN = `(() => {
  const usable = () => {
    const heading = [...document.querySelectorAll('h1')].some((h) => h.textContent.trim() === 'Sign in');
    const email = document.querySelector('input[type="email"]');
    const submit = document.querySelector('button[type="submit"]');
    return heading && email && !email.disabled && submit && !submit.disabled;
  };
  const observer = new MutationObserver(() => {
    if (!usable()) return;
    observer.disconnect();
    // The next frame is the one that shows it.
    requestAnimationFrame(() => (window.__signInUsableAt = performance.timeOrigin + performance.now()));
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

/** In the page: epoch times of its load event and of the usable sign-in screen, once both happened. */
function marks(): { load: number; usable: number } | null {
  // Typed by hand: this file is type-checked without the DOM's types.
  const page = globalThis as unknown as {
    __signInUsableAt?: number;
    performance: { timeOrigin: number; getEntriesByType(type: string): Array<{ loadEventEnd?: number }> };
  };
  const [navigation] = page.performance.getEntriesByType('navigation');
  if (!page.__signInUsableAt || !navigation?.loadEventEnd) return null;
  return { load: page.performance.timeOrigin + navigation.loadEventEnd, usable: page.__signInUsableAt };
}

async function oneRun(browser: Browser, env: NodeJS.ProcessEnv): Promise<Run> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript({ content: WATCH_FOR_SIGN_IN });
  const t0 = epochNow();
  const child = spawn(process.execPath, ['scripts/preview-browser.js', '--no-build', '--port', '0'], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`preview did not start:\n${output}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /^HealthSphere preview: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`preview exited with ${code}:\n${output}`)));
    });
    const tUrl = epochNow();
    await page.goto(url, { waitUntil: 'load' });
    const m = (await (await page.waitForFunction(marks, undefined, { timeout: 30_000 })).jsonValue())!;
    return {
      coreStart: tUrl - t0,
      pageLoad: m.load - tUrl,
      firstUsable: m.usable - m.load,
      total: m.usable - t0,
    };
  } finally {
    await context.close();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

async function main(): Promise<void> {
  console.log('Start-up: the browser preview to a usable sign-in screen in Chromium');
  const built = performance.now();
  const build = spawnSync(process.execPath, ['scripts/preview-browser.js', '--build-only'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the preview build failed');
  console.log(
    `  preview built once in ${((performance.now() - built) / 1000).toFixed(1)} s; every run uses --no-build`,
  );

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-bench-startup-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HEALTHSPHERE_DATA_DIR: dataDir,
    HEALTHSPHERE_MASTER_KEY: randomBytes(32).toString('base64'),
    HEALTHSPHERE_DATABASE_URL: '',
    HEALTHSPHERE_SMTP_URL: '',
  };
  // An existing database with its administrator: the everyday start, where Sign in is the first screen.
  const admin = spawnSync(
    process.execPath,
    [
      'bin/healthsphere-admin.js',
      'create-admin',
      '--email',
      'bench@clinic.example',
      '--first-name',
      'Bench',
      '--last-name',
      'Mark',
      '--password-stdin',
    ],
    { cwd: ROOT, env, input: 'cobalt orchard lantern 1987\n', encoding: 'utf8' },
  );
  if (admin.status !== 0) throw new Error(`create-admin failed: ${admin.stderr}`);

  const launchOptions = playwrightConfig.use?.launchOptions ?? {};
  const browser = await chromium.launch({ ...launchOptions, headless: true });
  const runs: Run[] = [];
  try {
    await oneRun(browser, env); // warm-up: file cache, first compile of tsx's cache
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(browser, env));
  } finally {
    await browser.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  console.log(`\n  ${RUNS} runs after one warm-up; ms, median / p95 / worst`);
  const stat = (label: string, key: keyof Run) => {
    const sorted = runs.map((r) => r[key]).sort((a, b) => a - b);
    const f = (n: number) => n.toFixed(0).padStart(6);
    console.log(`  ${label.padEnd(60)} ${f(percentile(sorted, 50))} ${f(percentile(sorted, 95))} ${f(sorted.at(-1)!)}`);
  };
  console.log(`  ${'phase'.padEnd(60)} ${'median'.padStart(6)} ${'p95'.padStart(6)} ${'worst'.padStart(6)}`);
  stat('core start (process start → preview URL printed)', 'coreStart');
  stat('page load (navigation → load event)', 'pageLoad');
  stat('first usable (load event → Sign in painted, usable)', 'firstUsable');
  stat('total: process start → usable sign-in screen', 'total');

  printSizes('Browser preview', PREVIEW_RENDERER);
  if (fs.existsSync(path.join(ELECTRON_RENDERER, 'index.html'))) {
    const at = fs.statSync(path.join(ELECTRON_RENDERER, 'index.html')).mtime.toISOString();
    printSizes(`Electron app (electron-vite build of ${at}; npm run build refreshes it)`, ELECTRON_RENDERER);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});

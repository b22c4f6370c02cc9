// The app as electron-vite builds it (out/main, out/preload, out/renderer). npm test builds it before the tests
// (scripts/test.js); a test file run on its own builds it here when it is missing, one build at a time.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const OUT = path.join(ROOT, 'out');

const BUILT_FILES = ['main/index.js', 'main/audit-worker.js', 'preload/index.js', 'renderer/index.html'];
const isBuilt = (): boolean => BUILT_FILES.every((f) => fs.existsSync(path.join(OUT, f)));

export function ensureBuilt(): void {
  if (isBuilt()) return;
  const lock = path.join(ROOT, 'node_modules/.cache/healthsphere-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file is building: wait for it, then use its build.
      if (Date.now() > deadline) throw new Error(`waited 3 minutes for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      if (isBuilt()) return;
    }
  }
  try {
    if (isBuilt()) return;
    const r = spawnSync(path.join(ROOT, 'node_modules/.bin/electron-vite'), ['build'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    fs.rmdirSync(lock);
  }
}

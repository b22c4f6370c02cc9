// Where the Electron binary is, found the way node_modules/electron/index.js finds it — without loading that file,
// which starts a download when the binary is missing (Electron ≥ 42 fetches it lazily, and these machines cannot).
import fs from 'node:fs';
import path from 'node:path';

export type ElectronBinary = { present: true; path: string } | { present: false; reason: string };

export const SKIP_REASON =
  'the Electron binary is not installed on this machine (it cannot be downloaded here); it runs in the release workflow';

/** The skip line people read in the test output, before the totals. */
export function skippedLine(why: string): string {
  return `SKIPPED: Electron suite — ${why}`;
}

export function findElectronBinary(): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { present: false, reason: 'the electron package is not installed (npm ci installs it)' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return { present: false, reason: SKIP_REASON };
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env['ELECTRON_OVERRIDE_DIST_PATH'] || path.join(packageDir, 'dist');
  const executable = path.join(distDir, relative);
  if (!fs.existsSync(executable)) return { present: false, reason: SKIP_REASON };
  return { present: true, path: executable };
}

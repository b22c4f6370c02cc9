// "Use a current version of Electron" (Electron's security checklist, item 16), as a check that can fail:
//   1. the Electron the app ships (node_modules/electron, as package-lock.json pins it) is a stable release of one of
//      the three newest stable majors: the ones Electron still ships security fixes for;
//   2. no newer release of that major has been out for more than GRACE_DAYS days (security fixes land as patch and
//      minor releases of each supported major; two weeks leave time to update without turning CI red overnight).
// Electron's published versions and their dates come from the npm registry at run time (`npm view electron time`),
// which CI reaches (it has just run `npm ci`).
//
//   npx tsx scripts/electron-version.ts        exit 0 current, 1 not current, 2 the registry could not be asked
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const SUPPORTED_MAJORS = 3;
export const GRACE_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

const STABLE = /^(\d+)\.(\d+)\.(\d+)$/;

function parse(version: string): [number, number, number] | null {
  const m = STABLE.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export interface Verdict {
  ok: boolean;
  message: string;
}

/**
 * Judges `installed` against the registry's publication times (`npm view electron time --json`: version → ISO date,
 * plus "created" and "modified").
 */
export function judgeElectronVersion(installed: string, published: Record<string, string>, now = new Date()): Verdict {
  const own = parse(installed);
  if (!own) return { ok: false, message: `Electron ${installed} is not a stable release` };
  const stable = Object.keys(published)
    .map((v) => ({ version: v, parts: parse(v), date: new Date(published[v] ?? '') }))
    .filter((v): v is { version: string; parts: [number, number, number]; date: Date } => v.parts !== null);
  if (stable.length === 0) return { ok: false, message: 'the registry listed no stable Electron release' };
  const newestMajor = Math.max(...stable.map((v) => v.parts[0]));
  const supported = Array.from({ length: SUPPORTED_MAJORS }, (_, i) => newestMajor - i).reverse();
  if (!stable.some((v) => v.version === installed))
    return { ok: false, message: `Electron ${installed} is not a published release` };
  if (!supported.includes(own[0]))
    return {
      ok: false,
      message:
        `Electron ${own[0]} is no longer supported: Electron ships security fixes for its ${SUPPORTED_MAJORS} newest ` +
        `majors (${supported.join(', ')}). Update electron in package.json (one major at a time, see Electron's ` +
        'breaking changes), then npm install.',
    };
  const newer = stable
    .filter((v) => v.parts[0] === own[0] && compare(v.parts, own) > 0)
    .sort((a, b) => compare(b.parts, a.parts));
  const overdue = newer.filter((v) => now.getTime() - v.date.getTime() > GRACE_DAYS * DAY_MS);
  const supportedText = `supported majors ${supported.join(', ')}`;
  if (overdue.length > 0) {
    const oldest = overdue.reduce((a, b) => (a.date < b.date ? a : b));
    return {
      ok: false,
      message:
        `Electron ${installed} is behind: ${newer[0]!.version} is out, and ${oldest.version} was published on ` +
        `${oldest.date.toISOString().slice(0, 10)}, more than ${GRACE_DAYS} days ago. ` +
        `Run: npm install -D electron@${newer[0]!.version} (${supportedText}).`,
    };
  }
  if (newer.length > 0)
    return {
      ok: true,
      message: `Electron ${installed} (${supportedText}); ${newer[0]!.version} is out since ${newer[0]!.date
        .toISOString()
        .slice(0, 10)}: update within ${GRACE_DAYS} days of its release`,
    };
  return { ok: true, message: `Electron ${installed} is the newest release of ${own[0]} (${supportedText})` };
}

/** The Electron version installed, checked against package-lock.json (the release builds from the lock). */
export function installedElectron(root: string): { version: string; problem?: string } {
  const installed = (
    JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
  ).version;
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  const locked = lock.packages?.['node_modules/electron']?.version;
  if (locked !== installed)
    return {
      version: installed,
      problem: `node_modules has Electron ${installed} but package-lock.json pins ${locked}: run npm ci`,
    };
  return { version: installed };
}

function main(): void {
  const root = process.cwd();
  const { version, problem } = installedElectron(root);
  if (problem) {
    console.log(`electron version: FAILED: ${problem}`);
    process.exit(1);
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['view', 'electron', 'time', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
    shell: process.platform === 'win32',
    maxBuffer: 16 * 1024 * 1024,
  });
  let published: Record<string, string> | null = null;
  try {
    published = r.status === 0 ? (JSON.parse(r.stdout) as Record<string, string>) : null;
  } catch {
    published = null;
  }
  if (!published) {
    console.log(
      `electron version: FAILED: could not ask the npm registry for Electron's releases (npm view electron time): ` +
        `${(r.stderr || r.error?.message || '').trim().split('\n')[0] ?? ''}`,
    );
    process.exit(2);
  }
  const verdict = judgeElectronVersion(version, published);
  console.log(`electron version: ${verdict.ok ? 'passed' : 'FAILED'}: ${verdict.message}`);
  process.exit(verdict.ok ? 0 : 1);
}

// Run as a script (tsx), not when a test imports the functions above.
if (typeof require !== 'undefined' && require.main === module) main();

// Before the Electron suite: says plainly when it is skipped; otherwise builds the app with electron-vite, makes
// sure better-sqlite3 is built for Electron (and restores Node's build afterwards), and gives Linux a display.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findElectronBinary, skippedLine } from './electron-binary';

const ROOT = path.resolve(__dirname, '../..');

function loud(line: string): void {
  const bar = '!'.repeat(Math.min(line.length, 120));
  console.log(`\n${bar}\n${line}\n${bar}\n`);
}

/** Runs a Node script with this Node (no shell, no .cmd shims: the same on Windows). */
function runScript(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${path.basename(script)} ${args.join(' ')} failed (exit status ${r.status})`);
}

/** electron-vite's command line, from its package.json. */
function electronVite(): string {
  const pkgJson = require.resolve('electron-vite/package.json', { paths: [ROOT] });
  const { bin } = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(pkgJson), bin['electron-vite']!);
}

/**
 * @electron/rebuild's command line (lib/cli.js beside its entry point): electron-builder's own dependency, which
 * exports neither its package.json nor its bin.
 */
function electronRebuild(): string {
  const builder = path.dirname(require.resolve('app-builder-lib/package.json', { paths: [ROOT] }));
  return path.join(path.dirname(require.resolve('@electron/rebuild', { paths: [ROOT, builder] })), 'cli.js');
}

/**
 * Whether a runtime (Electron's Node, or this Node) loads better-sqlite3: a V8 addon, built per ABI (argon2's is
 * N-API, which loads in both).
 */
function sqliteLoads(runtime: string): { ok: boolean; output: string } {
  const r = spawnSync(runtime, ['-e', "const D = require('better-sqlite3'); new D(':memory:').close();"], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/**
 * The project's node_modules holds better-sqlite3 built for Node (vitest, the preview, the CLI). For the suite, an
 * Electron build of it is swapped in and Node's swapped back when the suite ends; the Electron build is kept in
 * node_modules/.cache so that it is compiled once per Electron version. (After electron-builder has packaged the
 * app, as in the release workflow, node_modules is already built for Electron and nothing is swapped.)
 */
function useElectronSqlite(electron: string): (() => void) | undefined {
  if (sqliteLoads(electron).ok) return undefined;
  const electronVersion = (
    JSON.parse(fs.readFileSync(require.resolve('electron/package.json', { paths: [ROOT] }), 'utf8')) as {
      version: string;
    }
  ).version;
  const addon = path.join(
    path.dirname(require.resolve('better-sqlite3/package.json', { paths: [ROOT] })),
    'build',
    'Release',
    'better_sqlite3.node',
  );
  const cacheDir = path.join(ROOT, 'node_modules/.cache/healthsphere-electron');
  const cached = path.join(
    cacheDir,
    `better_sqlite3-electron-${electronVersion}-${process.platform}-${process.arch}.node`,
  );
  const nodeBuild = path.join(cacheDir, `better_sqlite3-node-${process.versions.modules}.node`);
  fs.mkdirSync(cacheDir, { recursive: true });
  // Node's build, to put back afterwards (unless an interrupted run left Electron's in place: then the kept one).
  if (sqliteLoads(process.execPath).ok) fs.copyFileSync(addon, nodeBuild);
  else if (!fs.existsSync(nodeBuild))
    throw new Error('better-sqlite3 loads neither in Electron nor in Node: run npm rebuild better-sqlite3');
  const restore = () => {
    fs.copyFileSync(nodeBuild, addon);
    console.log('Electron suite: better-sqlite3 is built for Node again.');
  };
  try {
    if (fs.existsSync(cached)) {
      fs.copyFileSync(cached, addon);
    } else {
      console.log(
        `Electron suite: building better-sqlite3 for Electron ${electronVersion} (once; kept in ${cacheDir}).`,
      );
      runScript(electronRebuild(), [
        '--version',
        electronVersion,
        '--only',
        'better-sqlite3',
        '--force',
        '--module-dir',
        ROOT,
      ]);
      fs.copyFileSync(addon, cached);
    }
    const check = sqliteLoads(electron);
    if (!check.ok) throw new Error(`better-sqlite3 still does not load in Electron:\n${check.output}`);
  } catch (err) {
    restore();
    throw err;
  }
  return restore;
}

/** Linux without a display: a virtual one (Debian's xvfb package), for the suite's windows. */
async function ensureDisplay(): Promise<ChildProcess | undefined> {
  if (process.platform !== 'linux' || process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY']) return undefined;
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.once('error', () =>
      reject(new Error('This Linux machine has no display and no Xvfb: install the xvfb package, or use xvfb-run.')),
    );
    xvfb.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(out);
      if (match) resolve(match[1]!);
    });
  });
  // Set here, the display reaches the test workers and the app they launch.
  process.env['DISPLAY'] = `:${display}`;
  return xvfb;
}

export default async function globalSetup(): Promise<(() => Promise<void>) | void> {
  const binary = findElectronBinary();
  if (!binary.present) {
    loud(skippedLine(binary.reason));
    return;
  }
  console.log(`Electron suite: ${binary.path}`);
  runScript(electronVite(), ['build']);
  const restoreSqlite = useElectronSqlite(binary.path);
  let xvfb: ChildProcess | undefined;
  try {
    xvfb = await ensureDisplay();
  } catch (err) {
    restoreSqlite?.();
    throw err;
  }
  return async () => {
    xvfb?.kill();
    restoreSqlite?.();
  };
}

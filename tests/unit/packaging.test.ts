// The installers: build/electron-builder.yml (targets, per-machine install, fuses, native modules, signing only from
// the environment), build/notarize.js, the release workflow, and the app as electron-builder really packs it. The
// Electron zip and headers cannot be downloaded here, so the pack runs `electron-builder --linux dir` with a stand-in
// Electron binary (a file carrying Electron's fuse wire) and without the native rebuild: everything else is
// electron-builder's real work: file selection, production dependencies, app.asar, asarUnpack, fuses.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, OUT, ROOT } from '../support/built-app';

const requireRoot = createRequire(path.join(ROOT, 'package.json'));
// What electron-builder itself uses, so the test reads files exactly as it writes them.
const requireBuilder = createRequire(requireRoot.resolve('app-builder-lib/package.json'));
const yaml = requireBuilder('js-yaml') as { load(text: string): unknown };
const asar = requireBuilder('@electron/asar') as {
  listPackage(archive: string, options?: object): string[];
  statFile(archive: string, file: string): { unpacked?: boolean };
  extractFile(archive: string, file: string): Buffer;
  extractAll(archive: string, dest: string): void;
};
const fuses = requireBuilder('@electron/fuses') as {
  getCurrentFuseWire(binary: string): Promise<Record<string, number | string>>;
  FuseV1Options: Record<string, number>;
};

/* eslint-disable @typescript-eslint/no-explicit-any -- YAML documents, read field by field */
const config = yaml.load(fs.readFileSync(path.join(ROOT, 'build/electron-builder.yml'), 'utf8')) as any;
const workflow = yaml.load(fs.readFileSync(path.join(ROOT, '.github/workflows/release.yml'), 'utf8')) as any;
/* eslint-enable @typescript-eslint/no-explicit-any */

interface Notarize {
  notarizationPlan(
    platform: string,
    env: Record<string, string | undefined>,
  ): {
    action: 'skip' | 'notarize' | 'fail';
    reason: string;
    credentials?: string;
    options?: Record<string, string>;
  };
  afterSign(
    context: object,
    deps: {
      env: Record<string, string | undefined>;
      notarize: () => (o: Record<string, string>) => Promise<void>;
      log: (s: string) => void;
    },
  ): Promise<void>;
}
const notarizeHook = requireRoot('./build/notarize.js') as Notarize;

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const lock = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
).packages;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Dependencies the repository needs for its command line only; the packaged app never loads them. */
const NOT_PACKED = ['tsx'];

/** The production dependencies the app can load: package.json's, and theirs, as Node resolves them in node_modules. */
function productionClosure(): Map<string, { name: string; version: string; dir: string }> {
  const locate = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[candidate] && !lock[candidate]!.link && fs.existsSync(path.join(ROOT, candidate))) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
  };
  const found = new Map<string, { name: string; version: string; dir: string }>();
  const queue: Array<[string, string, boolean]> = Object.keys(pkg.dependencies)
    .filter((n) => !NOT_PACKED.includes(n))
    .map((n) => ['', n, false]);
  while (queue.length) {
    const [from, name, optional] = queue.shift()!;
    const dir = locate(from, name);
    if (!dir) {
      if (!optional) throw new Error(`${name}, needed by ${from || 'package.json'}, is not installed`);
      continue;
    }
    if ([...found.values()].some((f) => f.dir === dir)) continue;
    const e = lock[dir]!;
    found.set(`${name}@${e.version}`, { name, version: e.version!, dir });
    for (const d of Object.keys(e.dependencies ?? {})) queue.push([dir, d, false]);
    for (const d of Object.keys({ ...e.optionalDependencies, ...e.peerDependencies })) queue.push([dir, d, true]);
  }
  return found;
}

describe('the installers configuration (build/electron-builder.yml)', () => {
  it('makes NSIS and MSI installers for Windows, dmg for macOS, deb, rpm and AppImage for Linux', () => {
    expect(config.win.target).toEqual([
      { target: 'nsis', arch: ['x64'] },
      { target: 'msi', arch: ['x64'] },
    ]);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect([...config.linux.target].sort()).toEqual(['AppImage', 'deb', 'rpm']);
    expect(config.appId).toBe('org.healthsphere.desktop');
    expect(config.extraMetadata.author.name).toBeTruthy(); // the MSI's Manufacturer, the packages' vendor
  });

  it('installs for every account of the machine, silently when asked, without starting the app or deleting its data', () => {
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: true,
      runAfterFinish: false,
      deleteAppDataOnUninstall: false,
    });
    expect(config.msi).toMatchObject({ perMachine: true, runAfterFinish: false });
    // Fixed, so each new MSI upgrades the installed one.
    expect(config.msi.upgradeCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    // What docs/installers.md tells IT, as electron-builder's NSIS templates do it: perMachine makes an installer that
    // requires administrator rights and installs to Program Files; /S is NSIS's silent switch and skips every page;
    // /D= sets the folder; the uninstaller is registered with a quiet command line.
    const nsis = path.join(path.dirname(requireRoot.resolve('app-builder-lib/package.json')), 'templates/nsis');
    const target = fs.readFileSync(
      path.join(path.dirname(requireRoot.resolve('app-builder-lib/package.json')), 'out/targets/nsis/NsisTarget.js'),
      'utf8',
    );
    expect(target).toMatch(/options\.perMachine === true\) \{\s*defines\.INSTALL_MODE_PER_ALL_USERS = null/);
    const installer = fs.readFileSync(path.join(nsis, 'installer.nsi'), 'utf8');
    expect(installer).toMatch(
      /!ifdef INSTALL_MODE_PER_ALL_USERS\s*!ifdef BUILD_UNINSTALLER\s*RequestExecutionLevel user\s*!else\s*RequestExecutionLevel admin/,
    );
    const multiUser = fs.readFileSync(path.join(nsis, 'multiUser.nsh'), 'utf8');
    expect(multiUser).toContain('StrCpy $0 "$PROGRAMFILES64"');
    expect(multiUser).toContain('allow /D switch to override installation path');
    expect(fs.readFileSync(path.join(nsis, 'include/installer.nsh'), 'utf8')).toContain('QuietUninstallString');
  });

  it('signs the macOS app with the hardened runtime and the JIT entitlement only, and notarizes it in build/notarize.js', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.entitlements).toBe('build/entitlements.mac.plist');
    expect(config.mac.entitlementsInherit).toBe('build/entitlements.mac.plist');
    const plist = fs.readFileSync(path.join(ROOT, 'build/entitlements.mac.plist'), 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
    // electron-builder's own notarization is off, so the hook is the one place it happens.
    expect(config.mac.notarize).toBe(false);
    expect(config.afterSign).toBe('./build/notarize.js');
    expect(typeof notarizeHook.afterSign).toBe('function');
  });

  it('flips exactly these six fuses (electron-builder 26 names)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    // Names electron-builder's schema knows (a misspelt fuse would be ignored, not flipped).
    const schema = requireBuilder('./scheme.json') as { definitions: { FuseOptionsV1: { properties: object } } };
    for (const name of Object.keys(config.electronFuses))
      expect(Object.keys(schema.definitions.FuseOptionsV1.properties)).toContain(name);
  });

  it('unpacks the native modules from app.asar and rebuilds them for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['**/*.node', 'node_modules/better-sqlite3/**', 'node_modules/argon2/**']);
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(true);
    // A new native dependency is a packaging decision: this list makes it one.
    const native = [...productionClosure().values()]
      .filter((p) => fs.existsSync(path.join(ROOT, p.dir, 'binding.gyp')))
      .map((p) => p.name)
      .sort();
    expect(native).toEqual(['argon2', 'better-sqlite3']);
  });

  it('holds no signing credential: those come from the environment', () => {
    const found: string[] = [];
    const walk = (value: unknown, at: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`));
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) {
          if (
            /password|passphrase|secret|token|csc|certificate(File|Password|Sha1|SubjectName)|identity|apiKey|appleId|keychain/i.test(
              k,
            )
          )
            found.push(`${at}.${k}`);
          walk(v, `${at}.${k}`);
        }
      else if (typeof value === 'string' && (/PRIVATE KEY/.test(value) || /[A-Za-z0-9+/]{120,}/.test(value)))
        found.push(at);
    };
    walk(config, 'config');
    expect(found).toEqual([]);
  });
});

describe('the repository', () => {
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .stdout.split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)) && fs.lstatSync(path.join(ROOT, f)).isFile());

  it('holds no certificate, key or .env file, and no signing secret written out', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(
      files.filter((f) => /\.(p12|pfx|p8|key|jks|keystore|snk|mobileprovision|provisionprofile)$/i.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => /(^|\/)\.env(\.|$)/.test(f) && !/\.example$/.test(f))).toEqual([]);
    const privateKey = new RegExp('-----BEGIN ' + '([A-Z]+ )*PRIVATE KEY-----');
    const written = new RegExp(
      '\\b(CSC_LINK|CSC_KEY_PASSWORD|WIN_CSC_LINK|WIN_CSC_KEY_PASSWORD|CSC_NAME|APPLE_ID|APPLE_APP_SPECIFIC_PASSWORD|' +
        'APPLE_API_KEY|APPLE_API_ISSUER|APPLE_TEAM_ID)\\s*[:=]\\s*[\'"]?(?!\\$)[A-Za-z0-9+/_@.-]{6,}',
    );
    const leaks: string[] = [];
    for (const f of files) {
      const full = path.join(ROOT, f);
      if (fs.statSync(full).size > 2_000_000) continue;
      const text = fs.readFileSync(full, 'utf8');
      if (text.includes('\0')) continue; // binary
      if (privateKey.test(text)) leaks.push(`${f}: a private key`);
      const m = written.exec(text);
      if (m) leaks.push(`${f}: ${m[1]} with a value`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('build/notarize.js (the afterSign hook)', () => {
  // Stand-in credentials, made at run time (the repository scan above looks for written-out ones).
  const fake = (what: string): string => `fake-${what}`;
  const apiKey = {
    APPLE_API_KEY: fake('key-path'),
    APPLE_API_KEY_ID: fake('key-id'),
    APPLE_API_ISSUER: fake('issuer'),
  };

  it('notarizes only with a complete set of Apple credentials from the environment, and a release cannot skip it', () => {
    expect(notarizeHook.notarizationPlan('linux', apiKey).action).toBe('skip');
    expect(notarizeHook.notarizationPlan('win32', apiKey).action).toBe('skip');
    expect(notarizeHook.notarizationPlan('darwin', {}).action).toBe('skip');
    expect(notarizeHook.notarizationPlan('darwin', { HEALTHSPHERE_REQUIRE_NOTARIZATION: '1' })).toMatchObject({
      action: 'fail',
    });
    const partial = notarizeHook.notarizationPlan('darwin', { APPLE_ID: fake('id'), APPLE_TEAM_ID: ' ' });
    expect(partial.action).toBe('fail');
    expect(partial.reason).toContain('missing: APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID');
    expect(partial.reason).not.toContain(fake('id')); // names, never values
    expect(notarizeHook.notarizationPlan('darwin', apiKey)).toMatchObject({
      action: 'notarize',
      options: { appleApiKey: fake('key-path'), appleApiKeyId: fake('key-id'), appleApiIssuer: fake('issuer') },
    });
    expect(
      notarizeHook.notarizationPlan('darwin', {
        APPLE_ID: fake('id'),
        APPLE_APP_SPECIFIC_PASSWORD: fake('password'),
        APPLE_TEAM_ID: fake('team'),
      }),
    ).toMatchObject({
      action: 'notarize',
      options: { appleId: fake('id'), appleIdPassword: fake('password'), teamId: fake('team') },
    });
  });

  it('submits the signed .app, with the key text from a CI secret as a private file removed afterwards', async () => {
    const context = {
      electronPlatformName: 'darwin',
      appOutDir: '/build/mac-arm64',
      packager: { appInfo: { productFilename: 'HealthSphere' } },
    };
    const keyText = ['-----BEGIN', 'PRIVATE KEY-----', fake('body'), '-----END', 'PRIVATE KEY-----'].join(' ');
    const calls: Array<{ options: Record<string, string>; keyFile: string; mode: number }> = [];
    const notarize = () => async (options: Record<string, string>) => {
      const keyFile = options['appleApiKey']!;
      calls.push({ options, keyFile: fs.readFileSync(keyFile, 'utf8'), mode: fs.statSync(keyFile).mode & 0o777 });
    };
    const log: string[] = [];
    // (A computed key: the repository scan above flags `APPLE_API_KEY: <word>` as a written-out secret.)
    const env = { ...apiKey, ['APPLE_API_KEY']: keyText };
    await notarizeHook.afterSign(context, { env, notarize, log: (s) => log.push(s) });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options['appPath']).toBe(path.join('/build/mac-arm64', 'HealthSphere.app'));
    expect(calls[0]!.keyFile.trim()).toBe(keyText);
    if (process.platform !== 'win32') expect(calls[0]!.mode).toBe(0o600);
    expect(fs.existsSync(calls[0]!.options['appleApiKey']!)).toBe(false);
    expect(log.join('\n')).not.toContain(fake('body'));

    // Not on other platforms; and a release without credentials stops.
    await notarizeHook.afterSign(
      { ...context, electronPlatformName: 'win32' },
      { env: apiKey, notarize, log: () => undefined },
    );
    expect(calls).toHaveLength(1);
    await expect(
      notarizeHook.afterSign(context, {
        env: { HEALTHSPHERE_REQUIRE_NOTARIZATION: '1' },
        notarize,
        log: () => undefined,
      }),
    ).rejects.toThrow(/a release must be notarized/);
  });
});

describe('the release workflow (.github/workflows/release.yml)', () => {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const job = workflow.jobs.installers as any;
  const steps = job.steps as any[];
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const indexOf = (test: (s: { run?: string; uses?: string; name?: string }) => boolean): number =>
    steps.findIndex(test);

  it('runs on a version tag on Windows, macOS and Linux: npm ci, the build, electron-builder, the Electron suite, the upload', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push.tags).toEqual(['v*.*.*']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(job['runs-on']).toBe('${{ matrix.os }}');
    expect(job.strategy.matrix.os.map((os: string) => os.split('-')[0])).toEqual(['windows', 'macos', 'ubuntu']);
    const ci = indexOf((s) => /^npm ci\b/.test(s.run ?? ''));
    const build = indexOf((s) => s.run === 'npm run build');
    const builder = indexOf((s) => /electron-builder --config build\/electron-builder\.yml/.test(s.run ?? ''));
    const suite = indexOf((s) => (s.run ?? '').includes('playwright test -c playwright.electron.config.ts'));
    const upload = indexOf((s) => (s.uses ?? '').startsWith('actions/upload-artifact@'));
    expect([ci, build, builder, suite, upload].every((i) => i >= 0)).toBe(true);
    expect(ci < build && build < builder && builder < suite && suite < upload).toBe(true);
    expect(steps.find((s) => s.if === "runner.os == 'Linux'" && (s.run ?? '').includes('playwright'))?.run).toMatch(
      /^xvfb-run /,
    );
    for (const platform of ['win', 'mac', 'linux'])
      expect(
        steps.some((s) =>
          (s.run ?? '').includes(`electron-builder --config build/electron-builder.yml --${platform} `),
        ),
      ).toBe(true);
    for (const s of steps.filter((x) => /--(win|mac) /.test(x.run ?? '')))
      expect(s.run).toContain('-c.forceCodeSigning=true');
    expect(steps.find((s) => (s.run ?? '').includes('--mac '))?.env?.HEALTHSPHERE_REQUIRE_NOTARIZATION).toBe('1');
    const uploaded = steps[upload].with.path as string;
    for (const ext of ['exe', 'msi', 'dmg', 'deb', 'rpm', 'AppImage']) expect(uploaded).toContain(`dist/*.${ext}`);
    expect(steps[upload].with['if-no-files-found']).toBe('error');
    expect(steps.find((s) => (s.uses ?? '').startsWith('actions/checkout@'))?.with?.['persist-credentials']).toBe(
      false,
    );
    expect(workflow.jobs.release.permissions).toEqual({ contents: 'write' });
  });

  it('uses secrets only as ${{ secrets.NAME }} in the env of the step that needs them, never in a command line', () => {
    const misplaced: string[] = [];
    const secretEnv = new Map<string, string[]>(); // step → env names holding secrets
    const walk = (value: unknown, at: string[]): void => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, String(i)]));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
      else if (typeof value === 'string') {
        if (at[at.length - 1] === 'run' && value.includes('${{'))
          misplaced.push(`${at.join('.')}: an expression in a command line`);
        if (!value.includes('secrets.')) return;
        const exact = /^\$\{\{\s*secrets\.[A-Z0-9_]+\s*\}\}$/.test(value);
        const inStepEnv = at.length === 6 && at[0] === 'jobs' && at[2] === 'steps' && at[4] === 'env';
        if (!exact || !inStepEnv) misplaced.push(`${at.join('.')}: ${value}`);
        else secretEnv.set(at.slice(0, 4).join('.'), [...(secretEnv.get(at.slice(0, 4).join('.')) ?? []), at[5]!]);
      }
    };
    walk(workflow, []);
    expect(misplaced).toEqual([]);
    expect(secretEnv.size).toBeGreaterThan(0);
    // A step given a secret never names it in its command: nothing can echo it.
    for (const [at, names] of secretEnv) {
      const [, jobName, , index] = at.split('.');
      const run = String(workflow.jobs[jobName!].steps[Number(index)].run ?? '');
      for (const name of names) expect(run, `${at} uses ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
    // Each platform's signing secrets only on that platform's step.
    const byPlatform = (flag: string) =>
      Object.keys(
        steps.find((s) => (s.run ?? '').includes(`electron-builder --config build/electron-builder.yml ${flag} `))
          ?.env ?? {},
      );
    expect(byPlatform('--win')).toEqual(['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD']);
    expect(byPlatform('--mac').filter((n) => n !== 'HEALTHSPHERE_REQUIRE_NOTARIZATION')).toEqual([
      'CSC_LINK',
      'CSC_KEY_PASSWORD',
      'APPLE_API_KEY',
      'APPLE_API_KEY_ID',
      'APPLE_API_ISSUER',
    ]);
    expect(byPlatform('--linux')).toEqual([]);
    expect(workflow.env).toBeUndefined();
    for (const j of Object.values(workflow.jobs) as Array<{ env?: unknown }>) expect(j.env).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real pack.

/** Electron's fuse wire as a fresh Electron binary carries it (version 1, 8 fuses: Electron's defaults). */
const STAND_IN_WIRE = '10110001';

function makeStandInElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  fs.writeFileSync(
    path.join(dir, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "a stand-in for the Electron binary, which cannot be downloaded here"\nexit 1\n'),
      Buffer.from(SENTINEL),
      Buffer.from([1, STAND_IN_WIRE.length]),
      Buffer.from(STAND_IN_WIRE),
    ]),
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(dir, 'version'), String(requireRoot('electron/package.json').version));
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stand-in');
}

// Runs in a separate Node process in the extracted app: `electron` is a stand-in whose app refuses the single-instance
// lock (so out/main/index.js loads all its modules and quits at once); nothing outside the app folder is resolvable.
const RUNTIME_CHECK = `
const path = require('node:path');
const Module = require('node:module');
const { Worker } = require('node:worker_threads');
const [root, specsJson] = process.argv.slice(2);
const noop = () => undefined;
function stub(own = {}) {
  return new Proxy(Object.assign(function () {}, own), {
    get: (t, k) => (k in t ? t[k] : k === 'then' || typeof k === 'symbol' ? undefined : stub()),
    apply: () => stub(),
  });
}
const electron = stub({
  app: stub({ requestSingleInstanceLock: () => false, quit: noop, isPackaged: true, on: noop, enableSandbox: noop,
    whenReady: () => new Promise(noop), getPath: () => root }),
});
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'electron' ? electron : load.call(this, request, ...rest); };
(async () => {
  const resolved = {};
  for (const spec of JSON.parse(specsJson)) {
    const file = require.resolve(spec, { paths: [path.join(root, 'out/main')] });
    if (!file.startsWith(root + path.sep)) throw new Error(spec + ' resolved outside the packed app: ' + file);
    require(file);
    resolved[spec] = path.relative(root, file).split(path.sep).join('/');
  }
  const Database = require(require.resolve('better-sqlite3', { paths: [root] }));
  const db = new Database(':memory:');
  const sqlite = db.prepare('select sqlite_version() as v').get().v;
  db.close();
  const argon2 = require(require.resolve('argon2', { paths: [root] }));
  const hash = await argon2.hash('packed', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const argon2Verified = await argon2.verify(hash, 'packed');
  require(path.join(root, 'out/main/index.js'));
  const workerExit = await new Promise((resolve, reject) => {
    const w = new Worker(path.join(root, 'out/main/audit-worker.js'));
    w.on('error', reject);
    w.on('exit', resolve);
  });
  process.stdout.write(JSON.stringify({ resolved, sqlite, argon2Verified, workerExit }), () => process.exit(0));
})().catch((err) => { console.error((err && err.stack) || err); process.exit(1); });
`;

describe('the app as electron-builder packs it (--linux dir, stand-in Electron binary)', () => {
  let work = '';
  let appDir = '';
  let archive = '';
  let packed: string[] = [];

  beforeAll(() => {
    ensureBuilt();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-pack-'));
    makeStandInElectron(path.join(work, 'electron'));
    const env: NodeJS.ProcessEnv = { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' };
    for (const k of Object.keys(env)) if (/^(WIN_)?CSC_|^APPLE_/.test(k)) delete env[k];
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const r = spawnSync(
      path.join(ROOT, 'node_modules/.bin/electron-builder'),
      [
        '--config',
        'build/electron-builder.yml',
        '--linux',
        'dir',
        `--${arch}`,
        '--publish',
        'never',
        `-c.electronDist=${path.join(work, 'electron')}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${path.join(work, 'dist')}`,
      ],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 400_000 },
    );
    if (r.status !== 0) throw new Error(`electron-builder failed:\n${r.stdout}\n${r.stderr}`);
    appDir = path.join(work, 'dist', arch === 'x64' ? 'linux-unpacked' : `linux-${arch}-unpacked`);
    archive = path.join(appDir, 'resources/app.asar');
    packed = asar.listPackage(archive).map((p) => p.replace(/\\/g, '/').replace(/^\//, ''));
  }, 420_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('flips the six fuses in the Electron binary and leaves the others as Electron has them', async () => {
    const wire = await fuses.getCurrentFuseWire(path.join(appDir, 'healthsphere'));
    const state = (option: string): string => String.fromCharCode(Number(wire[fuses.FuseV1Options[option]!]));
    expect(state('RunAsNode')).toBe('0');
    expect(state('EnableNodeOptionsEnvironmentVariable')).toBe('0');
    expect(state('EnableNodeCliInspectArguments')).toBe('0');
    expect(state('EnableCookieEncryption')).toBe('1');
    expect(state('OnlyLoadAppFromAsar')).toBe('1');
    expect(state('EnableEmbeddedAsarIntegrityValidation')).toBe('1');
    expect(state('LoadBrowserProcessSpecificV8Snapshot')).toBe(STAND_IN_WIRE[6]);
    expect(state('GrantFileProtocolExtraPrivileges')).toBe(STAND_IN_WIRE[7]);
  });

  it('contains the built main process, audit worker, preload and page, and package.json pointing at them', () => {
    const built = ['main', 'preload', 'renderer'].flatMap((part) =>
      fs
        .readdirSync(path.join(OUT, part), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.name.endsWith('.map'))
        .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/')),
    );
    expect(built).toContain('out/main/index.js');
    expect(built).toContain('out/main/audit-worker.js');
    expect(built).toContain('out/preload/index.js');
    expect(built).toContain('out/renderer/index.html');
    const app = packed.filter((p) => p.startsWith('out/') && !asar.statFile(archive, p).unpacked && !p.endsWith('/'));
    expect(app.filter((p) => /\.[a-z0-9]+$/i.test(p)).sort()).toEqual(built.sort());
    const meta = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as {
      main: string;
      devDependencies?: object;
    };
    expect(meta.main).toBe('./out/main/index.js');
    // The worker is loaded by worker_threads from inside app.asar (supported since Electron 18): not unpacked.
    expect(asar.statFile(archive, 'out/main/audit-worker.js').unpacked).toBeFalsy();
  });

  it('contains exactly the production dependencies, and keeps sources, tests, the preview, dev tools and secrets out', () => {
    const roots = new Set(packed.map((p) => p.split('/')[0]));
    expect([...roots].sort()).toEqual(['node_modules', 'out', 'package.json']);
    expect(packed.filter((p) => p.startsWith('out/') && !/^out\/(main|preload|renderer)(\/|$)/.test(p))).toEqual([]);
    expect(packed.filter((p) => !p.startsWith('node_modules/') && /\.(ts|tsx|map)$/.test(p))).toEqual([]);
    expect(packed.filter((p) => /(^|\/)\.env(\.|$)|\.(p12|pfx|p8|pem|key)$/i.test(p))).toEqual([]);
    // Each package in the archive, by name@version, against what package.json's dependencies need.
    const inArchive = new Set(
      packed
        .filter((p) => /^(.*\/)?node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(p))
        .map((p) => {
          const m = JSON.parse(asar.extractFile(archive, p).toString()) as { name: string; version: string };
          return `${m.name}@${m.version}`;
        }),
    );
    const needed = productionClosure();
    expect(
      [...needed.keys()].filter((k) => !inArchive.has(k)),
      'needed but not packed',
    ).toEqual([]);
    expect(
      [...inArchive].filter((k) => !needed.has(k)),
      'packed but not needed',
    ).toEqual([]);
    for (const dev of [...Object.keys(pkg.devDependencies), ...NOT_PACKED, 'esbuild'])
      if (![...needed.values()].some((p) => p.name === dev))
        expect(packed, dev).not.toContain(`node_modules/${dev}/package.json`);
    // Native modules' sources, their build leftovers and other platforms' prebuilt binaries stay out.
    expect(
      packed.filter((p) => /node_modules\/(better-sqlite3\/(deps|src)|argon2\/(argon2|prebuilds))\//.test(p)),
    ).toEqual([]);
    expect(
      packed.filter((p) => /build\/Release\/(obj|obj\.target|\.deps)\/|test_extension\.node$|\.a$/.test(p)),
    ).toEqual([]);
  });

  it('keeps every native module outside app.asar, in app.asar.unpacked', () => {
    const native = packed.filter((p) => p.endsWith('.node'));
    expect(native.sort()).toEqual([
      'node_modules/argon2/build/Release/argon2.node',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    ]);
    for (const p of native) {
      expect(asar.statFile(archive, p).unpacked, p).toBe(true);
      expect(fs.existsSync(path.join(appDir, 'resources/app.asar.unpacked', p)), p).toBe(true);
    }
  });

  it('runs from its packed files alone: every module the main process and the audit worker require, the native modules, the main bundle and the worker', () => {
    const extracted = path.join(work, 'extracted');
    asar.extractAll(archive, extracted);
    // Every package the built main-process code requires by name, and knex's SQLite driver, which knex requires by
    // the client's name.
    const builtins = new Set(requireRoot('node:module').builtinModules as string[]);
    const specs = new Set<string>(['better-sqlite3']);
    for (const f of fs.readdirSync(path.join(OUT, 'main'), { recursive: true }) as string[]) {
      if (!f.endsWith('.js')) continue;
      for (const m of fs
        .readFileSync(path.join(OUT, 'main', f), 'utf8')
        .matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
        const spec = m[1]!;
        if (spec === 'electron' || spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue;
        specs.add(spec);
      }
    }
    expect(specs.size).toBeGreaterThan(5);
    const script = path.join(work, 'runtime-check.cjs');
    fs.writeFileSync(script, RUNTIME_CHECK);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['NODE_PATH'];
    delete env['NODE_OPTIONS'];
    const r = spawnSync(process.execPath, [script, extracted, JSON.stringify([...specs])], {
      cwd: extracted,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      resolved: Record<string, string>;
      sqlite: string;
      argon2Verified: boolean;
      workerExit: number;
    };
    expect(Object.keys(result.resolved).sort()).toEqual([...specs].sort());
    for (const file of Object.values(result.resolved)) expect(file).toMatch(/^node_modules\//);
    expect(result.sqlite).toMatch(/^3\./);
    expect(result.argon2Verified).toBe(true);
    expect(result.workerExit).toBe(0);
  }, 150_000);
});

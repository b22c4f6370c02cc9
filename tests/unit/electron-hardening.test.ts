// Electron's security checklist, the items a static check can prove here (docs/security-checklist.md): read from the
// TypeScript sources with the compiler's parser, and from the built out/preload and out/renderer. The Electron
// binary cannot run on these machines, so these checks stand where a test would otherwise drive the real window.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRACE_DAYS, installedElectron, judgeElectronVersion } from '../../scripts/electron-version';
import { contentSecurityPolicy } from '../../src/main/shell/csp';
import { ensureBuilt, OUT, ROOT } from '../support/built-app';

const SRC = path.join(ROOT, 'src');
const WINDOW_FACTORY = 'src/main/shell/window.ts';
const IPC_FILE = 'src/main/shell/ipc.ts';
const PRELOAD = 'src/preload/index.ts';

interface Source {
  file: string; // relative to the repository, forward slashes
  ast: ts.SourceFile;
}

function listFiles(dir: string, test: (name: string) => boolean): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return listFiles(full, test);
    return test(e.name) ? [full] : [];
  });
}

const sources: Source[] = listFiles(SRC, (n) => /\.(ts|tsx|mts|cts)$/.test(n) && !n.endsWith('.d.ts')).map((full) => ({
  file: path.relative(ROOT, full).split(path.sep).join('/'),
  ast: ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true),
}));

function nodesOf<T extends ts.Node>(source: Source, test: (n: ts.Node) => n is T): T[] {
  const found: T[] = [];
  const visit = (n: ts.Node): void => {
    if (test(n)) found.push(n);
    n.forEachChild(visit);
  };
  visit(source.ast);
  return found;
}

const where = (source: Source, node: ts.Node): string =>
  `${source.file}:${source.ast.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

/** Calls `<anything>.<method>(...)`, e.g. `contents.on(...)`, `ipcMain.handle(...)`. */
function methodCalls(
  source: Source,
  methods: string[],
): Array<{ call: ts.CallExpression; target: string; method: string }> {
  return nodesOf(source, ts.isCallExpression)
    .filter((c) => ts.isPropertyAccessExpression(c.expression) && methods.includes(c.expression.name.text))
    .map((call) => {
      const access = call.expression as ts.PropertyAccessExpression;
      return { call, target: access.expression.getText(), method: access.name.text };
    });
}

function propertyName(p: ts.ObjectLiteralElementLike): string | undefined {
  if (!p.name) return undefined;
  if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) return p.name.text;
  return undefined;
}

function literalValue(e: ts.Expression): boolean | string | undefined {
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isStringLiteralLike(e)) return e.text;
  return undefined;
}

const sourceOf = (file: string): Source => {
  const s = sources.find((x) => x.file === file);
  if (!s) throw new Error(`${file} is missing`);
  return s;
};

/** Handlers registered with `<target>.on('<event>', handler)` in a file. */
function eventHandlers(source: Source, event: string): ts.Node[] {
  return methodCalls(source, ['on', 'once'])
    .filter(({ call }) => call.arguments[0] && literalValue(call.arguments[0]) === event)
    .map(({ call }) => call.arguments[1]!)
    .filter(Boolean);
}

describe('the window factory (checklist 2, 3, 4, 6, 8, 9, 10, 11, 12)', () => {
  const WINDOW_CLASSES = ['BrowserWindow', 'BrowserView', 'WebContentsView'];
  const windows = sources.flatMap((s) =>
    nodesOf(s, ts.isNewExpression)
      .filter((n) => {
        const name = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : n.expression.getText();
        return WINDOW_CLASSES.includes(name);
      })
      .map((node) => ({ source: s, node })),
  );

  it('is the only place that makes a window or a web view', () => {
    expect(windows.length).toBeGreaterThan(0);
    const elsewhere = windows.filter((w) => w.source.file !== WINDOW_FACTORY).map((w) => where(w.source, w.node));
    expect(elsewhere, 'make every window with createMainWindow in src/main/shell/window.ts').toEqual([]);
    const views = windows.filter((w) => !w.node.expression.getText().endsWith('BrowserWindow'));
    expect(
      views.map((w) => where(w.source, w.node)),
      'no BrowserView or WebContentsView',
    ).toEqual([]);
    // webContents.create / <webview> would be renderers outside the factory too.
    const created = sources.flatMap((s) =>
      methodCalls(s, ['create'])
        .filter(({ target }) => target === 'webContents')
        .map(({ call }) => where(s, call)),
    );
    expect(created).toEqual([]);
  });

  it('makes every window sandboxed and context-isolated, without Node, webviews or insecure content', () => {
    const required: Record<string, boolean> = {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    };
    for (const { source, node } of windows) {
      const options = node.arguments?.[0];
      expect(options && ts.isObjectLiteralExpression(options), `${where(source, node)}: write the options out`).toBe(
        true,
      );
      const prefs = (options as ts.ObjectLiteralExpression).properties.find(
        (p) => propertyName(p) === 'webPreferences',
      );
      expect(prefs && ts.isPropertyAssignment(prefs) && ts.isObjectLiteralExpression(prefs.initializer)).toBe(true);
      const props = new Map(
        ((prefs as ts.PropertyAssignment).initializer as ts.ObjectLiteralExpression).properties.map((p) => [
          propertyName(p),
          p,
        ]),
      );
      expect(
        [...props.keys()].filter((k) => k === undefined),
        `${where(source, node)}: no spread or computed webPreferences`,
      ).toEqual([]);
      for (const [name, value] of Object.entries(required)) {
        const p = props.get(name);
        expect(
          p && ts.isPropertyAssignment(p) ? literalValue(p.initializer) : 'missing',
          `${where(source, node)}: ${name}`,
        ).toBe(value);
      }
      for (const name of ['experimentalFeatures', 'enableBlinkFeatures', 'nodeIntegrationInWorker']) {
        const p = props.get(name);
        expect(
          !p || (ts.isPropertyAssignment(p) && literalValue(p.initializer) === false),
          `${where(source, node)}: ${name}`,
        ).toBe(true);
      }
      // Developer tools: never switched on for good (kiosk-window.ts turns them off in the packaged app).
      const devTools = props.get('devTools');
      expect(devTools && ts.isPropertyAssignment(devTools) ? literalValue(devTools.initializer) : undefined).not.toBe(
        true,
      );
      const preload = props.get('preload');
      expect(preload && ts.isPropertyAssignment(preload) ? preload.initializer.getText() : '').toBe('PRELOAD_FILE');
    }
  });

  it('is backed by app.enableSandbox(), which sandboxes every renderer whatever its options say', () => {
    const calls = methodCalls(sourceOf('src/main/index.ts'), ['enableSandbox']).filter((c) => c.target === 'app');
    expect(calls).toHaveLength(1);
  });

  it('refuses navigation away from the app page, new windows and webviews (checklist 11-14)', () => {
    const factory = sourceOf(WINDOW_FACTORY);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const handlers = eventHandlers(factory, event);
      expect(handlers.length, `a ${event} handler`).toBeGreaterThan(0);
      for (const h of handlers) expect(h.getText(), event).toContain('preventDefault()');
    }
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect'])
      for (const h of eventHandlers(factory, event)) expect(h.getText(), event).toContain('isAppUrl(');
    const openHandlers = methodCalls(factory, ['setWindowOpenHandler']);
    expect(openHandlers.length, 'one setWindowOpenHandler per window').toBe(windows.length);
    for (const { call } of openHandlers) {
      const handler = call.arguments[0]!.getText();
      expect(handler).toMatch(/action:\s*'deny'/);
      expect(handler).not.toContain('allow');
    }
  });

  it('sets the Content-Security-Policy header and a deny-by-default permission handler on its session (checklist 5, 7)', () => {
    const factory = sourceOf(WINDOW_FACTORY);
    const text = factory.ast.getText();
    expect(text).toMatch(/webRequest\.onHeadersReceived\(/);
    expect(text).toMatch(/'Content-Security-Policy': \[csp\]/);
    for (const handler of ['setPermissionRequestHandler', 'setPermissionCheckHandler', 'setDevicePermissionHandler']) {
      const calls = methodCalls(factory, [handler]);
      expect(calls.length, handler).toBe(1);
    }
    expect(methodCalls(factory, ['setPermissionRequestHandler'])[0]!.call.getText()).toContain('isPermissionAllowed(');
    expect(methodCalls(factory, ['setPermissionCheckHandler'])[0]!.call.getText()).toContain('isPermissionAllowed(');
    expect(methodCalls(factory, ['setDevicePermissionHandler'])[0]!.call.getText()).toMatch(/=>\s*false/);
  });
});

describe('the rest of the sources', () => {
  it('never turn a protection off, anywhere (checklist 2-4, 6, 8-10)', () => {
    const insecure: Record<string, boolean> = {
      nodeIntegration: true,
      nodeIntegrationInWorker: true,
      nodeIntegrationInSubFrames: true,
      contextIsolation: false,
      sandbox: false,
      webSecurity: false,
      allowRunningInsecureContent: true,
      experimentalFeatures: true,
      webviewTag: true,
    };
    const found: string[] = [];
    for (const s of sources) {
      for (const p of nodesOf(s, ts.isPropertyAssignment)) {
        const name = propertyName(p);
        if (name === undefined) continue;
        if (name in insecure && literalValue(p.initializer) === insecure[name])
          found.push(`${where(s, p)} ${p.getText()}`);
        if (name === 'enableBlinkFeatures') found.push(`${where(s, p)} ${p.getText()}`);
      }
      // Chromium switches and events that switch off the sandbox, web security or certificate checks.
      for (const lit of nodesOf(s, ts.isStringLiteralLike)) {
        if (
          /^(--)?(no-sandbox|disable-web-security|ignore-certificate-errors|disable-site-isolation-trials|allow-insecure-localhost)$/.test(
            lit.text,
          ) ||
          lit.text === 'certificate-error' ||
          lit.text === 'ELECTRON_DISABLE_SECURITY_WARNINGS'
        )
          found.push(`${where(s, lit)} '${lit.text}'`);
      }
      for (const id of nodesOf(s, ts.isIdentifier))
        if (id.text === 'setCertificateVerifyProc') found.push(`${where(s, id)} setCertificateVerifyProc`);
    }
    expect(found).toEqual([]);
  });

  it('never write HTML into the page: React escapes, nothing bypasses it (checklist 7, 18)', () => {
    const RAW_HTML = ['dangerouslySetInnerHTML', 'innerHTML', 'outerHTML', 'insertAdjacentHTML'];
    const page = sources.filter((s) => s.file.startsWith('src/renderer/') || s.file.startsWith('src/preload/'));
    const found = page.flatMap((s) => [
      ...nodesOf(s, ts.isIdentifier)
        .filter((id) => RAW_HTML.includes(id.text))
        .map((id) => `${where(s, id)} ${id.text}`),
      ...methodCalls(s, ['write', 'writeln'])
        .filter((c) => c.target === 'document')
        .map((c) => `${where(s, c.call)} document.${c.method}`),
    ]);
    expect(found).toEqual([]);
  });

  it('never call shell.openExternal or shell.openPath (checklist 15)', () => {
    const found = sources.flatMap((s) =>
      nodesOf(s, ts.isIdentifier)
        .filter((id) => id.text === 'openExternal' || id.text === 'openPath')
        .map((id) => where(s, id)),
    );
    expect(found, 'nothing the app shows may open URLs or files in other programs').toEqual([]);
  });

  it('load only the app page: loadFile and the dev server URL in the window factory, nothing remote (checklist 1)', () => {
    const loads = sources.flatMap((s) =>
      methodCalls(s, ['loadURL', 'loadFile', 'loadExtension']).map((c) => ({ source: s, ...c })),
    );
    expect(loads.map((l) => l.source.file)).toEqual(loads.map(() => WINDOW_FACTORY));
    for (const l of loads.filter((x) => x.method === 'loadURL'))
      // Only `electron-vite dev`'s server: resolveAppLocation ignores it in a packaged app (sender-check.test.ts).
      expect(l.call.arguments[0]!.getText()).toContain('ELECTRON_RENDERER_URL');
    expect(loads.filter((l) => l.method === 'loadExtension')).toEqual([]);
  });

  it('register IPC only in ipc.ts, and every handler checks its sender before anything else (checklist 17)', () => {
    const registrations = sources.flatMap((s) =>
      methodCalls(s, ['handle', 'handleOnce', 'on', 'once', 'addListener', 'prependListener'])
        .filter((c) => c.target === 'ipcMain')
        .map((c) => ({ source: s, ...c })),
    );
    expect(registrations.length).toBeGreaterThan(0);
    for (const r of registrations) {
      expect(r.source.file, where(r.source, r.call)).toBe(IPC_FILE);
      const handler = r.call.arguments[r.call.arguments.length - 1]!.getText();
      const check = handler.indexOf('isTrustedSender(');
      expect(check, `${where(r.source, r.call)} checks the sender`).toBeGreaterThan(-1);
      const dispatch = handler.indexOf('dispatch(');
      if (dispatch !== -1) expect(check).toBeLessThan(dispatch);
    }
    const mentions = sources.filter((s) => s.file !== IPC_FILE && /\bipcMain\b/.test(s.ast.getText()));
    expect(mentions.map((s) => s.file)).toEqual([]);
  });

  it('expose one object to the page, window.api, and never ipcRenderer itself (checklist 20)', () => {
    const exposures = sources.flatMap((s) =>
      methodCalls(s, ['exposeInMainWorld', 'exposeInIsolatedWorld']).map((c) => ({ source: s, ...c })),
    );
    expect(exposures.map((e) => `${e.source.file} ${literalValue(e.call.arguments[0]!)}`)).toEqual([`${PRELOAD} api`]);
    // ipcRenderer appears only as the receiver of invoke/on/removeListener: it is never passed, returned or stored.
    const preload = sourceOf(PRELOAD);
    const misuse = nodesOf(preload, ts.isIdentifier)
      .filter((id) => id.text === 'ipcRenderer' && !ts.isImportSpecifier(id.parent))
      .filter(
        (id) =>
          !(
            ts.isPropertyAccessExpression(id.parent) &&
            id.parent.expression === id &&
            ['invoke', 'on', 'once', 'off', 'removeListener'].includes(id.parent.name.text)
          ),
      )
      .map((id) => where(preload, id));
    expect(misuse).toEqual([]);
    // The page itself never reaches Electron.
    const rendererElectron = sources
      .filter((s) => s.file.startsWith('src/renderer/'))
      .filter((s) => /from ['"]electron['"]|require\(['"]electron['"]\)/.test(s.ast.getText()))
      .map((s) => s.file);
    expect(rendererElectron).toEqual([]);
  });
});

/** Where built code loads something from the network: import, fetch, sockets, workers, src/href/action values. */
const REMOTE_LOAD =
  /(?:\bimport\s*\(\s*|\bimport\s+|\bfrom\s*|\bfetch\s*\(\s*|\bnew\s+(?:WebSocket|Worker|SharedWorker|EventSource)\s*\(\s*|\bimportScripts\s*\(\s*|\b(?:src|href|action|formAction|poster|srcSet|srcset|data)\s*[:=]\s*)["'`](?:(?:https?|wss?|ftp):)?\/\/[^"'`\s]*/g;
const REMOTE_CSS = /(?:url\(\s*["']?|@import\s+["'])(?:(?:https?|ftp):)?\/\/[^"')\s]*/g;

function remoteLoads(text: string, css = false): string[] {
  return [...text.matchAll(css ? REMOTE_CSS : REMOTE_LOAD)].map((m) => m[0]);
}

describe('the built preload and page (out/, checklist 1 and 7)', () => {
  beforeAll(() => ensureBuilt(), 200_000);

  it('the detector finds remote loads and leaves namespaces and links in messages alone', () => {
    expect(remoteLoads('fetch("https://evil.example/x")')).toHaveLength(1);
    expect(remoteLoads('import(`https://cdn.example/m.js`)')).toHaveLength(1);
    expect(remoteLoads('const s=new WebSocket("wss://h.example")')).toHaveLength(1);
    expect(remoteLoads('<script src="//cdn.example/a.js"></script>')).toHaveLength(1);
    expect(remoteLoads('e.createElement("img",{src:"http://t.example/p.gif"})')).toHaveLength(1);
    expect(remoteLoads('body{background:url(https://t.example/b.png)}', true)).toHaveLength(1);
    expect(remoteLoads('createElementNS("http://www.w3.org/2000/svg","svg")')).toEqual([]);
    expect(remoteLoads('throw Error("see https://react.dev/errors/"+e)')).toEqual([]);
  });

  it('load nothing from the network', () => {
    const files = [
      ...listFiles(path.join(OUT, 'renderer'), (n) => /\.(js|mjs|html|css)$/.test(n)),
      path.join(OUT, 'preload/index.js'),
    ];
    const found = files.flatMap((f) =>
      remoteLoads(fs.readFileSync(f, 'utf8'), f.endsWith('.css')).map((m) => `${path.relative(ROOT, f)}: ${m}`),
    );
    expect(found).toEqual([]);
  });

  it('index.html refers only to files of the app and carries the strict Content-Security-Policy', () => {
    const html = fs.readFileSync(path.join(OUT, 'renderer/index.html'), 'utf8');
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, 'a relative reference').not.toMatch(/^([a-z][a-z0-9+.-]*:|\/\/)/i);
      expect(fs.existsSync(path.join(OUT, 'renderer', ref.split(/[?#]/)[0]!)), `${ref} is in out/renderer`).toBe(true);
    }
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy({ delivery: 'meta' }));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  });
});

describe('a current Electron (checklist 16; scripts/electron-version.ts asks the registry in npm test)', () => {
  const day = 24 * 60 * 60 * 1000;
  const now = new Date('2026-11-28T12:00:00Z');
  const ago = (days: number): string => new Date(now.getTime() - days * day).toISOString();
  const published = {
    created: ago(4000),
    modified: ago(1),
    '42.0.0': ago(200),
    '43.0.0': ago(150),
    '43.8.12': ago(9),
    '44.0.0': ago(100),
    '44.11.5': ago(9),
    '45.0.0': ago(40),
    '45.4.1': ago(20),
    '45.5.0': ago(4),
    '46.0.0-beta.3': ago(2),
  };

  it('passes the newest release of a supported major, and a release whose successor is under 14 days old', () => {
    expect(judgeElectronVersion('45.5.0', published, now)).toMatchObject({ ok: true });
    expect(judgeElectronVersion('45.4.1', published, now)).toMatchObject({ ok: true });
    expect(judgeElectronVersion('43.8.12', published, now)).toMatchObject({ ok: true });
  });

  it('fails a major Electron no longer supports, a release left behind for more than 14 days, and a prerelease', () => {
    const old = judgeElectronVersion('42.0.0', published, now);
    expect(old.ok).toBe(false);
    expect(old.message).toContain('no longer supported');
    expect(old.message).toContain('43, 44, 45');
    const behind = judgeElectronVersion('45.0.0', published, now);
    expect(behind.ok).toBe(false);
    expect(behind.message).toContain(`more than ${GRACE_DAYS} days`);
    expect(behind.message).toContain('45.5.0');
    expect(judgeElectronVersion('46.0.0-beta.3', published, now).ok).toBe(false);
    expect(judgeElectronVersion('45.9.9', published, now).ok).toBe(false);
  });

  it('the Electron installed here is the one package-lock.json pins', () => {
    const { version, problem } = installedElectron(ROOT);
    expect(problem).toBeUndefined();
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(45);
  });
});

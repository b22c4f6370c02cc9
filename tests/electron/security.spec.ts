// What the hardened shell looks like from inside the real app's window (issue 8, items 1 and 6): the renderer has
// window.api and nothing of Node, the window's web preferences are locked down, the CSP refuses inline scripts and
// eval, and the window neither navigates away nor opens another window.
import { expect, test } from './fixtures';

/** Typed by hand: this suite is type-checked without the DOM's types. */
type PageGlobals = Record<string, unknown> & {
  document: {
    createElement(tag: string): { textContent: string };
    head: { appendChild(node: unknown): void };
  };
  location: { href: string };
  open(url: string): unknown;
};

test('the renderer has window.api and nothing of Node, under a CSP that refuses inline scripts and eval', async ({
  desktop,
}) => {
  const { app, window } = desktop;
  await expect(window.getByRole('heading', { name: 'Set up HealthSphere', level: 1 })).toBeVisible();
  expect(window.url()).toMatch(/^file:\/\/.+\/out\/renderer\/index\.html$/);

  const seen = await window.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    const api = g['api'] as Record<string, Record<string, unknown>> | undefined;
    return {
      api: typeof api,
      signIn: typeof api?.['session']?.['signIn'],
      ipcRenderer: typeof (api as Record<string, unknown> | undefined)?.['ipcRenderer'],
      require: typeof g['require'],
      process: typeof g['process'],
      module: typeof g['module'],
      Buffer: typeof g['Buffer'],
      global: typeof g['global'],
    };
  });
  expect(seen).toEqual({
    api: 'object',
    signIn: 'function',
    ipcRenderer: 'undefined',
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    Buffer: 'undefined',
    global: 'undefined',
  });

  // window.api reaches the core through the preload and IPC.
  const status = await window.evaluate(() => {
    const api = (globalThis as unknown as { api: { setup: { status(input: object): Promise<unknown> } } }).api;
    return api.setup.status({});
  });
  expect(status).toEqual({ ok: true, value: expect.objectContaining({ needsSetup: true }) });

  // The content security policy: no inline script runs, and eval is refused.
  const csp = await window.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const script = g.document.createElement('script');
    script.textContent = 'globalThis.__inlineScriptRan = true;';
    g.document.head.appendChild(script);
    let evalOutcome = 'ran';
    try {
      (0, eval)('1 + 1');
    } catch (err) {
      evalOutcome = (err as Error).name;
    }
    return { inlineScriptRan: g['__inlineScriptRan'] === true, evalOutcome };
  });
  expect(csp).toEqual({ inlineScriptRan: false, evalOutcome: 'EvalError' });

  // One window, its renderer a sandboxed process (the OS-level sandbox is reported on macOS and Windows only).
  const renderer = await app.evaluate(({ app: electronApp, BrowserWindow }) => {
    const windows = BrowserWindow.getAllWindows();
    const pid = windows[0]?.webContents.getOSProcessId();
    const metric = electronApp.getAppMetrics().find((m) => m.pid === pid);
    return { windows: windows.length, type: metric?.type ?? null, sandboxed: metric?.sandboxed ?? null };
  });
  expect(renderer.windows).toBe(1);
  expect(renderer.type).toBe('Tab');
  if (process.platform !== 'linux') expect(renderer.sandboxed).toBe(true);
});

test('the window refuses to navigate away and to open another window', async ({ desktop }) => {
  const { app, window } = desktop;
  await expect(window.getByRole('heading', { name: 'Set up HealthSphere', level: 1 })).toBeVisible();
  const appUrl = window.url();

  // Watch the main process's view of the window's navigations.
  await app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0]!.webContents;
    const seen: string[] = [];
    (globalThis as unknown as { __navigations: string[] }).__navigations = seen;
    contents.on('will-navigate', (event) => seen.push(`will-navigate ${event.url}`));
    contents.on('did-start-navigation', (event) => seen.push(`did-start-navigation ${event.url}`));
  });
  const navigations = () =>
    app.evaluate(() => (globalThis as unknown as { __navigations: string[] }).__navigations.slice());

  await window.evaluate(() => {
    (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
  });
  // The attempt reaches the main process, which refuses it: no navigation starts.
  await expect.poll(navigations).toContain('will-navigate https://example.com/');
  // A refused navigation leaves no event behind; give a started one time to show (it would follow at once).
  await window.waitForTimeout(1_000);
  expect(await navigations()).not.toContain('did-start-navigation https://example.com/');
  expect(window.url()).toBe(appUrl);
  await expect(window.getByRole('heading', { name: 'Set up HealthSphere', level: 1 })).toBeVisible();

  // window.open is denied: it returns null and no window appears.
  const opened = await window.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.com/'));
  expect(opened).toBeNull();
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  expect(app.windows()).toHaveLength(1);
});

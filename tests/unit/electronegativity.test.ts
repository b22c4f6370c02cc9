// The Electronegativity gate (scripts/electronegativity.ts): the allowlist's rules, and proof on a small insecure
// Electron app that the gate fails where the tool itself would exit 0.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AllowlistEntry,
  type Finding,
  gate,
  inlineSuppressions,
  judge,
  parseAllowlist,
  readSarif,
} from '../../scripts/electronegativity';
import { ROOT } from '../support/built-app';

const entry = (over: Partial<AllowlistEntry> = {}): AllowlistEntry => ({
  check: 'PRELOAD_JS_CHECK',
  file: 'src/main/shell/window.ts',
  occurrences: 1,
  why: 'The preload exposes only window.api, built from the contract; reviewed line by line.',
  reviewedBy: 'a reviewer',
  reviewedOn: '2026-11-01',
  ...over,
});
const finding = (over: Partial<Finding> = {}): Finding => ({
  check: 'PRELOAD_JS_CHECK',
  file: 'src/main/shell/window.ts',
  line: 10,
  column: 1,
  message: 'Review the use of preload scripts',
  helpUri: 'https://github.com/doyensec/electronegativity/wiki/PRELOAD_JS_CHECK',
  ...over,
});

describe('the allowlist', () => {
  const today = new Date('2026-11-28T12:00:00Z');

  it('needs, for each entry, the check, the file, why it is acceptable, who reviewed it and when', () => {
    const ok = parseAllowlist(JSON.stringify({ entries: [entry()] }), today);
    expect(ok.problems).toEqual([]);
    expect(ok.entries).toEqual([entry()]);
    const bad = parseAllowlist(
      JSON.stringify({
        entries: [
          { check: 'PRELOAD_JS_CHECK', file: 'src/a.ts' },
          entry({ why: 'fine' }),
          entry({ reviewedOn: '2026-13-01', file: 'src/b.ts' }),
          entry({ reviewedOn: '2027-01-01', file: 'src/c.ts' }),
          { ...entry({ file: 'src/d.ts' }), line: 12 },
          entry({ file: '../outside.ts' }),
          entry({ occurrences: 0, file: 'src/e.ts' }),
          entry({ file: 'src/f.ts' }),
          entry({ file: 'src/f.ts' }),
        ],
      }),
      today,
    );
    expect(bad.problems).toEqual([
      'entry 1 needs "why" (at least 40 characters)',
      'entry 1 needs "reviewedBy"',
      'entry 1 needs "reviewedOn"',
      'entry 2 needs "why" (at least 40 characters)',
      'entry 3: "reviewedOn" is a date, YYYY-MM-DD',
      'entry 4: "reviewedOn" is in the future',
      'entry 5 has unknown fields: line',
      'entry 6: "file" is a path relative to the repository, with forward slashes',
      'entry 7: "occurrences" is a whole number of at least 1',
      'entry 9 repeats PRELOAD_JS_CHECK in src/f.ts: raise "occurrences" instead',
    ]);
    expect(parseAllowlist('{ nope', today).problems[0]).toMatch(/^not valid JSON/);
    expect(parseAllowlist('{}', today).problems).toEqual(['needs an "entries" array']);
  });

  it('explains a finding by check and file, as many times as it says, and reports entries that match nothing', () => {
    const other = finding({ check: 'NODE_INTEGRATION_JS_CHECK', file: 'src/main/other.ts' });
    const j = judge(
      [finding(), finding({ line: 40 }), other],
      [entry({ occurrences: 2 }), entry({ file: 'src/gone.ts' })],
    );
    expect(j.explained.map((e) => e.finding.line)).toEqual([10, 40]);
    expect(j.unexplained).toEqual([{ finding: other }]);
    expect(j.stale).toEqual([{ entry: entry({ file: 'src/gone.ts' }), found: 0 }]);
    // One more occurrence than reviewed: all of them are shown, none is waved through.
    const more = judge([finding(), finding({ line: 40 })], [entry()]);
    expect(more.explained).toEqual([]);
    expect(more.unexplained).toHaveLength(2);
    expect(more.unexplained[0]!.note).toContain('explains 1 of these in this file, found 2');
    // Fewer than reviewed: the entry must be lowered.
    expect(judge([finding()], [entry({ occurrences: 3 })]).stale).toEqual([
      { entry: entry({ occurrences: 3 }), found: 1 },
    ]);
  });

  it('reads file and line from the SARIF report, relative to the repository', () => {
    const sarif = {
      runs: [
        {
          results: [
            {
              ruleId: 'AUXCLICK_JS_CHECK',
              message: { text: 'Limit navigation flows' },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'main\\shell\\window.ts' },
                    region: { startLine: 53, startColumn: 18 },
                  },
                },
              ],
            },
            {
              ruleId: 'CSP_GLOBAL_CHECK',
              message: { text: 'No CSP' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///' } } }],
            },
          ],
        },
      ],
    };
    expect(readSarif(JSON.stringify(sarif), 'src')).toEqual([
      finding({
        check: 'AUXCLICK_JS_CHECK',
        file: 'src/main/shell/window.ts',
        line: 53,
        column: 18,
        message: 'Limit navigation flows',
        helpUri: 'https://github.com/doyensec/electronegativity/wiki/AUXCLICK_JS_CHECK',
      }),
      finding({
        check: 'CSP_GLOBAL_CHECK',
        file: '(global)',
        line: 0,
        column: 0,
        message: 'No CSP',
        helpUri: 'https://github.com/doyensec/electronegativity/wiki/CSP_GLOBAL_CHECK',
      }),
    ]);
  });

  it('is the only way to accept a finding: an inline eng-disable comment fails the gate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-eng-disable-'));
    try {
      const file = path.join(dir, 'main.js');
      fs.writeFileSync(
        file,
        'const a = 1;\nconst w = new BrowserWindow({}); /* eng-disable NODE_INTEGRATION_JS_CHECK */\n',
      );
      expect(inlineSuppressions([file], dir)).toEqual([
        'main.js:2 silences a check inline (eng-disable): explain it in the allowlist instead',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A small Electron app with the classic mistakes: Node in the page, no isolation, remote content, openExternal.
const INSECURE_MAIN = `const { app, BrowserWindow, shell } = require('electron');
app.whenReady().then(() => {
  const win = new BrowserWindow({
    webPreferences: { nodeIntegration: true, contextIsolation: false },
  });
  win.loadURL('http://intranet.example/app.html');
  win.webContents.on('new-window', (event, url) => shell.openExternal(url));
});
`;

describe('the gate on an insecure app', () => {
  let dir: string;
  const options = (allowlist: object) => {
    fs.writeFileSync(path.join(dir, 'allowlist.json'), JSON.stringify(allowlist));
    return {
      root: dir,
      input: 'app',
      allowlist: path.join(dir, 'allowlist.json'),
      sarif: path.join(dir, 'report.sarif'),
    };
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-electronegativity-'));
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app/main.js'), INSECURE_MAIN);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails the build (exit 1) and names each unexplained finding with its file and line', () => {
    options({ entries: [] });
    const r = spawnSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [
        path.join(ROOT, 'scripts/electronegativity.ts'),
        '--root',
        dir,
        '--input',
        'app',
        '--allowlist',
        'allowlist.json',
        '--sarif',
        'report.sarif',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL +NODE_INTEGRATION_JS_CHECK +app\/main\.js:4/);
    expect(r.stdout).toMatch(/FAIL +CONTEXT_ISOLATION_JS_CHECK +app\/main\.js:4/);
    expect(r.stdout).toMatch(/FAIL +OPEN_EXTERNAL_JS_CHECK +app\/main\.js:7/);
    expect(r.stdout).toContain('nodeIntegration: true'); // the offending source line
    expect(r.stdout).toContain('add a reviewed entry to allowlist.json');
    expect(r.stdout).toMatch(/electronegativity: FAILED; SARIF report: report\.sarif/);
    expect(readSarif(fs.readFileSync(path.join(dir, 'report.sarif'), 'utf8'), 'app').length).toBeGreaterThan(3);
  }, 150_000);

  it('passes once every finding is reviewed, and fails again on an entry that matches nothing', async () => {
    const first = await gate(options({ entries: [] }));
    expect(first.ok).toBe(false);
    const keyOf = (f: Finding): string => `${f.check}|${f.file}`;
    const reviewed = [...new Set(first.findings.map(keyOf))].map((key) => {
      const [check, file] = key.split('|') as [string, string];
      return entry({ check, file, occurrences: first.findings.filter((f) => keyOf(f) === key).length });
    });
    const passed = await gate(options({ entries: reviewed }));
    expect(passed.problems).toEqual([]);
    expect(passed.unexplained).toEqual([]);
    expect(passed.ok).toBe(true);

    const stale = entry({ check: 'WEB_SECURITY_JS_CHECK', file: 'app/main.js' });
    const withStale = await gate(options({ entries: [...reviewed, stale] }));
    expect(withStale.ok).toBe(false);
    expect(withStale.stale).toEqual([{ entry: stale, found: 0 }]);
  }, 150_000);
});

// Electronegativity (Doyensec's scanner for Electron security anti-patterns) as a build gate. The tool itself always
// exits 0, so this runs it over the app's sources, writes its SARIF report, reads the report back and fails on any
// finding that the reviewed allowlist (build/electronegativity-allowlist.json) does not explain, on allowlist entries
// that no longer match a finding, on files the tool could not parse (they were not checked), and on inline
// `eng-disable` comments (they would hide a finding from review).
//
//   npx tsx scripts/electronegativity.ts [--input src] [--allowlist FILE] [--sarif FILE] [--root DIR]
//
// Exit status: 0 passed, 1 failed, 2 usage. npm test runs it (scripts/test.js); so does the release workflow.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const requireHere = createRequire(__filename);

/** Checks left out: AvailableSecurityFixesGlobalCheck downloads Electron's release list (scripts/electron-version.ts). */
const EXCLUDED_CHECKS = ['availablesecurityfixesglobalcheck'];
/** The files Electronegativity reads (its own filter), for the eng-disable scan and the file count. */
const SCANNED_EXTENSIONS = new Set(['.js', '.jsx', '.ts', '.tsx', '.html', '.htm']);
const ENTRY_FIELDS = ['check', 'file', 'occurrences', 'why', 'reviewedBy', 'reviewedOn'];

export interface AllowlistEntry {
  check: string;
  file: string;
  occurrences: number;
  why: string;
  reviewedBy: string;
  reviewedOn: string;
}

export interface Finding {
  check: string;
  /** Relative to the root, with forward slashes. */
  file: string;
  line: number;
  column: number;
  message: string;
  helpUri: string;
}

export interface Judgement {
  explained: Array<{ finding: Finding; entry: AllowlistEntry }>;
  unexplained: Array<{ finding: Finding; note?: string }>;
  stale: Array<{ entry: AllowlistEntry; found: number }>;
}

const keyOf = (check: string, file: string): string => `${check}\u0000${file}`;

/** The allowlist file's entries, and what is wrong with it (each problem fails the gate). */
export function parseAllowlist(text: string, today = new Date()): { entries: AllowlistEntry[]; problems: string[] } {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { entries: [], problems: [`not valid JSON: ${(err as Error).message}`] };
  }
  const list = (data as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) return { entries: [], problems: ['needs an "entries" array'] };
  const entries: AllowlistEntry[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, index) => {
    const where = `entry ${index + 1}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${where} is not an object`);
      return;
    }
    const item = raw as Record<string, unknown>;
    const unknown = Object.keys(item).filter((k) => !ENTRY_FIELDS.includes(k));
    if (unknown.length) problems.push(`${where} has unknown fields: ${unknown.join(', ')}`);
    const text = (name: string, min = 1): string => {
      const value = item[name];
      if (typeof value !== 'string' || value.trim().length < min) {
        problems.push(`${where} needs "${name}"${min > 1 ? ` (at least ${min} characters)` : ''}`);
        return '';
      }
      return value.trim();
    };
    const check = text('check');
    const file = text('file');
    const why = text('why', 40);
    const reviewedBy = text('reviewedBy');
    const reviewedOn = text('reviewedOn');
    if (check && !/^[A-Z0-9_]+$/.test(check))
      problems.push(`${where}: "check" is an Electronegativity id such as NODE_INTEGRATION_JS_CHECK`);
    if (file && (path.isAbsolute(file) || file.includes('\\') || file.split('/').includes('..')))
      problems.push(`${where}: "file" is a path relative to the repository, with forward slashes`);
    if (reviewedOn) {
      const date = /^\d{4}-\d{2}-\d{2}$/.test(reviewedOn) ? new Date(`${reviewedOn}T00:00:00Z`) : null;
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== reviewedOn)
        problems.push(`${where}: "reviewedOn" is a date, YYYY-MM-DD`);
      else if (date.getTime() > today.getTime()) problems.push(`${where}: "reviewedOn" is in the future`);
    }
    const occurrences = item['occurrences'] ?? 1;
    if (typeof occurrences !== 'number' || !Number.isInteger(occurrences) || occurrences < 1)
      problems.push(`${where}: "occurrences" is a whole number of at least 1`);
    if (check && file) {
      if (seen.has(keyOf(check, file)))
        problems.push(`${where} repeats ${check} in ${file}: raise "occurrences" instead`);
      seen.add(keyOf(check, file));
    }
    entries.push({ check, file, occurrences: Number(occurrences), why, reviewedBy, reviewedOn });
  });
  return { entries, problems };
}

interface SarifResult {
  ruleId?: string;
  message?: { text?: string };
  locations?: Array<{
    physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; startColumn?: number } };
  }>;
}

/** The findings of Electronegativity's SARIF report; `base` is the scanned folder relative to the root. */
export function readSarif(text: string, base: string): Finding[] {
  const sarif = JSON.parse(text) as { runs?: Array<{ results?: SarifResult[] }> };
  const results = sarif.runs?.[0]?.results;
  if (!Array.isArray(results)) throw new Error('the SARIF report has no runs[0].results');
  return results.map((r) => {
    const location = r.locations?.[0]?.physicalLocation;
    const uri = (location?.artifactLocation?.uri ?? '').replace(/\\/g, '/');
    const check = r.ruleId ?? 'UNKNOWN';
    return {
      check,
      // Global findings without a file carry "file:///".
      file: uri && !uri.startsWith('file:') ? path.posix.normalize(path.posix.join(base, uri)) : '(global)',
      line: location?.region?.startLine ?? 0,
      column: location?.region?.startColumn ?? 0,
      message: r.message?.text ?? '',
      helpUri: `https://github.com/doyensec/electronegativity/wiki/${check}`,
    };
  });
}

/** Which findings the allowlist explains, which it does not, and which of its entries matched nothing. */
export function judge(findings: Finding[], entries: AllowlistEntry[]): Judgement {
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) byKey.set(keyOf(f.check, f.file), [...(byKey.get(keyOf(f.check, f.file)) ?? []), f]);
  const entryByKey = new Map(entries.map((e) => [keyOf(e.check, e.file), e]));
  const result: Judgement = { explained: [], unexplained: [], stale: [] };
  for (const [key, group] of byKey) {
    const entry = entryByKey.get(key);
    if (!entry) result.unexplained.push(...group.map((finding) => ({ finding })));
    else if (group.length > entry.occurrences)
      result.unexplained.push(
        ...group.map((finding) => ({
          finding,
          note: `the allowlist explains ${entry.occurrences} of these in this file, found ${group.length}`,
        })),
      );
    else result.explained.push(...group.map((finding) => ({ finding, entry })));
  }
  for (const entry of entries) {
    const found = byKey.get(keyOf(entry.check, entry.file))?.length ?? 0;
    if (found < entry.occurrences) result.stale.push({ entry, found });
  }
  return result;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    if (item.name === 'node_modules') continue;
    const full = path.join(dir, item.name);
    if (item.isDirectory()) out.push(...listFiles(full));
    else if (SCANNED_EXTENSIONS.has(path.extname(item.name).toLowerCase())) out.push(full);
  }
  return out;
}

/** `eng-disable` comments make Electronegativity drop a finding silently: each one is a problem. */
export function inlineSuppressions(files: string[], root: string): string[] {
  const problems: string[] = [];
  for (const file of files) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (/eng-disable/i.test(text))
          problems.push(
            `${rel(root, file)}:${i + 1} silences a check inline (eng-disable): explain it in the allowlist instead`,
          );
      });
  }
  return problems;
}

const rel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/');

interface RunOutput {
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  atomicChecks: number;
  globalChecks: number;
}
type Run = (options: Record<string, unknown>) => Promise<RunOutput>;

export interface GateOptions {
  root: string;
  input: string;
  allowlist: string;
  sarif: string;
}

export interface GateResult extends Judgement {
  ok: boolean;
  problems: string[];
  notes: string[];
  findings: Finding[];
  summary: string;
}

/** Runs Electronegativity with its programmatic API (the same code as its command line) and judges the report. */
export async function gate(options: GateOptions): Promise<GateResult> {
  const root = path.resolve(options.root);
  const input = path.resolve(root, options.input);
  const problems: string[] = [];
  const notes: string[] = [];
  const empty: GateResult = {
    ok: false,
    problems,
    notes,
    findings: [],
    explained: [],
    unexplained: [],
    stale: [],
    summary: '',
  };

  if (!fs.existsSync(input) || !fs.statSync(input).isDirectory()) {
    problems.push(`nothing to scan: ${input} is not a folder`);
    return empty;
  }
  let entries: AllowlistEntry[] = [];
  if (!fs.existsSync(options.allowlist)) problems.push(`the allowlist ${options.allowlist} does not exist`);
  else {
    const parsed = parseAllowlist(fs.readFileSync(options.allowlist, 'utf8'));
    entries = parsed.entries;
    problems.push(...parsed.problems.map((p) => `allowlist ${rel(root, path.resolve(options.allowlist))}: ${p}`));
  }
  const files = listFiles(input);
  if (files.length === 0) problems.push(`no .js, .ts, .tsx or .html files under ${rel(root, input)}`);
  problems.push(...inlineSuppressions(files, root));

  // The Electron version the app ships: the checks judge defaults (sandbox, contextIsolation, ...) by it.
  const electronPackage = path.join(root, 'node_modules/electron/package.json');
  const electronVersion = fs.existsSync(electronPackage)
    ? (JSON.parse(fs.readFileSync(electronPackage, 'utf8')) as { version: string }).version
    : requireHere('electron/package.json').version;

  const tool = requireHere('@doyensec/electronegativity/package.json') as { version: string };
  const run = requireHere('@doyensec/electronegativity') as Run;
  fs.mkdirSync(path.dirname(options.sarif), { recursive: true });
  fs.rmSync(options.sarif, { force: true });

  // The tool prints a line when it cannot download fresh translations (no internet here): keep the rest.
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const line = args.map(String).join(' ');
    if (!/Could not retrieve updated translations/.test(line)) notes.push(line);
  };
  let output: RunOutput;
  try {
    output = await run({
      input,
      output: options.sarif,
      isSarif: true,
      isRelative: true,
      excludeFromScan: EXCLUDED_CHECKS,
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    });
  } catch (err) {
    problems.push(`Electronegativity failed: ${err instanceof Error ? err.message : String(err)}`);
    return empty;
  } finally {
    console.log = original;
  }
  for (const e of output.errors) {
    if (e.tolerable) notes.push(`${rel(root, e.file)}: ${e.message} (tolerated by the parser)`);
    else problems.push(`could not parse ${rel(root, e.file)}, so it was not checked: ${e.message}`);
  }
  const report = await completeReport(options.sarif);
  if (report === null) {
    problems.push(`Electronegativity wrote no complete report to ${options.sarif}`);
    return empty;
  }
  const findings = readSarif(report, rel(root, input) || '.');
  const judgement = judge(findings, entries);
  const ok = problems.length === 0 && judgement.unexplained.length === 0 && judgement.stale.length === 0;
  const summary =
    `Electronegativity ${tool.version} on ${rel(root, input) || '.'}/ (${files.length} files, ` +
    `${output.atomicChecks + output.globalChecks} checks, Electron ${electronVersion}): ` +
    `${findings.length} findings, ${judgement.explained.length} explained, ${judgement.unexplained.length} unexplained, ` +
    `${judgement.stale.length} stale allowlist entries`;
  return { ok, problems, notes, findings, ...judgement, summary };
}

/**
 * The report's text once it is whole: Electronegativity starts writing it with fs.writeFile and returns without
 * waiting for the write to finish.
 */
async function completeReport(file: string, timeoutMs = 15_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      JSON.parse(text);
      return text;
    } catch {
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function sourceLine(root: string, finding: Finding): string {
  try {
    return (fs.readFileSync(path.join(root, finding.file), 'utf8').split('\n')[finding.line - 1] ?? '').trim();
  } catch {
    return '';
  }
}

/** The report, readable in a CI log: one line per finding, details only for what fails. */
export function formatReport(result: GateResult, options: GateOptions): string[] {
  const root = path.resolve(options.root);
  const allowlist = rel(root, path.resolve(options.allowlist));
  const at = (f: Finding): string => `${f.file}:${f.line}`;
  const width = Math.max(0, ...result.findings.map((f) => f.check.length));
  const lines: string[] = [];
  for (const { finding, entry } of result.explained)
    lines.push(
      `  ok     ${finding.check.padEnd(width)}  ${at(finding)}  (reviewed by ${entry.reviewedBy}, ${entry.reviewedOn})`,
    );
  for (const { finding, note } of result.unexplained) {
    lines.push(`  FAIL   ${finding.check.padEnd(width)}  ${at(finding)}`);
    const source = sourceLine(root, finding);
    if (source) lines.push(`           ${source.slice(0, 140)}`);
    lines.push(`           ${finding.message}`, `           ${finding.helpUri}`);
    if (note) lines.push(`           ${note}`);
  }
  for (const { entry, found } of result.stale)
    lines.push(
      `  STALE  ${entry.check} in ${entry.file}: the allowlist expects ${entry.occurrences}, found ${found}; ` +
        `remove or lower the entry in ${allowlist}`,
    );
  for (const problem of result.problems) lines.push(`  ERROR  ${problem}`);
  for (const note of result.notes) lines.push(`  note   ${note}`);
  if (result.unexplained.length)
    lines.push(
      `  Fix each FAIL; or, if it is acceptable here, add a reviewed entry to ${allowlist}:`,
      '  { "check": "...", "file": "...", "occurrences": 1, "why": "...", "reviewedBy": "...", "reviewedOn": "YYYY-MM-DD" }',
    );
  if (result.summary) lines.push(result.summary);
  lines.push(
    `electronegativity: ${result.ok ? 'passed' : 'FAILED'}; SARIF report: ${rel(root, path.resolve(options.sarif))}`,
  );
  return lines;
}

function parseArgs(argv: string[]): GateOptions | string {
  const options: GateOptions = {
    root: process.cwd(),
    input: 'src',
    allowlist: 'build/electronegativity-allowlist.json',
    sarif: 'test-results/electronegativity.sarif',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    const key = { '--root': 'root', '--input': 'input', '--allowlist': 'allowlist', '--sarif': 'sarif' }[name ?? ''] as
      keyof GateOptions | undefined;
    if (!key || value === undefined)
      return `usage: electronegativity.ts [--input DIR] [--allowlist FILE] [--sarif FILE] [--root DIR]`;
    options[key] = value;
  }
  const root = path.resolve(options.root);
  return {
    ...options,
    root,
    allowlist: path.resolve(root, options.allowlist),
    sarif: path.resolve(root, options.sarif),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    console.error(options);
    process.exit(2);
  }
  const result = await gate(options);
  for (const line of formatReport(result, options)) console.log(line);
  process.exit(result.ok ? 0 : 1);
}

// Run as a script (tsx), not when a test imports the functions above.
if (typeof require !== 'undefined' && require.main === module) void main();

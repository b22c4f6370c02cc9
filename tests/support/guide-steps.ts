// Reads docs/postgresql-for-it.md and runs its steps as written, so that the guide and its test cannot drift.
//
// The convention:
// - A fenced block whose info string has a label after the language (```sql roles, ```sh backup,
//   ```conf pg_hba) is a step the test executes; unlabelled blocks are prose for people (systemctl, setx, …).
//   Every ```sql block must be labelled, so no SQL in the guide goes untested.
// - `<name>` placeholders are replaced from a map the test gives; a placeholder the map lacks is an error.
// - Absolute paths of a Debian server (/etc/postgresql/15/main/, /var/backups/healthsphere, …) are moved into the
//   test's temporary folder by a literal path map; a script that still names /etc/ or /var/ afterwards is refused
//   before it runs, so a drifted path can never touch the machine's own files.
// - `sudo -u USER cmd` runs as USER through `runuser` (with the PostgreSQL binaries on PATH and the cluster's
//   socket in PGHOST/PGPORT); nothing else in a block is changed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const GUIDE_PATH = path.resolve('docs/postgresql-for-it.md');
export const PG_BIN = process.env['HEALTHSPHERE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface GuideBlock {
  language: string;
  label: string | null;
  text: string;
}

/** The labelled and unlabelled blocks of a markdown file (the IT guide unless told), in order. */
export function readGuide(file = GUIDE_PATH): { markdown: string; blocks: GuideBlock[] } {
  const markdown = fs.readFileSync(file, 'utf8');
  const blocks: GuideBlock[] = [];
  const fence = /^([ \t]*)```([\w-]+)(?:[ \t]+([\w-]+))?[ \t]*\n([\s\S]*?)^\1```[ \t]*$/gm;
  for (const match of markdown.matchAll(fence)) {
    const indent = match[1]!;
    const text = match[4]!
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    blocks.push({ language: match[2]!, label: match[3] ?? null, text });
  }
  return { markdown, blocks };
}

/** The one block with this label (and language), or an error naming what the guide lacks. */
export function block(blocks: GuideBlock[], language: string, label: string): string {
  const found = blocks.filter((b) => b.language === language && b.label === label);
  if (found.length !== 1) throw new Error(`the guide has ${found.length} \`\`\`${language} ${label} blocks, not 1`);
  return found[0]!.text;
}

/** Replaces every `<name>` placeholder; throws on one the map does not know. */
export function fillIn(text: string, values: Record<string, string>): string {
  return text.replace(/<([a-z][a-z0-9-]*)>/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no test value for the placeholder ${whole} in:\n${text}`);
    return value;
  });
}

/** Moves the Debian paths of a script into the test's folder; refuses what would still reach /etc or /var. */
export function movePaths(text: string, paths: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(paths)) out = out.split(from).join(to);
  const stray = /(^|[\s='"])\/(etc|var)\//m.exec(out);
  if (stray) throw new Error(`refusing to run a guide step that still names a system path:\n${out}`);
  return out;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function check(what: string, result: Run): Run {
  if (result.status !== 0)
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`.trim());
  return result;
}

export interface ServerAccess {
  socketDir: string;
  port: number;
}

/** Runs a guide `sh` block with bash, `sudo -u` mapped to runuser. */
export function runShell(
  label: string,
  script: string,
  options: { cwd: string; home: string; server: ServerAccess; env?: Record<string, string> },
): Run {
  const prelude = [
    'set -euo pipefail',
    'sudo() {',
    '  if [ "$1" = -u ]; then',
    '    local user="$2"; shift 2',
    '    runuser -u "$user" -- env PATH="$PATH" PGHOST="$PGHOST" PGPORT="$PGPORT" ${PGPASSWORD:+PGPASSWORD="$PGPASSWORD"} "$@"',
    '  else "$@"; fi',
    '}',
  ].join('\n');
  const result = spawnSync('bash', ['-c', `${prelude}\n${script}`], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: {
      PATH: `${PG_BIN}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      HOME: options.home,
      PGHOST: options.server.socketDir,
      PGPORT: String(options.server.port),
      LANG: 'C.UTF-8',
      ...options.env,
    },
    timeout: 60_000,
  });
  return check(`the guide's \`\`\`sh ${label} block`, result);
}

/** psql as the `postgres` OS user over the cluster's socket, as `sudo -u postgres psql` does on the server. */
export function psql(
  server: ServerAccess,
  args: string[],
  options: { input?: string; allowFailure?: boolean } = {},
): Run {
  const result = spawnSync(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      path.join(PG_BIN, 'psql'),
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      server.socketDir,
      '-p',
      String(server.port),
      ...args,
    ],
    { encoding: 'utf8', input: options.input, timeout: 30_000 },
  );
  return options.allowFailure ? result : check(`psql ${args.join(' ')}`, result);
}

/** One query as the superuser; rows as arrays of text. */
export function superQuery(server: ServerAccess, database: string, sql: string): string[][] {
  const out = psql(server, ['-d', database, '-At', '-F', '|', '-c', sql]).stdout.trim();
  return out ? out.split('\n').map((line) => line.split('|')) : [];
}

/** Runs a PostgreSQL server binary as the `postgres` OS user. */
export function asPostgres(command: string, args: string[]): Run {
  return check(
    command,
    spawnSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    }),
  );
}

/** openssl, for what the test makes itself (a CA the server does not know). */
export function openssl(cwd: string, args: string[]): void {
  check(`openssl ${args[0]}`, spawnSync('openssl', args, { cwd, encoding: 'utf8' }));
}

/** A PostgreSQL URL from the guide, with the placeholders filled in and the port and CA moved. */
export function guideUrl(markdown: string, pattern: RegExp, values: Record<string, string>, port: number): string {
  const found = pattern.exec(markdown);
  if (!found) throw new Error(`the guide has no URL matching ${pattern}`);
  const url = fillIn(found[0], values).replace(':5432/', `:${port}/`);
  if (!url.includes(`:${port}/`)) throw new Error(`the guide's URL ${found[0]} does not name port 5432`);
  return url;
}

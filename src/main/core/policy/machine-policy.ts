// The machine policy: a JSON file IT puts on a workstation to fix the database, the mail server, the data folder,
// kiosk mode and any of the security settings. It wins over the environment and over what an admin saved
// (ARCHITECTURE.md, Configuration). Read once at start; anything wrong in it stops the start, naming the key.
// The reference for IT is docs/policy.md.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { mailSettingsPatchSchema, plainTextProblem } from '../../../shared/mail';
import { serverFromUrl } from '../mail/mail-settings';
import { securitySettingsPatchSchema } from '../../../shared/settings';
import { findJsonSyntaxError } from './json-syntax';

/** The environment variable that names the policy file instead of the platform's machine-wide place. */
export const POLICY_ENV = 'HEALTHSPHERE_POLICY';

/** A policy file larger than this is refused: a real one is a few hundred bytes. */
const MAX_POLICY_BYTES = 256 * 1024;

export const databaseUrlSchema = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL');
export const smtpUrlSchema = z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL');

/**
 * Every key is optional; a key that is not here is an error (strict), so that a misspelt key cannot silently do
 * nothing. New keys (e.g. structured mail settings) are added here and documented in docs/policy.md.
 */
export const machinePolicySchema = z
  .strictObject({
    /** PostgreSQL for this workstation, instead of the embedded SQLite database. May hold a password: never shown. */
    databaseUrl: databaseUrlSchema.optional(),
    /** Folder of the SQLite database, the key file and exports. */
    dataDirectory: z
      .string()
      .min(1)
      .refine((value) => path.isAbsolute(value), 'must be an absolute path')
      .optional(),
    /** smtp:// or smtps:// with user and password. May hold a password: never shown. */
    mailServerUrl: smtpUrlSchema.optional(),
    /**
     * Mail settings fixed on this workstation: the Mail tab's keys (server, port, security, user name, sender,
     * clinic name, portal link, trusted certificate). Never the password: this file is readable by every user of
     * the computer; an administrator enters it on the Mail tab, where it is kept encrypted.
     */
    mail: mailSettingsPatchSchema.optional(),
    /** Security settings fixed on this workstation: the same keys and bounds as the admin's Settings tab. */
    settings: securitySettingsPatchSchema.optional(),
    /** Front-desk kiosk: only patient registration and email verification. */
    kioskMode: z.boolean().optional(),
  })
  .superRefine((policy, ctx) => {
    // The server URL and the mail keys together must not make plain text to another computer.
    const fromUrl = policy.mailServerUrl ? serverFromUrl(policy.mailServerUrl).values : {};
    const host = policy.mail?.host ?? fromUrl.host;
    const security = policy.mail?.security ?? fromUrl.security;
    if (host !== undefined && security === 'none' && plainTextProblem({ host, security }))
      ctx.addIssue({
        code: 'custom',
        path: ['mail', 'security'],
        message:
          'plain text (security "none", or an smtp:// URL to this computer) is allowed only for a mail server on this computer',
      });
  });

export type MachinePolicy = z.output<typeof machinePolicySchema>;

/** The machine-wide place of the policy on each platform. */
export function defaultPolicyPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  switch (platform) {
    case 'win32': {
      // Windows' variable names are case-insensitive; a plain object passed in is not.
      const programData = env['ProgramData'] || env['PROGRAMDATA'] || 'C:\\ProgramData';
      return path.win32.join(programData, 'HealthSphere', 'policy.json');
    }
    case 'darwin':
      return '/Library/Application Support/HealthSphere/policy.json';
    default:
      return '/etc/healthsphere/policy.json';
  }
}

/** One thing wrong with a policy: the key path (empty for the file as a whole) and what is wrong, never a value. */
export interface PolicyProblem {
  key: string;
  detail: string;
}

export type PolicyRead = { ok: true; policy: MachinePolicy | null } | { ok: false; problems: PolicyProblem[] };

/**
 * Reads and validates a policy file. `required`: the file was named (HEALTHSPHERE_POLICY, --file), so a missing
 * file is an error; at the machine-wide place a missing file only means there is no policy.
 */
export function readPolicyFile(file: string, options: { required: boolean; namedBy: string }): PolicyRead {
  const fail = (detail: string, key = ''): PolicyRead => ({ ok: false, problems: [{ key, detail }] });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return options.required
        ? fail(`the file does not exist (${options.namedBy} names it)`)
        : { ok: true, policy: null };
    }
    return fail(`the file cannot be read (${code ?? 'error'})`);
  }
  if (!stat.isFile()) return fail('is not a file');
  if (stat.size > MAX_POLICY_BYTES) return fail(`the file is larger than ${MAX_POLICY_BYTES / 1024} KiB`);
  // Whoever can write the policy decides the password rules: refuse one that every user may change.
  // (Windows: the folder's ACL is IT's to set, docs/policy.md; Node cannot read ACLs.)
  if (process.platform !== 'win32') {
    if ((stat.mode & 0o002) !== 0) {
      return fail(
        `every user of this computer may change the file (mode ${(stat.mode & 0o777).toString(8)}): make it writable by administrators only`,
      );
    }
    const folder = fs.statSync(path.dirname(file));
    // A folder every user may write to (without the sticky bit) lets anyone replace the file.
    if ((folder.mode & 0o002) !== 0 && (folder.mode & 0o1000) === 0) {
      return fail(
        `every user of this computer may replace the file: its folder ${path.dirname(file)} is writable by all (mode ${(folder.mode & 0o777).toString(8)})`,
      );
    }
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    return fail(`the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const text = decodeText(bytes);
  if (text === null) return fail('is not text in UTF-8 (or UTF-16 with a byte order mark)');
  if (text.trim() === '') return fail('the file is empty; a policy that fixes nothing is {}');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const where = findJsonSyntaxError(text);
    return where
      ? fail(`not valid JSON: ${where.reason}`, `line ${where.line}, column ${where.column}`)
      : fail('not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('the policy must be a JSON object: { ... }');
  }
  const parsed = machinePolicySchema.safeParse(json);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap(describeIssue) };
  return { ok: true, policy: parsed.data };
}

/** UTF-8 (a byte order mark is dropped: Notepad writes one), or UTF-16 with its mark (PowerShell's Out-File). */
function decodeText(bytes: Buffer): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    if (swapped.length % 2 !== 0) return null;
    return swapped.swap16().toString('utf16le');
  }
  if (bytes.includes(0)) return null;
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? null : text;
}

function keyPath(parts: ReadonlyArray<PropertyKey>): string {
  return parts.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false (without quotes)',
  string: 'a text in double quotes',
  array: 'a list in [ ]',
  object: 'an object in { }',
};

/** The policy's words for a zod issue: the key path and what is allowed, never the value found. */
function describeIssue(issue: z.core.$ZodIssue): PolicyProblem[] {
  const key = keyPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((unknown) => ({
        key: keyPath([...issue.path, unknown]),
        detail:
          key === 'mail' && unknown === 'password'
            ? 'is never a policy key: every user of the computer can read this file. An administrator enters the mail server password on the Mail tab, where it is kept encrypted.'
            : key === 'settings'
              ? 'is not a security setting (check the spelling against docs/policy.md)'
              : key === 'mail'
                ? 'is not a mail setting (check the spelling against docs/policy.md)'
                : 'is not a policy key (check the spelling against docs/policy.md)',
      }));
    case 'too_small':
      return [
        {
          key,
          detail:
            issue.origin === 'array'
              ? `must have at least ${String(issue.minimum)} entries`
              : issue.origin === 'string'
                ? 'must not be empty'
                : `must be at least ${String(issue.minimum)}`,
        },
      ];
    case 'too_big':
      return [
        {
          key,
          detail:
            issue.origin === 'array'
              ? `must have at most ${String(issue.maximum)} entries`
              : `must be at most ${String(issue.maximum)}`,
        },
      ];
    case 'invalid_type':
      return [{ key, detail: `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}` }];
    case 'invalid_value':
      return [{ key, detail: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    default:
      // Messages written in the schemas (URL schemes, absolute paths, each role once).
      return [{ key, detail: issue.message.replace(/\.$/, '').replace(/^[A-Z]/, (c) => c.toLowerCase()) }];
  }
}

/** A URL with its password (and any password-like query parameter) replaced by ****, for messages and output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token/i.test(name)) parsed.searchParams.set(name, '****');
    }
    return parsed.toString();
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '';
    return `${scheme}//… (not shown: not a URL that can be shown safely)`;
  }
}

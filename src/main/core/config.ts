// Configuration of the core, read once at start and validated: an invalid value stops the start naming its key.
// Precedence, highest first: the machine policy file (IT) > the environment > settings an admin saved > defaults.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecuritySettingsPatch } from '../../shared/settings';
import {
  type MachinePolicy,
  POLICY_ENV,
  type PolicyProblem,
  databaseUrlSchema,
  defaultPolicyPath,
  readPolicyFile,
  smtpUrlSchema,
} from './policy/machine-policy';

export const APP_VERSION = '0.1.0';

const envSchema = z.object({
  HEALTHSPHERE_DATA_DIR: z.string().min(1).optional(),
  HEALTHSPHERE_DATABASE_URL: databaseUrlSchema.optional(),
  HEALTHSPHERE_SMTP_URL: smtpUrlSchema.optional(),
  HEALTHSPHERE_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64')
    .optional(),
  [POLICY_ENV]: z.string().optional(),
});

type EnvKey = keyof z.infer<typeof envSchema>;

/** The policy keys that take the place of an environment variable. */
const OVERRIDES: ReadonlyArray<{ policyKey: 'databaseUrl' | 'dataDirectory' | 'mailServerUrl'; variable: EnvKey }> = [
  { policyKey: 'databaseUrl', variable: 'HEALTHSPHERE_DATABASE_URL' },
  { policyKey: 'dataDirectory', variable: 'HEALTHSPHERE_DATA_DIR' },
  { policyKey: 'mailServerUrl', variable: 'HEALTHSPHERE_SMTP_URL' },
];

/** The machine policy in force on this workstation. */
export interface PolicyInForce {
  /** Where it was read from (absolute). */
  file: string;
  /** The whole policy as validated. Its URLs may hold passwords: show them only through redactUrl. */
  values: MachinePolicy;
  /** The security settings it fixes: they win over the database, and admins cannot change them. */
  settings: SecuritySettingsPatch;
  /** Environment variables set on this workstation that the policy overrides (names only). */
  overriddenEnvironment: Array<{ variable: string; policyKey: string }>;
}

export interface CoreConfig {
  dataDir: string;
  /** Unset: the embedded SQLite database in dataDir. */
  databaseUrl?: string;
  /** Unset: mail stays queued in the outbox. */
  smtpUrl?: string;
  /** The data key from the environment, for plain-Node runs; otherwise the key file in dataDir. */
  masterKey?: Buffer;
  appVersion: string;
  /** Front-desk kiosk: only patient registration and email verification (machine policy `kioskMode`). */
  kioskMode?: boolean;
  /** The machine policy, when there is one. */
  policy?: PolicyInForce;
}

export class ConfigError extends Error {
  /** Every problem found (a policy may have several); `key` and `detail` are the first. */
  readonly problems: PolicyProblem[];

  constructor(
    /** The environment variable, or the key path inside the policy file (e.g. `settings.passwordMinLength`). */
    readonly key: string,
    readonly detail: string,
    /** The policy file, when the problem is in it. */
    readonly file?: string,
    problems?: PolicyProblem[],
  ) {
    const all = problems ?? [{ key, detail }];
    super(
      file
        ? `Invalid machine policy ${file}: ${all.map((p) => (p.key ? `${p.key}: ${p.detail}` : p.detail)).join('; ')}`
        : `Invalid configuration: ${key} ${detail}`,
    );
    this.name = 'ConfigError';
    this.problems = all;
  }

  /** What the app's start-up dialog says. */
  explain(): string {
    if (!this.file) {
      return `The setting ${this.key} is not valid.\n\n${this.message}\n\nCorrect it (environment or machine policy file) and start HealthSphere again.`;
    }
    const lines = this.problems.map((p) => `• ${p.key ? `${p.key}: ` : ''}${p.detail}`).join('\n');
    return (
      `The machine policy file set by your organization's IT is not valid, so HealthSphere does not start.\n\n` +
      `File: ${this.file}\n${lines}\n\n` +
      `IT: correct the file (check it with "healthsphere-admin policy check") and start HealthSphere again.`
    );
  }
}

export interface LoadConfigOptions {
  /** The platform whose machine-wide policy place is read (tests). */
  platform?: NodeJS.Platform;
  /** The machine-wide place itself, instead of the platform's (tests). */
  machineWideFile?: string;
  /** Read this policy file instead (`policy check --file`); `namedBy` is what errors call it. */
  policyFile?: { file: string; namedBy: string };
}

/** Where the policy is read from: the named file, or the platform's machine-wide place. */
export function policyLocation(
  env: NodeJS.ProcessEnv,
  options: LoadConfigOptions = {},
): { file: string; required: boolean; namedBy: string } {
  if (options.policyFile) return { ...options.policyFile, file: path.resolve(options.policyFile.file), required: true };
  const machineWide = options.machineWideFile ?? defaultPolicyPath(options.platform ?? process.platform, env);
  const named = env[POLICY_ENV];
  // IT's file at the machine-wide place always wins: HEALTHSPHERE_POLICY is any user's to set, and must not let
  // them swap IT's policy (kiosk mode, password rules, mail server) for one of their own. It names a policy only
  // on a computer where IT put none there (a share, a test).
  if (named && !fs.existsSync(machineWide)) return { file: path.resolve(named), required: true, namedBy: POLICY_ENV };
  return { file: machineWide, required: false, namedBy: 'the machine-wide place' };
}

/** Reads the configuration: the machine policy, then the environment; `defaultDataDir` is Electron's userData. */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  defaultDataDir = path.resolve('.healthsphere'),
  options: LoadConfigOptions = {},
): CoreConfig {
  const blankToUndefined = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  // The policy first: it wins, and an environment variable it overrides need not even be valid.
  const where = policyLocation(blankToUndefined, options);
  const read = readPolicyFile(where.file, where);
  if (!read.ok) throw new ConfigError(read.problems[0]!.key, read.problems[0]!.detail, where.file, read.problems);
  const policy = read.policy;

  const overridden = OVERRIDES.filter(({ policyKey }) => policy?.[policyKey] !== undefined);
  for (const { variable } of overridden) delete blankToUndefined[variable];
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const v = parsed.data;
  return {
    dataDir: path.resolve(policy?.dataDirectory ?? v.HEALTHSPHERE_DATA_DIR ?? defaultDataDir),
    databaseUrl: policy?.databaseUrl ?? v.HEALTHSPHERE_DATABASE_URL,
    smtpUrl: policy?.mailServerUrl ?? v.HEALTHSPHERE_SMTP_URL,
    masterKey: v.HEALTHSPHERE_MASTER_KEY ? Buffer.from(v.HEALTHSPHERE_MASTER_KEY, 'base64') : undefined,
    appVersion: APP_VERSION,
    kioskMode: policy?.kioskMode ?? false,
    policy: policy
      ? {
          file: where.file,
          values: policy,
          settings: policy.settings ?? {},
          overriddenEnvironment: [
            ...overridden
              .filter(({ policyKey, variable }) => {
                const set = env[variable];
                return set !== undefined && set !== '' && set !== policy[policyKey];
              })
              .map(({ policyKey, variable }) => ({ variable, policyKey })),
            // HEALTHSPHERE_POLICY named another file, and IT's machine-wide file was read instead.
            ...(env[POLICY_ENV] && where.namedBy !== POLICY_ENV && !options.policyFile
              ? [{ variable: POLICY_ENV, policyKey: 'the whole policy' }]
              : []),
          ],
        }
      : undefined,
  };
}

/** What to log at start about the policy: which environment variables it overrides. Never a value. */
export function policyWarnings(config: CoreConfig): string[] {
  const policy = config.policy;
  if (!policy) return [];
  return policy.overriddenEnvironment.map(
    ({ variable, policyKey }) =>
      `${variable} is set in the environment, but the machine policy ${policy.file} sets ${policyKey}, which takes precedence: ${variable} is ignored.`,
  );
}

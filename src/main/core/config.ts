// Configuration of the core, read once at start and validated: an invalid value stops the start naming its key.
import path from 'node:path';
import { z } from 'zod';

export const APP_VERSION = '0.1.0';

const envSchema = z.object({
  HEALTHSPHERE_DATA_DIR: z.string().min(1).optional(),
  HEALTHSPHERE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  HEALTHSPHERE_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  HEALTHSPHERE_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64')
    .optional(),
  HEALTHSPHERE_POLICY: z.string().optional(),
});

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
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${key} ${detail}`);
  }
}

/** Reads the configuration from the environment; `defaultDataDir` is Electron's userData in the app. */
export function loadConfig(env: NodeJS.ProcessEnv, defaultDataDir = path.resolve('.healthsphere')): CoreConfig {
  const blankToUndefined = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const v = parsed.data;
  return {
    dataDir: path.resolve(v.HEALTHSPHERE_DATA_DIR ?? defaultDataDir),
    databaseUrl: v.HEALTHSPHERE_DATABASE_URL,
    smtpUrl: v.HEALTHSPHERE_SMTP_URL,
    masterKey: v.HEALTHSPHERE_MASTER_KEY ? Buffer.from(v.HEALTHSPHERE_MASTER_KEY, 'base64') : undefined,
    appVersion: APP_VERSION,
    kioskMode: false,
  };
}

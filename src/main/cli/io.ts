// What every command of the admin command line shares: its streams and environment, how it speaks, and how it
// starts the core (with the app's key protector when it runs inside the app as `HealthSphere --admin`).
import { startCore } from '../core';
import type { CoreConfig } from '../core/config';
import type { KeyProtector } from '../core/crypto/keys';
import { silentLogger } from '../core/log';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** The data folder when HEALTHSPHERE_DATA_DIR is unset: Electron's userData in the app; `./.healthsphere` in Node. */
  defaultDataDir?: string;
  /** The OS keychain's wrapping of the key file, in the app (Electron safeStorage); none in plain Node. */
  keyProtector?: KeyProtector;
  /** How the person typed the program, for messages: `healthsphere-admin` or `HealthSphere --admin`. */
  program?: string;
}

export type Core = Awaited<ReturnType<typeof startCore>>;

/** Exit status: 0 done, 1 refused or failed, 2 wrong usage. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export interface Speaker {
  readonly program: string;
  say(text: string): void;
  /** A refusal or failure: the message on stderr; returns the status to exit with. */
  fail(text: string, status?: number): number;
  /** Wrong usage: the message, the command's usage line and where to find the rest; returns 2. */
  usage(text: string, usageLine?: string): number;
}

export function speaker(io: CliIo): Speaker {
  const program = io.program ?? 'healthsphere-admin';
  return {
    program,
    say: (text) => void io.stdout.write(`${text}\n`),
    fail: (text, status = EXIT.refused) => {
      io.stderr.write(`${program}: ${text}\n`);
      return status;
    },
    usage: (text, usageLine) => {
      io.stderr.write(
        `${program}: ${text}\n` +
          (usageLine ? `Usage: ${program} ${usageLine}\n` : '') +
          `Run "${program} help" to see every command.\n`,
      );
      return EXIT.usage;
    },
  };
}

export function startCoreFor(config: CoreConfig, io: CliIo): Promise<Core> {
  return startCore({ config, keyProtector: io.keyProtector, log: silentLogger, sendMail: false });
}

export async function withCore(config: CoreConfig, io: CliIo, task: (core: Core) => Promise<number>): Promise<number> {
  const core = await startCoreFor(config, io);
  try {
    return await task(core);
  } finally {
    await core.close();
  }
}

/** What node:util's parseArgs refused, in its first sentence (the rest explains `--` to programmers). */
export function argumentProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split(/(?<=\.) /)[0]!;
  return first.endsWith('.') ? first : `${first}.`;
}

/** Text from the database shown in a terminal: control characters and bidirectional overrides become '?'. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
}

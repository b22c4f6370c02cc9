// `HealthSphere --admin <command> [args]`: the admin command line inside the installed app, which cannot run as
// plain Node (the runAsNode fuse is off). src/main/index.ts asks `adminArguments` first; with an answer it takes no
// single-instance lock and opens no window, waits for 'ready' (the OS keychain needs it), runs the command here
// and exits with its status. Nothing here imports electron: the tests run it in Node.
import { runCli } from './commands';
import type { CliIo } from './io';

export const ADMIN_SWITCH = '--admin';
export const ADMIN_PROGRAM = 'HealthSphere --admin';

/**
 * The arguments after `--admin`, or null when the app was not started as the command line. Whatever comes before
 * it is the executable and what Electron or Chromium were given (`electron .` in development, Chromium switches);
 * everything after it belongs to the command, verbatim, even text that looks like a switch.
 */
export function adminArguments(argv: readonly string[]): string[] | null {
  const at = argv.indexOf(ADMIN_SWITCH);
  return at === -1 ? null : argv.slice(at + 1);
}

/** Resolves once everything written to the stream so far has been handed to the OS (pipes are asynchronous on macOS). */
export function drain(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve(); // a stream that is gone (no console on Windows): nothing to wait for
    }
  });
}

/** Runs one command as `HealthSphere --admin`; the status to exit with, after the output has been flushed. */
export async function runAdminMode(args: string[], io: Omit<CliIo, 'program'>): Promise<number> {
  let status: number;
  try {
    status = await runCli(args, { ...io, program: ADMIN_PROGRAM });
  } catch (err) {
    io.stderr.write(`${ADMIN_PROGRAM}: ${err instanceof Error ? err.message : String(err)}\n`);
    status = 1;
  }
  await Promise.all([drain(io.stdout), drain(io.stderr)]);
  return status;
}

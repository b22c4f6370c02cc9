// Entry of healthsphere-admin under plain Node: runs one command and exits with its status.
import { runCli } from './commands';

runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`healthsphere-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

// npm run preview:browser -- --port N [--no-build | --build-only]: builds, starts the core with the app's environment
// variables, serves the renderer on 127.0.0.1 and prints the one URL (with its one-time token).
import { parseArgs } from 'node:util';
import { startCore } from '../core';
import { ConfigError, loadConfig } from '../core/config';
import { buildPreview } from './build';
import { startPreviewServer } from './server';
import { PreviewSystemActivity } from './system-activity';

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string', default: '0' },
      'no-build': { type: 'boolean', default: false },
      'build-only': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a number from 0 to 65535');
  if (!values['no-build']) await buildPreview();
  if (values['build-only']) return;
  // The operating system's screen lock, sleep and idle time come from standard input here (see system-activity.ts).
  const system = new PreviewSystemActivity();
  const core = await startCore({ config: loadConfig(process.env), systemActivity: system });
  const preview = await startPreviewServer(core, port);
  console.log(`HealthSphere preview: ${preview.url}`);
  // Only the process holding the preview's standard input can open another window: a line "new-window"
  // prints one more one-time URL (tests use it for a second workstation). It also plays the operating system:
  // "system lock-screen", "system suspend", "system idle <seconds>" (automatic logoff; see system-activity.ts).
  process.stdin.setEncoding('utf8');
  let pending = '';
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines)
      if (line.trim() === 'new-window') console.log(`HealthSphere preview: ${preview.newWindowUrl()}`);
      else if (line.trim().startsWith('system ') && !system.handleLine(line))
        console.error(`HealthSphere preview: not understood: ${line.trim().slice(0, 80)}`);
  });
  process.stdin.on('error', () => undefined);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await preview.close();
    await core.close();
    process.exit(0);
  };
  // A development server: a stray rejection is reported, and the preview stays up for the page using it.
  process.on('unhandledRejection', (reason) => {
    console.error(
      `HealthSphere preview: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  });
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(
    `HealthSphere preview could not start: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});

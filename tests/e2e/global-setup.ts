// Builds the browser preview once for the whole end-to-end run.
import { execFileSync } from 'node:child_process';

export default function globalSetup(): void {
  execFileSync(process.execPath, ['scripts/preview-browser.js', '--build-only'], { stdio: 'inherit' });
}

// Builds what the browser preview serves: the renderer as the app ships it, and the WebSocket client.
import path from 'node:path';

export const PREVIEW_OUT = path.resolve(__dirname, '../../../out/preview');

export async function buildPreview(): Promise<void> {
  const { build } = await import('vite');
  const { default: react } = await import('@vitejs/plugin-react');
  const root = path.resolve(__dirname, '../../..');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: path.join(root, 'src/renderer'),
    base: '/',
    plugins: [react()],
    build: {
      outDir: path.join(PREVIEW_OUT, 'renderer'),
      emptyOutDir: true,
      // zxcvbn's dictionaries are one chunk of 1.6 MB, loaded only by the screens that choose a password.
      chunkSizeWarningLimit: 2048,
    },
  });
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: path.join(PREVIEW_OUT, 'client'),
      emptyOutDir: true,
      lib: { entry: path.join(root, 'src/preload/preview-client.ts'), formats: ['es'], fileName: () => 'client.js' },
    },
  });
}

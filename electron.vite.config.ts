// Build of the three parts: main (Node, CommonJS, dependencies left to node_modules), preload (sandboxed, so
// CommonJS with everything bundled but electron), renderer (React, from src/renderer/index.html).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/main/shell/csp';

const root = __dirname;

/**
 * In `electron-vite dev` only: the React refresh preamble is an inline script and hot reload uses a
 * WebSocket, which index.html's strict CSP meta tag refuses. Swap in the development policy; the built
 * index.html keeps the strict one.
 */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'healthsphere:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const devServerUrl = ctx.server?.resolvedUrls?.local[0];
        if (!devServerUrl) return html;
        const policy = contentSecurityPolicy({ devServerUrl, delivery: 'meta' });
        return html.replace(
          /(<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=)(?:"[^"]*"|'[^']*')/i,
          (_m, start: string) => `${start}"${policy}"`,
        );
      },
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // package.json "dependencies" (knex, better-sqlite3, argon2, ...) stay in node_modules; native modules must.
      externalizeDeps: true,
      rolldownOptions: {
        // The audit worker is its own entry: worker threads load it by file name (out/main/audit-worker.js).
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'audit-worker': resolve(root, 'src/main/core/audit/audit-worker.ts'),
        },
        output: { format: 'cjs' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can require nothing but electron: bundle zod and the contract into it.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react(), devContentSecurityPolicy()],
    server: { host: '127.0.0.1' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified (3.5 MB for the sign-in screen); minified, the window parses
      // less at start-up. Screens past Sign in are split off and loaded on demand (src/renderer/src/screens/onDemand.ts).
      minify: true,
      // zxcvbn's dictionaries are one chunk of 1.6 MB, loaded only by the screens that choose a password.
      chunkSizeWarningLimit: 2048,
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
  },
});

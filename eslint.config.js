// Lint: typescript-eslint's recommended rules, and the layering of ARCHITECTURE.md as import rules.
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');
const { defineConfig, globalIgnores } = require('eslint/config');

const NO_ELECTRON =
  'This layer runs in plain Node or the browser: Electron enters only through src/main/shell and src/preload.';
const NO_NODE = 'src/shared is pure TypeScript shared with the renderer: no Node modules.';
const NO_IPC_MAIN = 'Only src/main/shell/ipc.ts registers IPC handlers.';
const NO_SHELL = 'These files import electron; code that tests load must not.';

// Files that import electron themselves; a pure module or a test reaching them would drag electron in.
const electronBoundFiles = [
  '**/shell/ipc',
  '**/shell/window',
  '**/shell/key-protector',
  '**/main/index',
  '**/preload/index',
];

/** `no-restricted-imports` options: later blocks replace earlier ones, so each block states its whole list. */
function restrictImports({ electron = false, node = false }) {
  const paths = [
    electron
      ? { name: 'electron', message: NO_ELECTRON }
      : { name: 'electron', importNames: ['ipcMain'], message: NO_IPC_MAIN },
  ];
  const patterns = [];
  if (electron) {
    patterns.push({ group: ['electron/*'], message: NO_ELECTRON });
    patterns.push({ group: electronBoundFiles, message: NO_SHELL });
  }
  if (node) patterns.push({ group: ['node:*'], message: NO_NODE });
  return ['error', { paths, patterns }];
}

module.exports = defineConfig([
  globalIgnores(['out/', 'dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.vite/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    rules: { 'no-restricted-imports': restrictImports({}) },
  },
  {
    files: ['src/main/shell/ipc.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/main/core/**', 'src/renderer/**', 'tests/**'],
    rules: { 'no-restricted-imports': restrictImports({ electron: true }) },
  },
  {
    files: ['src/shared/**'],
    rules: { 'no-restricted-imports': restrictImports({ electron: true, node: true }) },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: globals.browser },
  },
]);

// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The core must run without a UI: it never imports React, Ink, zustand or the view layer. */
const coreBoundary = {
  patterns: [
    { group: ['react', 'react/*', 'ink', 'ink-*', 'zustand', 'zustand/*'], message: 'src/ is UI-free.' },
    { group: ['**/components/**', '**/src/state/**', '../state/*', '../state'], message: 'src/ is UI-free.' },
  ],
};

/** Components render the store; they never reach for ptys, SQLite or the running core. */
const viewBoundary = {
  patterns: [
    {
      group: ['@lydell/node-pty', 'node-pty', 'better-sqlite3', 'execa', 'simple-git', 'chokidar'],
      message: 'components/ are view-only.',
    },
  ],
};

/**
 * Adapters are data plus pure functions (STYLE.md): no UI, no ptys or SQLite (the core spawns and
 * records), and not src/config/schema.ts, which builds its agent union from agents/registry.ts
 * (importing it back would be a cycle; the shared fields live in src/config/agent-fields.ts).
 */
const agentBoundary = {
  patterns: [
    ...coreBoundary.patterns,
    {
      group: ['@lydell/node-pty', 'node-pty', 'better-sqlite3'],
      message: 'agents/ are pure: the core spawns and records.',
    },
    {
      group: ['**/src/config/schema.js', '**/config/schema.js'],
      message: 'agents/ import src/config/agent-fields.js (schema.ts imports the registry).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/state/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', coreBoundary] },
  },
  {
    files: ['agents/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', agentBoundary] },
  },
  {
    files: ['components/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', viewBoundary] },
  },
  {
    files: ['components/**/*.tsx', 'src/cli/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['src/cli/**', 'test/**', 'bench/**', 'scripts/**', 'examples/**'],
    rules: { 'no-console': 'off' },
  },
);

import type { Theme } from './types.js';

/**
 * The 16 named ANSI colours only, so the user's terminal palette decides the actual shades (the
 * codex TUI's rule). The default theme: it reads on dark and light backgrounds alike.
 */
export const ansiTheme: Theme = {
  name: 'ansi',
  status: { pending: 'gray', running: 'cyan', done: 'green', failed: 'red', skipped: 'yellow' },
  border: { default: 'gray', focus: 'cyan' },
  text: { muted: 'gray', title: 'blue', key: 'cyan' },
  breakpoint: { marker: 'yellowBright', message: 'yellow' },
  diff: { added: 'green', removed: 'red', hunk: 'magenta', meta: 'gray' },
};

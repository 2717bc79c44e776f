import type { Theme } from './types.js';

/** Truecolor tokens for dark backgrounds. */
export const darkTheme: Theme = {
  name: 'dark',
  status: { pending: '#7f8796', running: '#61afef', done: '#98c379', failed: '#e06c75', skipped: '#d19a66' },
  border: { default: '#4b5263', focus: '#61afef' },
  text: { muted: '#7f8796', title: '#e5e9f0', key: '#56b6c2' },
  breakpoint: { marker: '#e5c07b', message: '#f0d9a8' },
  diff: { added: '#98c379', removed: '#e06c75', hunk: '#c678dd', meta: '#7f8796' },
};

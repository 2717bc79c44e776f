import type { Theme } from './types.js';

/** Truecolor tokens for light backgrounds (darker shades, enough contrast on white). */
export const lightTheme: Theme = {
  name: 'light',
  status: { pending: '#6a737d', running: '#005cc5', done: '#22863a', failed: '#cb2431', skipped: '#b08800' },
  border: { default: '#a0a8b4', focus: '#005cc5' },
  text: { muted: '#6a737d', title: '#24292e', key: '#0366d6' },
  breakpoint: { marker: '#b35900', message: '#735c0f' },
  diff: { added: '#22863a', removed: '#cb2431', hunk: '#6f42c1', meta: '#6a737d' },
};

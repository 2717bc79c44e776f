/** Width-exact text helpers, shared with the selectors (src/lib/text-fit.ts). */
export { cells, fit, printable, truncate } from '../src/lib/text-fit.js';

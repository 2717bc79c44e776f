import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from './package-root.js';

let cached: string | undefined;

/**
 * haco-tui's own version, read once from its package.json (the one place it is written), for
 * `haco --version` and `haco-tui --version`.
 * @throws Error when package.json is missing or has no `version` (a broken install)
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('haco-tui: its package.json has no version');
  return (cached = pkg.version);
}

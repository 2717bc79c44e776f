import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding haco-tui's own package.json, whether running from `src/` (tsx, vitest) or
 * from the compiled `dist/src/`.
 * @throws Error when no package.json is found above this module (a broken install)
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config.yaml'))) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('haco-tui: cannot find its package root');
    dir = parent;
  }
}

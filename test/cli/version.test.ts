import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { PROJECT_ROOT } from '../helpers/repo.js';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('--version', () => {
  it.each(['haco', 'haco-tui'])('%s --version prints the package version and exits 0', async (bin) => {
    const result = await execa(
      process.execPath,
      [join(PROJECT_ROOT, 'dist', 'src', 'cli', `${bin}.js`), '--version'],
      {
        cwd: PROJECT_ROOT,
        stdin: 'ignore',
        reject: false,
      },
    );
    expect(result.stdout).toBe(VERSION);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

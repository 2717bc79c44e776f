import { execa } from 'execa';

import { PROJECT_ROOT } from './repo.js';

/** What a finished CLI process left behind. */
export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `haco` bin (dist/, built by test/global-setup.ts) as a user would, in `cwd`, with
 * no stdin.
 * @param options.env extra environment (HOME should be the test's own)
 * @param options.timeoutMs kill after this long, ms
 */
export async function runHaco(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  const result = await execa(process.execPath, [`${PROJECT_ROOT}/dist/src/cli/haco.js`, ...args], {
    cwd: options.cwd,
    env: { ...options.env },
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

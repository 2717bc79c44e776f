import { execa } from 'execa';

import { killProcessGroup } from '../sessions/process-group.js';

/** The outcome of a task's verify commands. */
export interface VerifyResult {
  readonly ok: boolean;
  /** Each command as `$ cmd`, its combined stdout/stderr and `[exit N]`, in order. */
  readonly output: string;
}

/**
 * Runs verify commands one after another with `sh -c` in `cwd`, stopping at the first failure.
 * Each runs in its own process group, killed whole at `timeoutMs`.
 * @param timeoutMs per command, ms
 */
export async function runVerify(
  commands: readonly string[],
  cwd: string,
  timeoutMs: number,
): Promise<VerifyResult> {
  let output = '';
  for (const command of commands) {
    const child = execa(command, {
      shell: true,
      cwd,
      all: true,
      reject: false,
      detached: true,
      stdin: 'ignore',
      env: { CI: '1' },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) void killProcessGroup(child.pid, 500);
    }, timeoutMs);
    const result = await child;
    clearTimeout(timer);
    if (child.pid) await killProcessGroup(child.pid, 200);
    const code = timedOut
      ? `timed out after ${timeoutMs} ms`
      : `exit ${result.exitCode ?? result.signal ?? '?'}`;
    output += `$ ${command}\n${result.all ?? ''}${result.all?.endsWith('\n') || !result.all ? '' : '\n'}[${code}]\n`;
    if (timedOut || result.exitCode !== 0) return { ok: false, output };
  }
  return { ok: true, output };
}

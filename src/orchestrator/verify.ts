import { execa } from 'execa';

import { formatDuration } from '../lib/duration.js';
import { setLongTimeout } from '../lib/timer.js';
import { minimalEnv } from '../sessions/child-env.js';
import { killProcessGroup } from '../sessions/process-group.js';
import { MARKER_ENV, sweepMarked } from '../sessions/sweep.js';

/** The outcome of a task's verify commands. */
export interface VerifyResult {
  readonly ok: boolean;
  /** Each command as `$ cmd`, its combined stdout/stderr and `[exit N]`, in order. */
  readonly output: string;
}

/**
 * Runs verify commands one after another with `sh -c` in `cwd`, stopping at the first failure.
 * Each runs in its own process group, killed whole at `timeoutMs` and when it ends; with a
 * `marker`, each carries it (`HACO_MARKER`) and every process still marked is killed after each
 * command, so nothing a check started in another session outlives it.
 * @param timeoutMs per command, ms
 * @param marker the attempt's process marker (sessions/sweep.ts)
 * @param envPassthrough haco's variables (names or `PREFIX_*`, config `verify_env_passthrough`)
 *   a command gets besides the basics (see minimalEnv) and `CI=1`; nothing else of haco's
 *   environment reaches it
 */
export async function runVerify(
  commands: readonly string[],
  cwd: string,
  timeoutMs: number,
  marker?: string,
  envPassthrough: readonly string[] = [],
): Promise<VerifyResult> {
  const env = minimalEnv(envPassthrough, { CI: '1' });
  let output = '';
  for (const command of commands) {
    const child = execa(command, {
      shell: true,
      cwd,
      all: true,
      reject: false,
      detached: true,
      stdin: 'ignore',
      env: { ...env, ...(marker === undefined ? {} : { [MARKER_ENV]: marker }) },
      extendEnv: false,
    });
    let timedOut = false;
    // Chained: one Node timer fires after 1 ms for a delay of 2^31 ms (~24.8 days) or more.
    const timer = setLongTimeout(() => {
      timedOut = true;
      // A marked descendant in another session may hold the output pipe open: sweep it too.
      const stopped = child.pid ? killProcessGroup(child.pid, 500) : Promise.resolve();
      if (marker !== undefined) void stopped.then(() => sweepMarked({ exact: marker }));
    }, timeoutMs);
    const result = await child;
    timer.clear();
    if (child.pid) await killProcessGroup(child.pid, 200);
    if (marker !== undefined) await sweepMarked({ exact: marker });
    const code = timedOut
      ? `timed out after ${formatDuration(timeoutMs)}`
      : `exit ${result.exitCode ?? result.signal ?? '?'}`;
    output += `$ ${command}\n${result.all ?? ''}${result.all?.endsWith('\n') || !result.all ? '' : '\n'}[${code}]\n`;
    if (timedOut || result.exitCode !== 0) return { ok: false, output };
  }
  return { ok: true, output };
}

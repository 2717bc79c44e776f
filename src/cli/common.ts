import { existsSync } from 'node:fs';

import { InvalidArgumentError } from 'commander';
import { join, relative } from 'node:path';

import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ExitCode, HacoError } from '../lib/errors.js';
import { formatDuration } from '../lib/duration.js';
import type { Plan } from '../plan/schema.js';
import { loadPlan } from '../plan/validate.js';
import type { RunStatus, RunSummary } from '../orchestrator/types.js';
import { Workspace } from '../workspace/git.js';

/** Exit code for a run that stopped with this status (DESIGN.md, "CLI"). */
export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'completed':
      return ExitCode.completed;
    case 'awaiting_approval':
    case 'paused':
    case 'planning':
    case 'running':
      return ExitCode.paused;
    case 'failed':
    case 'cancelled':
    case 'rolled_back':
      return ExitCode.failed;
  }
}

/**
 * Runs a command body, turning expected failures (HacoError) into their lines on stderr and their
 * exit code; anything else is a bug and is shown with its stack.
 */
export async function runCommand(body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    if (error instanceof HacoError) {
      for (const line of error.lines) process.stderr.write(`haco: ${line}\n`);
      code = error.exitCode;
    } else {
      process.stderr.write(`haco: internal error: ${(error as Error).stack ?? String(error)}\n`);
      code = ExitCode.failed;
    }
  }
  process.exit(code);
}

/** The repository, config and plan for `haco run` / `haco validate` / `haco-tui --plan`, read-only. */
export async function loadInputs(
  planFile: string,
  configFile: string | undefined,
): Promise<{ workspace: Workspace; config: Config; plan: Plan }> {
  const workspace = await Workspace.open(process.cwd());
  const { config } = loadConfig({ repoRoot: workspace.root, ...(configFile ? { configFile } : {}) });
  const plan = loadPlan(planFile, config, workspace.root, planFile);
  return { workspace, config, plan };
}

/** Whether the repository has a state database (so read-only commands never create one). */
export function hasState(repoRoot: string): boolean {
  return existsSync(join(repoRoot, '.haco', 'state.db'));
}

/**
 * Parses `--concurrency N`.
 * @throws InvalidArgumentError (commander prints it as one line, exit 2) when N is not 1–64
 */
export function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError(`expected a whole number from 1 to 64, got "${text}"`);
  return n;
}

const GLYPH: Record<string, string> = {
  done: '✔',
  failed: '✘',
  skipped: '⊘',
  running: '⠋',
  verifying: '⠋',
  pending: '◌',
  ready: '◌',
  rolled_back: '↺',
};

/** A human summary of a run, several lines. */
export function formatSummary(s: RunSummary): string {
  const done = s.tasks.filter((t) => t.status === 'done').length;
  const lines = [
    `run ${s.run_id} · ${s.status} · ${done}/${s.tasks.length} done · $${s.cost_usd.toFixed(2)} · ${formatDuration(s.duration_ms)}`,
  ];
  const width = Math.max(...s.tasks.map((t) => t.id.length));
  for (const t of s.tasks) {
    const attempts = `${t.attempts} attempt${t.attempts === 1 ? '' : 's'}`;
    lines.push(
      `  ${GLYPH[t.status] ?? '?'} ${t.id.padEnd(width)}  ${t.status.padEnd(9)} ${attempts.padEnd(10)} ${t.commit?.slice(0, 8) ?? ''}`.trimEnd(),
    );
  }
  const pending = s.breakpoints.filter((b) => b.status === 'pending');
  for (const b of pending)
    lines.push(`  ▌breakpoint ${b.id} · ${b.kind}${b.task ? ` · ${b.task}` : ''} · ${b.message}`);
  if (pending.length)
    lines.push(
      `  answer with: haco approve ${s.run_id} [BP] | haco reject ${s.run_id} [BP], then haco resume ${s.run_id}`,
    );
  return lines.join('\n');
}

/** A path as the user would type it from the current directory. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || '.';
}

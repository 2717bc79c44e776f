import { existsSync } from 'node:fs';

import { InvalidArgumentError } from 'commander';
import { join, relative } from 'node:path';

import { loadConfigLayers, type ConfigLayers } from '../config/secrets.js';
import { toStorageError } from '../db/storage-errors.js';
import type { Config } from '../config/schema.js';
import { ExitCode, HacoError } from '../lib/errors.js';
import { formatDuration } from '../lib/duration.js';
import type { Plan } from '../plan/schema.js';
import { assertAgentsReady, assertAgentsRunnable } from '../plan/agents-check.js';
import { loadPlan } from '../plan/validate.js';
import type { BreakpointAnswer, RunStatus, RunSummary } from '../orchestrator/types.js';
import { formatTokens, formatUsage } from '../orchestrator/usage.js';
import { Workspace } from '../workspace/git.js';

/** Exit code for a run that stopped with this status (DESIGN.md, "CLI"). */
export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case 'completed':
      return ExitCode.completed;
    case 'awaiting_approval':
    case 'paused':
    case 'interrupted':
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
  } catch (caught) {
    // A disk or database fault is expected, not a bug: one line and exit code 4.
    const error = toStorageError(caught) ?? caught;
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
): Promise<{ workspace: Workspace; config: Config; layers: ConfigLayers; plan: Plan }> {
  const workspace = await Workspace.open(process.cwd());
  // The layers are stored with the run (its config only redacted), so a resume can reload them.
  const { config, layers } = loadConfigLayers(workspace.root, configFile || undefined);
  const plan = loadPlan(planFile, config, workspace.root, planFile);
  assertAgentsRunnable(
    plan.tasks.map((t) => t.agent),
    config,
    workspace.root,
  );
  await assertAgentsReady(
    plan.tasks.map((t) => t.agent),
    config,
  );
  return { workspace, config, layers, plan };
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
  const input = s.tasks.reduce((sum, t) => sum + t.tokens.input, 0);
  const output = s.tasks.reduce((sum, t) => sum + t.tokens.output, 0);
  const tokens = input || output ? ` · ${formatTokens(input)}/${formatTokens(output)} tok` : '';
  const lines = [
    `run ${s.run_id} · ${s.status} · ${done}/${s.tasks.length} done · $${s.cost_usd.toFixed(2)}${tokens} · ${formatDuration(s.duration_ms)}`,
  ];
  const width = Math.max(...s.tasks.map((t) => t.id.length));
  for (const t of s.tasks) {
    const attempts = `${t.attempts} attempt${t.attempts === 1 ? '' : 's'}`;
    lines.push(
      `  ${GLYPH[t.status] ?? '?'} ${t.id.padEnd(width)}  ${t.status.padEnd(9)} ${attempts.padEnd(10)} ${(t.commit?.slice(0, 8) ?? '').padEnd(8)} ${formatUsage(t.tokens.input, t.tokens.output, t.cost_usd) ?? ''}${t.local_tokens?.calls ? ` · local ${formatTokens(t.local_tokens.input + t.local_tokens.output)} tok` : ''}`.trimEnd(),
    );
    // Why it failed, with an agent's last output lines (src/orchestrator/failure.ts).
    if (t.status === 'failed' && t.error) lines.push(...t.error.split('\n').map((l) => `      ${l}`));
  }
  const pending = s.breakpoints.filter((b) => b.status === 'pending');
  for (const b of pending) {
    lines.push(`  ▌breakpoint ${b.id} · ${b.kind}${b.task ? ` · ${b.task}` : ''} · ${b.message}`);
    if (b.kind === 'ownership_violation') lines.push(`    ${violationAnswers(b.answers, b.task)}`);
  }
  if (pending.length) {
    const verbs = [...new Set(pending.flatMap((b) => b.answers))];
    lines.push(
      `  answer with: ${verbs.map((v) => `haco ${v} ${s.run_id} [BP]`).join(' | ')}, then haco resume ${s.run_id}`,
    );
  }
  return lines.join('\n');
}

/** What each answer to an ownership violation does: `approve: grant it to rogue · reject: revert it · …`. */
function violationAnswers(answers: readonly BreakpointAnswer[], writer: string | null): string {
  const meaning: Record<BreakpointAnswer, string> = {
    approve: `grant it to ${writer ?? 'the task'}`,
    reject: 'revert it',
    keep: 'keep it as your own',
  };
  return answers.map((a) => `${a}: ${meaning[a]}`).join(' · ');
}

/** A path as the user would type it from the current directory. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || '.';
}

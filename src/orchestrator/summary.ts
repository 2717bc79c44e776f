import type { StateDb } from '../db/state-db.js';
import { taskChanges, type ChangedFile } from '../workspace/changes.js';
import type { Workspace } from '../workspace/git.js';
import { isRunHeldLive } from './lease.js';
import type { RunSummary } from './types.js';
import { budgetOf, spendOf } from './budget.js';
import { sumUsage } from './usage.js';
import { localUsageByTask } from '../db/delegate-calls.js';

/**
 * What each task of a run changed since its checkpoint, measured on the work tree now
 * (`taskChanges`); tasks that never started (no checkpoint) are absent. Read-only.
 * @returns task id → `[{path, added, removed}]`
 */
export async function runChanges(
  db: StateDb,
  workspace: Workspace,
  runId: string,
): Promise<Map<string, ChangedFile[]>> {
  const files = new Map(db.getTasks(runId).map((t) => [t.id, t.files]));
  const out = new Map<string, ChangedFile[]>();
  for (const checkpoint of db.getCheckpoints(runId)) {
    out.set(
      checkpoint.taskId,
      await taskChanges(workspace, checkpoint.entries, files.get(checkpoint.taskId) ?? []),
    );
  }
  return out;
}

/**
 * Builds the `--json` object of `haco run` / `haco status` from the database (a `running` run
 * whose lease holder died is reported `interrupted`):
 * `{run_id, status, goal, tasks: [{id, status, attempts, commit, changed_files?, tokens: {input, output}, cost_usd,
 * local_tokens?: {input, output, calls}}], breakpoints:
 * [{id, kind, task, message, status, answers}], cost_usd, spend_usd, budget: {run_usd, task_usd},
 * duration_ms}`.
 * @param changes from `runChanges`; when given, every task gets `changed_files` (`[]` when absent)
 * @throws Error when the run does not exist
 */
export function summarizeRun(
  db: StateDb,
  runId: string,
  now: number,
  changes?: ReadonlyMap<string, ChangedFile[]>,
): RunSummary {
  const run = db.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const attempts = db.getAttempts(runId);
  const start = run.startedAt ?? run.createdAt;
  // The hybrid loop: tasks with `delegate:` (or that delegated anyway) show their local usage.
  const local = localUsageByTask(db, runId);
  const delegating = new Set(
    db
      .runInputs(runId)
      .plan.tasks.filter((t) => t.delegate !== undefined)
      .map((t) => t.id),
  );
  return {
    run_id: run.id,
    // A run left `running` by a process that died is `interrupted` (computed here: status is read-only).
    status: run.status === 'running' && !isRunHeldLive(db, runId) ? 'interrupted' : run.status,
    goal: run.goal,
    tasks: db.getTasks(runId).map((t) => ({
      id: t.id,
      status: t.status,
      attempts: attempts.filter((a) => a.taskId === t.id).length,
      commit: t.commitSha,
      ...(t.error ? { error: t.error } : {}),
      ...(changes ? { changed_files: changes.get(t.id) ?? [] } : {}),
      ...sumUsage(attempts.filter((a) => a.taskId === t.id)),
      ...(delegating.has(t.id) || local.has(t.id)
        ? { local_tokens: local.get(t.id) ?? { input: 0, output: 0, calls: 0 } }
        : {}),
    })),
    breakpoints: db.getBreakpoints(runId).map((b) => ({
      id: b.id,
      kind: b.kind,
      task: b.taskId,
      message: b.message,
      status: b.status,
      answers: b.answers,
    })),
    cost_usd: Math.round(attempts.reduce((sum, a) => sum + (a.costUsd ?? 0), 0) * 1e6) / 1e6,
    spend_usd: spendOf(db, runId),
    budget: budgetOf(db.runInputs(runId).config),
    duration_ms: (run.endedAt ?? now) - start,
  };
}

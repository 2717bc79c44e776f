import type { StateDb } from '../db/state-db.js';
import type { RunSummary } from './types.js';

/**
 * Builds the `--json` object of `haco run` / `haco status` from the database:
 * `{run_id, status, goal, tasks: [{id, status, attempts, commit}], breakpoints: [{id, kind, task,
 * message, status}], cost_usd, duration_ms}`.
 * @throws Error when the run does not exist
 */
export function summarizeRun(db: StateDb, runId: string, now: number): RunSummary {
  const run = db.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  const attempts = db.getAttempts(runId);
  const start = run.startedAt ?? run.createdAt;
  return {
    run_id: run.id,
    status: run.status,
    goal: run.goal,
    tasks: db.getTasks(runId).map((t) => ({
      id: t.id,
      status: t.status,
      attempts: attempts.filter((a) => a.taskId === t.id).length,
      commit: t.commitSha,
    })),
    breakpoints: db.getBreakpoints(runId).map((b) => ({
      id: b.id,
      kind: b.kind,
      task: b.taskId,
      message: b.message,
      status: b.status,
    })),
    cost_usd: Math.round(attempts.reduce((sum, a) => sum + (a.costUsd ?? 0), 0) * 1e6) / 1e6,
    duration_ms: (run.endedAt ?? now) - start,
  };
}

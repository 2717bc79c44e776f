import type { StateDb } from './state-db.js';

/**
 * One call haco made to the supervisor model (planning, review), as `supervisor_calls` stores it
 * (schema v5). Its cost counts toward the run's budget (src/orchestrator/budget.ts).
 */
export interface SupervisorCall {
  readonly runId: string;
  /** The task it was about (a review), or null (planning). */
  readonly taskId: string | null;
  /** What it was for, e.g. `plan`, `review`. */
  readonly purpose: string;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** USD, as the provider reported it or priced from the config; absent: unknown. */
  readonly costUsd?: number;
  /** Epoch ms. */
  readonly now: number;
}

/** Records a supervisor call of a run. */
export function recordSupervisorCall(db: StateDb, call: SupervisorCall): void {
  db.db
    .prepare(
      `INSERT INTO supervisor_calls (run_id, task_id, purpose, model, input_tokens, output_tokens, cost_usd, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      call.runId,
      call.taskId,
      call.purpose,
      call.model ?? null,
      call.inputTokens ?? null,
      call.outputTokens ?? null,
      call.costUsd ?? null,
      call.now,
    );
}

/** USD the supervisor's calls of a run cost (those with a known cost); 0 when none. */
export function supervisorSpend(db: StateDb, runId: string): number {
  const row = db.db
    .prepare('SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM supervisor_calls WHERE run_id = ?')
    .get(runId) as { usd: number };
  return row.usd;
}

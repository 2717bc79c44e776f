import type { StateDb } from './state-db.js';

/**
 * One draft a task's agent asked the local model for through `haco worker` (the hybrid loop,
 * README "The hybrid loop"), as `delegate_calls` stores it (schema v6).
 */
export interface DelegateCall {
  readonly runId: string;
  readonly taskId: string;
  /** The attempt's number (1-based) whose agent made the call. */
  readonly attempt: number;
  readonly model: string;
  readonly ok: boolean;
  /** Size of the prompt sent, bytes (UTF-8). */
  readonly promptBytes: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Wall time of the model request, ms. */
  readonly durationMs: number;
  /** One line; null when `ok`. */
  readonly error: string | null;
  /** Epoch ms when haco recorded it. */
  readonly now: number;
}

/** Records a delegated call on its attempt. */
export function recordDelegateCall(db: StateDb, call: DelegateCall): void {
  db.db
    .prepare(
      `INSERT INTO delegate_calls (run_id, task_id, attempt, model, ok, prompt_bytes, input_tokens, output_tokens, duration_ms, error, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      call.runId,
      call.taskId,
      call.attempt,
      call.model,
      call.ok ? 1 : 0,
      call.promptBytes,
      call.inputTokens,
      call.outputTokens,
      call.durationMs,
      call.error,
      call.now,
    );
}

/** Local (delegated) usage of one task: tokens summed over its calls, and the number of calls. */
export interface LocalUsage {
  readonly input: number;
  readonly output: number;
  readonly calls: number;
}

/** Local usage per task of a run (tasks without a delegated call are absent). */
export function localUsageByTask(db: StateDb, runId: string): Map<string, LocalUsage> {
  const rows = db.db
    .prepare(
      `SELECT task_id AS taskId, SUM(input_tokens) AS input, SUM(output_tokens) AS output, COUNT(*) AS calls
       FROM delegate_calls WHERE run_id = ? GROUP BY task_id`,
    )
    .all(runId) as { taskId: string; input: number; output: number; calls: number }[];
  return new Map(rows.map((r) => [r.taskId, { input: r.input, output: r.output, calls: r.calls }]));
}

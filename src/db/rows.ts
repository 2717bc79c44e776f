// Row mappers: SQLite rows (snake_case, JSON text) to the typed rows of src/orchestrator/types.ts.
import type {
  AttemptRow,
  AttemptStatus,
  BreakpointAnswer,
  BreakpointKind,
  BreakpointRow,
  RunRow,
  RunStatus,
  TaskRow,
  TaskStatus,
} from '../orchestrator/types.js';

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

/** A nullable TEXT column. */
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** A nullable number column. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Maps a row of its table to the typed row. */
export function toRun(r: Row): RunRow {
  return {
    id: String(r.id),
    goal: String(r.goal),
    planFile: str(r.plan_file),
    status: r.status as RunStatus,
    baseHead: str(r.base_head),
    concurrency: Number(r.concurrency),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
  };
}

/** Maps a row of its table to the typed row. */
export function toTask(r: Row): TaskRow {
  const spec = JSON.parse(String(r.spec_json)) as { dependsOn: string[]; files: string[] };
  return {
    runId: String(r.run_id),
    id: String(r.id),
    title: String(r.title),
    agent: String(r.agent),
    status: r.status as TaskStatus,
    dependsOn: spec.dependsOn,
    files: spec.files,
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    commitSha: str(r.commit_sha),
    error: str(r.error),
  };
}

/** Maps a row of its table to the typed row. */
export function toAttempt(r: Row): AttemptRow {
  return {
    id: Number(r.id),
    runId: String(r.run_id),
    taskId: String(r.task_id),
    n: Number(r.n),
    status: r.status as AttemptStatus,
    pid: num(r.pid),
    sessionId: str(r.session_id),
    exitCode: num(r.exit_code),
    signal: num(r.signal),
    startedAt: Number(r.started_at),
    agentEndedAt: num(r.agent_ended_at),
    endedAt: num(r.ended_at),
    costUsd: num(r.cost_usd),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    verifyOutput: str(r.verify_output),
    error: str(r.error),
    transcriptFile: str(r.transcript_file),
  };
}

/** Maps a row of its table to the typed row. */
export function toBreakpoint(r: Row): BreakpointRow {
  return {
    id: Number(r.id),
    runId: String(r.run_id),
    taskId: str(r.task_id),
    kind: r.kind as BreakpointKind,
    message: String(r.message),
    answers: JSON.parse(String(r.answers_json)) as BreakpointAnswer[],
    status: r.status as BreakpointRow['status'],
    answeredBy: str(r.answered_by),
    createdAt: Number(r.created_at),
    details:
      r.details_json === null || r.details_json === undefined
        ? null
        : (JSON.parse(String(r.details_json)) as unknown),
  };
}

/**
 * One path of a stored checkpoint: blob id (null = the path did not exist) and, for checkpoints
 * taken since haco recorded them, permission bits (`st_mode & 0o777`).
 */

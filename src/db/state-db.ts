import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import type { Config } from '../config/schema.js';
import type { Plan } from '../plan/schema.js';
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
import { ClaimStore } from './claims.js';
import { migrate } from './migrations.js';
import { str, toAttempt, toBreakpoint, toRun, toTask, type Row } from './rows.js';

export interface CheckpointRecord {
  readonly path: string;
  readonly blob: string | null;
  readonly mode?: number;
}

/** Columns of `attempts` that may change after the attempt starts. */
export interface AttemptUpdate {
  status?: AttemptStatus;
  pid?: number;
  sessionId?: string;
  exitCode?: number | null;
  agentEndedAt?: number;
  endedAt?: number;
  costUsd?: number;
  usage?: unknown;
  verifyOutput?: string;
  error?: string;
}

const ATTEMPT_COLUMNS: Record<keyof AttemptUpdate, string> = {
  status: 'status',
  pid: 'pid',
  sessionId: 'session_id',
  exitCode: 'exit_code',
  agentEndedAt: 'agent_ended_at',
  endedAt: 'ended_at',
  costUsd: 'cost_usd',
  usage: 'usage_json',
  verifyOutput: 'verify_output',
  error: 'error',
};

/**
 * The state database, `.haco/state.db` in the repository (better-sqlite3, WAL, foreign keys on,
 * migrations by `user_version`). It is the source of truth: every state change is written here
 * before it is reported as an event.
 */
export class StateDb {
  readonly db: Database.Database;
  /** Ownership claims (table `claims`). */
  readonly claims: ClaimStore;

  /**
   * Opens (and creates or migrates) a database file.
   * @throws Error when the file is from a newer haco or is not a SQLite database
   */
  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.claims = new ClaimStore(this.db);
  }

  /** Opens `<repoRoot>/.haco/state.db`, creating `.haco/` if needed. */
  static openInRepo(repoRoot: string): StateDb {
    const dir = join(repoRoot, '.haco');
    mkdirSync(dir, { recursive: true });
    return new StateDb(join(dir, 'state.db'));
  }

  close(): void {
    this.db.close();
  }

  /** Records a new run and all its tasks (status `pending`) in one transaction. */
  createRun(run: {
    id: string;
    plan: Plan;
    planFile: string | null;
    config: Config;
    status: RunStatus;
    baseHead: string | null;
    concurrency: number;
    now: number;
  }): void {
    const insertRun = this.db.prepare(
      `INSERT INTO runs (id, goal, plan_file, plan_json, config_json, status, base_head, concurrency, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertTask = this.db.prepare(
      `INSERT INTO tasks (run_id, id, ord, title, agent, status, spec_json) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    );
    this.db.transaction(() => {
      insertRun.run(
        run.id,
        run.plan.goal,
        run.planFile,
        JSON.stringify(run.plan),
        JSON.stringify(run.config),
        run.status,
        run.baseHead,
        run.concurrency,
        run.now,
      );
      run.plan.tasks.forEach((t, i) => insertTask.run(run.id, t.id, i, t.title, t.agent, JSON.stringify(t)));
    })();
  }

  /** The stored plan and config of a run, exactly as it started. */
  runInputs(runId: string): { plan: Plan; config: Config } {
    const r = this.db.prepare('SELECT plan_json, config_json FROM runs WHERE id = ?').get(runId) as
      Row | undefined;
    if (!r) throw new Error(`no run ${runId}`);
    return {
      plan: JSON.parse(String(r.plan_json)) as Plan,
      config: JSON.parse(String(r.config_json)) as Config,
    };
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Row | undefined;
    return r ? toRun(r) : undefined;
  }

  /** Runs, newest first. */
  listRuns(): RunRow[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as Row[]).map(
      toRun,
    );
  }

  /** Runs whose id starts with `prefix` (users type a few characters). */
  findRuns(prefix: string): RunRow[] {
    const rows = this.db
      .prepare("SELECT * FROM runs WHERE id LIKE ? || '%' ORDER BY created_at DESC")
      .all(prefix);
    return (rows as Row[]).map(toRun);
  }

  setRunStatus(runId: string, status: RunStatus, now: number): void {
    const ends = ['completed', 'failed', 'cancelled', 'rolled_back'].includes(status);
    this.db
      .prepare(
        `UPDATE runs SET status = ?,
           started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
           ended_at = CASE WHEN ? THEN ? ELSE NULL END
         WHERE id = ?`,
      )
      .run(status, status, now, ends ? 1 : 0, now, runId);
  }

  getTasks(runId: string): TaskRow[] {
    return (this.db.prepare('SELECT * FROM tasks WHERE run_id = ? ORDER BY ord').all(runId) as Row[]).map(
      toTask,
    );
  }

  /** Sets a task's status; `startedAt` is kept from the first start, `endedAt` set on terminal states. */
  setTaskStatus(
    runId: string,
    taskId: string,
    status: TaskStatus,
    now: number,
    extra: { commitSha?: string | null; error?: string | null } = {},
  ): void {
    const ends = ['done', 'failed', 'skipped', 'rolled_back'].includes(status);
    this.db
      .prepare(
        `UPDATE tasks SET status = ?,
           started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
           ended_at = CASE WHEN ? THEN ? ELSE NULL END,
           commit_sha = CASE WHEN ? THEN ? ELSE commit_sha END,
           error = CASE WHEN ? THEN ? ELSE error END
         WHERE run_id = ? AND id = ?`,
      )
      .run(
        status,
        status,
        now,
        ends ? 1 : 0,
        now,
        'commitSha' in extra ? 1 : 0,
        extra.commitSha ?? null,
        'error' in extra ? 1 : 0,
        extra.error ?? null,
        runId,
        taskId,
      );
  }

  /** Starts attempt number `n` of a task; returns its row id. */
  startAttempt(runId: string, taskId: string, n: number, now: number, transcriptFile: string): number {
    const info = this.db
      .prepare(
        `INSERT INTO attempts (run_id, task_id, n, status, started_at, transcript_file) VALUES (?, ?, ?, 'running', ?, ?)`,
      )
      .run(runId, taskId, n, now, transcriptFile);
    return Number(info.lastInsertRowid);
  }

  updateAttempt(id: number, update: AttemptUpdate): void {
    const keys = Object.keys(update) as Array<keyof AttemptUpdate>;
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${ATTEMPT_COLUMNS[k]} = ?`).join(', ');
    const values = keys.map((k) => {
      const v = update[k];
      if (k === 'usage') return v === undefined ? null : JSON.stringify(v);
      return v ?? null;
    });
    this.db
      .prepare(`UPDATE attempts SET ${sets} WHERE id = ?`)
      .run(...(values as Array<string | number | null>), id);
  }

  getAttempts(runId: string, taskId?: string): AttemptRow[] {
    const rows = taskId
      ? this.db
          .prepare('SELECT * FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY n')
          .all(runId, taskId)
      : this.db.prepare('SELECT * FROM attempts WHERE run_id = ? ORDER BY id').all(runId);
    return (rows as Row[]).map(toAttempt);
  }

  /**
   * Stores a task's checkpoint: HEAD and the blob id (null = did not exist) and permission bits of
   * each owned path.
   */
  saveCheckpoint(
    runId: string,
    taskId: string,
    head: string | null,
    entries: ReadonlyArray<CheckpointRecord>,
    now: number,
  ): void {
    this.db
      .prepare(
        `INSERT INTO checkpoints (run_id, task_id, head, entries_json, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, task_id) DO NOTHING`,
      )
      .run(runId, taskId, head, JSON.stringify(entries), now);
  }

  getCheckpoint(
    runId: string,
    taskId: string,
  ): { head: string | null; entries: CheckpointRecord[] } | undefined {
    const r = this.db
      .prepare('SELECT * FROM checkpoints WHERE run_id = ? AND task_id = ?')
      .get(runId, taskId) as Row | undefined;
    if (!r) return undefined;
    return { head: str(r.head), entries: JSON.parse(String(r.entries_json)) as CheckpointRecord[] };
  }

  /** Every checkpoint of a run, oldest first (`createdAt` epoch ms). */
  getCheckpoints(
    runId: string,
  ): Array<{ taskId: string; head: string | null; entries: CheckpointRecord[]; createdAt: number }> {
    const rows = this.db
      .prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY created_at, rowid')
      .all(runId) as Row[];
    return rows.map((r) => ({
      taskId: String(r.task_id),
      head: str(r.head),
      entries: JSON.parse(String(r.entries_json)) as CheckpointRecord[],
      createdAt: Number(r.created_at),
    }));
  }

  /** Opens a pending breakpoint; returns its id. */
  openBreakpoint(bp: {
    runId: string;
    taskId: string | null;
    kind: BreakpointKind;
    message: string;
    answers: BreakpointAnswer[];
    now: number;
    details?: unknown;
  }): number {
    const info = this.db
      .prepare(
        `INSERT INTO breakpoints (run_id, task_id, kind, message, answers_json, status, created_at, details_json)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      )
      .run(
        bp.runId,
        bp.taskId,
        bp.kind,
        bp.message,
        JSON.stringify(bp.answers),
        bp.now,
        bp.details === undefined ? null : JSON.stringify(bp.details),
      );
    return Number(info.lastInsertRowid);
  }

  /** Records an answer; returns false when the breakpoint was not pending (already answered). */
  answerBreakpoint(id: number, answer: BreakpointAnswer, by: string, now: number): boolean {
    const status = answer === 'approve' ? 'approved' : 'rejected';
    const info = this.db
      .prepare(
        `UPDATE breakpoints SET status = ?, answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND status = 'pending'`,
      )
      .run(status, answer, by, now, id);
    return info.changes === 1;
  }

  getBreakpoints(runId: string): BreakpointRow[] {
    return (
      this.db.prepare('SELECT * FROM breakpoints WHERE run_id = ? ORDER BY id').all(runId) as Row[]
    ).map(toBreakpoint);
  }

  /** Appends to the run's event log (the audit trail behind `haco logs`). */
  addEvent(runId: string, kind: string, taskId: string | null, payload: unknown, now: number): void {
    this.db
      .prepare('INSERT INTO events (run_id, ts, kind, task_id, payload_json) VALUES (?, ?, ?, ?, ?)')
      .run(runId, now, kind, taskId, payload === undefined ? null : JSON.stringify(payload));
  }

  getEvents(runId: string): Array<{ ts: number; kind: string; taskId: string | null; payload: unknown }> {
    const rows = this.db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId) as Row[];
    return rows.map((r) => ({
      ts: Number(r.ts),
      kind: String(r.kind),
      taskId: str(r.task_id),
      payload: r.payload_json === null ? null : (JSON.parse(String(r.payload_json)) as unknown),
    }));
  }
}

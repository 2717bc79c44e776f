import { join } from 'node:path';

import type Database from 'better-sqlite3';

import type { Config } from '../config/schema.js';
import { redactConfig, type ConfigLayers } from '../config/secrets.js';
import type { Plan } from '../plan/schema.js';
import {
  ANSWER_STATUS,
  type AttemptRow,
  type AttemptStatus,
  type BreakpointAnswer,
  type BreakpointKind,
  type BreakpointRow,
  type RunRow,
  type RunStatus,
  type TaskRow,
  type TaskStatus,
} from '../orchestrator/types.js';
import { ClaimStore } from './claims.js';
import { openStateFile, type OpenStateOptions } from './open-db.js';
import { redactJson, redactText } from './redact.js';
import { str, toAttempt, toBreakpoint, toRun, toTask, type Row } from './rows.js';

export interface CheckpointRecord {
  readonly path: string;
  readonly blob: string | null;
  readonly mode?: number;
}

/**
 * What haco left in a task's owned paths when it last let go of them (column
 * `checkpoints.left_entries_json`, schema v3): the blob and mode of each owned file, null blob for
 * a literal path that did not exist. `attempts` is how many attempts had ended when it was taken
 * (0 = at the checkpoint, before the first attempt): a later attempt that never recorded its end
 * (haco was killed) may have written what is on disk now. Rollback restores a path only while it is
 * still what is recorded here.
 */
export interface LeftRecord {
  readonly attempts: number;
  readonly entries: readonly CheckpointRecord[];
}

/** A stored checkpoint: HEAD, the entries before the task, and what haco left (null: not recorded). */
export interface CheckpointRow {
  readonly taskId: string;
  readonly head: string | null;
  readonly entries: CheckpointRecord[];
  /** Null for runs stored before haco recorded what it left. */
  readonly left: LeftRecord | null;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** Maps a `checkpoints` row; `left_entries_json` is `{attempts, entries}` or null (not recorded). */
function toCheckpoint(r: Row): CheckpointRow {
  return {
    taskId: String(r.task_id),
    head: str(r.head),
    entries: JSON.parse(String(r.entries_json)) as CheckpointRecord[],
    left:
      r.left_entries_json === null || r.left_entries_json === undefined
        ? null
        : (JSON.parse(String(r.left_entries_json)) as LeftRecord),
    createdAt: Number(r.created_at),
  };
}

/** Columns of `attempts` that may change after the attempt starts. */
export interface AttemptUpdate {
  status?: AttemptStatus;
  pid?: number;
  sessionId?: string;
  exitCode?: number | null;
  /** The signal number that ended the agent (column `attempts.signal`, schema v3), or null. */
  signal?: number | null;
  agentEndedAt?: number;
  endedAt?: number;
  costUsd?: number;
  /** The agent's own usage object, as it reported it (column `usage_json`). */
  usage?: unknown;
  /** Input tokens (column `input_tokens`, schema v4). */
  inputTokens?: number;
  /** Output tokens (column `output_tokens`, schema v4). */
  outputTokens?: number;
  verifyOutput?: string;
  error?: string;
  /** The attempt's process marker (`HACO_MARKER`, see sessions/sweep.ts). */
  marker?: string;
}

const ATTEMPT_COLUMNS: Record<keyof AttemptUpdate, string> = {
  status: 'status',
  pid: 'pid',
  sessionId: 'session_id',
  exitCode: 'exit_code',
  signal: 'signal',
  agentEndedAt: 'agent_ended_at',
  endedAt: 'ended_at',
  costUsd: 'cost_usd',
  usage: 'usage_json',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  verifyOutput: 'verify_output',
  error: 'error',
  marker: 'marker',
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
  /** Secret values (agents' `env:`) hidden in every free text written here; see addSecrets. */
  private secrets: string[] = [];

  /**
   * Opens (and creates or migrates) a database file, checked first (see openStateFile).
   * @param options.create false: the file must exist and nothing is created (default true)
   * @throws StorageError when the file is from a newer haco, is not a SQLite database, is corrupt
   *   or cannot be written (exit code 4)
   * @throws UsageError when `create` is false and the file does not exist
   */
  constructor(
    readonly file: string,
    options: OpenStateOptions = { create: true },
  ) {
    this.db = openStateFile(file, options);
    this.claims = new ClaimStore(this.db);
  }

  /**
   * Opens `<repoRoot>/.haco/state.db`; with `create` (the default), creates `.haco/` and the
   * database if needed.
   * @throws StorageError, UsageError as the constructor
   */
  static openInRepo(repoRoot: string, options: OpenStateOptions = { create: true }): StateDb {
    const dir = join(repoRoot, '.haco');
    return new StateDb(join(dir, 'state.db'), options);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Adds values (an agent config's `env:` values) that are hidden, with every secret shape of
   * redactText, in the free text this database stores: event payloads, task and attempt errors,
   * verify output, breakpoint messages.
   */
  addSecrets(values: readonly string[]): void {
    this.secrets = [...new Set([...this.secrets, ...values])];
  }

  private scrub(text: string): string {
    return redactText(text, this.secrets);
  }

  /** Records a new run and all its tasks (status `pending`) in one transaction. */
  createRun(run: {
    id: string;
    plan: Plan;
    planFile: string | null;
    /** Stored redacted (see redactConfig): secrets stay in the config's files. */
    config: Config;
    /** The config's files, so a resume can reload it (null: the config was built in code). */
    configLayers?: ConfigLayers | null;
    status: RunStatus;
    baseHead: string | null;
    concurrency: number;
    now: number;
  }): void {
    const insertRun = this.db.prepare(
      `INSERT INTO runs (id, goal, plan_file, plan_json, config_json, status, base_head, concurrency, created_at,
         config_sources_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        JSON.stringify(redactConfig(run.config)),
        run.status,
        run.baseHead,
        run.concurrency,
        run.now,
        run.configLayers ? JSON.stringify(run.configLayers) : null,
      );
      run.plan.tasks.forEach((t, i) => insertTask.run(run.id, t.id, i, t.title, t.agent, JSON.stringify(t)));
    })();
  }

  /**
   * The stored plan and config of a run. The config is the redacted copy (agents' `env:` values
   * are `[redacted]`): to run agents, reload it from its layers (see reloadRunConfig).
   */
  runInputs(runId: string): { plan: Plan; config: Config } {
    const r = this.db.prepare('SELECT plan_json, config_json FROM runs WHERE id = ?').get(runId) as
      Row | undefined;
    if (!r) throw new Error(`no run ${runId}`);
    return {
      plan: JSON.parse(String(r.plan_json)) as Plan,
      config: JSON.parse(String(r.config_json)) as Config,
    };
  }

  /** The files a run's config was loaded from; null when not recorded (a config built in code). */
  runConfigLayers(runId: string): ConfigLayers | null {
    const r = this.db.prepare('SELECT config_sources_json FROM runs WHERE id = ?').get(runId) as
      Row | undefined;
    const text = str(r?.config_sources_json);
    return text === null ? null : (JSON.parse(text) as ConfigLayers);
  }

  /** Replaces a run's stored config (redacted) and its layers, after a resume reloaded them. */
  setRunConfig(runId: string, config: Config, layers: ConfigLayers): void {
    this.db
      .prepare('UPDATE runs SET config_json = ?, config_sources_json = ? WHERE id = ?')
      .run(JSON.stringify(redactConfig(config)), JSON.stringify(layers), runId);
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
        extra.error == null ? null : this.scrub(extra.error),
        runId,
        taskId,
      );
  }

  /**
   * How many of a task's attempts no longer count against its retries (a resumed failed run gives
   * its failed tasks their retries afresh; column `tasks.retry_base`).
   */
  retryBase(runId: string, taskId: string): number {
    const r = this.db
      .prepare('SELECT retry_base FROM tasks WHERE run_id = ? AND id = ?')
      .get(runId, taskId) as Row | undefined;
    return Number(r?.retry_base ?? 0);
  }

  /** Sets {@link retryBase} (attempt count), e.g. to the task's attempts so far. */
  setRetryBase(runId: string, taskId: string, attempts: number): void {
    this.db
      .prepare('UPDATE tasks SET retry_base = ? WHERE run_id = ? AND id = ?')
      .run(attempts, runId, taskId);
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
      if ((k === 'error' || k === 'verifyOutput') && typeof v === 'string') return this.scrub(v);
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
   * each owned path. What haco left starts as the checkpoint itself (`attempts: 0`): nothing is
   * haco's until an attempt ends.
   */
  saveCheckpoint(
    runId: string,
    taskId: string,
    head: string | null,
    entries: ReadonlyArray<CheckpointRecord>,
    now: number,
  ): void {
    const left: LeftRecord = { attempts: 0, entries };
    this.db
      .prepare(
        `INSERT INTO checkpoints (run_id, task_id, head, entries_json, created_at, left_entries_json)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, task_id) DO NOTHING`,
      )
      .run(runId, taskId, head, JSON.stringify(entries), now, JSON.stringify(left));
  }

  /**
   * Records what haco left in a task's owned paths (see {@link LeftRecord}), replacing the last
   * record; called at every attempt's end and after a rollback. No-op when the task has no
   * checkpoint.
   */
  saveLeftEntries(runId: string, taskId: string, left: LeftRecord): void {
    this.db
      .prepare('UPDATE checkpoints SET left_entries_json = ? WHERE run_id = ? AND task_id = ?')
      .run(JSON.stringify(left), runId, taskId);
  }

  getCheckpoint(runId: string, taskId: string): CheckpointRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM checkpoints WHERE run_id = ? AND task_id = ?')
      .get(runId, taskId) as Row | undefined;
    return r ? toCheckpoint(r) : undefined;
  }

  /** Every checkpoint of a run, oldest first (`createdAt` epoch ms). */
  getCheckpoints(runId: string): CheckpointRow[] {
    const rows = this.db
      .prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY created_at, rowid')
      .all(runId) as Row[];
    return rows.map(toCheckpoint);
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
        this.scrub(bp.message),
        JSON.stringify(bp.answers),
        bp.now,
        bp.details === undefined ? null : JSON.stringify(bp.details),
      );
    return Number(info.lastInsertRowid);
  }

  /** Records an answer; returns false when the breakpoint was not pending (already answered). */
  answerBreakpoint(id: number, answer: BreakpointAnswer, by: string, now: number): boolean {
    const status = ANSWER_STATUS[answer];
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
      .run(
        runId,
        now,
        kind,
        taskId,
        payload === undefined ? null : JSON.stringify(redactJson(payload, this.secrets)),
      );
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

import { randomBytes } from 'node:crypto';

import type { Config } from '../config/schema.js';
import { StateDb } from '../db/state-db.js';
import { UsageError } from '../lib/errors.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import { Mutex } from '../lib/wait.js';
import type { OwnershipLedger } from '../ownership/ledger.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import { Workspace } from '../workspace/git.js';
import { runAttempt, type AttemptEnv, type LiveSession } from './attempt.js';
import type { CoreEvents } from './events.js';
import { askPermission, type PermissionDesk } from './permissions.js';
import { RunRecorder } from './recorder.js';
import { readyTasks, recoverInterrupted } from './scheduler.js';
import { summarizeRun } from './summary.js';
import {
  TERMINAL_RUN,
  TERMINAL_TASK,
  type BreakpointAnswer,
  type BreakpointRow,
  type RunStatus,
  type RunSummary,
} from './types.js';
import { settleViolation, watchOwnership, type ViolationGuard } from './violations.js';

export type { LiveSession } from './attempt.js';

/** Options of {@link Orchestrator.createRun}. */
export interface CreateRunOptions {
  /** The plan file as the user named it, kept for display. */
  readonly planFile?: string;
  /** Overrides `config.concurrency`. */
  readonly concurrency?: number;
  /** Approve the plan at once (`--yes`); the answer is recorded as by `approvedBy`. */
  readonly autoApprove?: boolean;
  readonly approvedBy?: string;
}

/** Options of {@link Orchestrator.drive}. */
export interface DriveOptions {
  /**
   * When a breakpoint blocks the run: false (headless) returns at once with the run paused;
   * true (dashboard) waits for an answer.
   */
  readonly waitForAnswers?: boolean;
  /**
   * The configuration to run with, loaded afresh from its layers (`haco resume` reloads it, so a
   * user can fix a wrong agent command). Without it the run uses the config it was created with
   * in this process, else the copy stored with the run.
   */
  readonly config?: Config;
}

/**
 * The orchestrator core (no UI): it creates runs from validated plans, schedules every ready task
 * at once up to the concurrency limit (never two whose ownership claims meet), runs each attempt's
 * agent in a pty, verifies, retries with the failure output, commits each accepted task alone,
 * watches every write, and records every change in SQLite before emitting it as a
 * {@link CoreEvents} event.
 */
export class Orchestrator {
  readonly events = new TypedEmitter<CoreEvents>();
  /** Sessions by task id; the dashboard's frame loop pulls screens from these. */
  readonly sessions = new Map<string, LiveSession>();
  private readonly rec: RunRecorder;
  /** What each attempt needs from here (built once). */
  private readonly env: AttemptEnv;
  private readonly commitLock = new Mutex();
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  /** Per running task: stops only that task's agent (a violation's writer, a question asked). */
  private readonly taskAborts = new Map<string, AbortController>();
  /** Per running task: its current attempt's row id. */
  private readonly currentAttempts = new Map<string, number>();
  private ledger: OwnershipLedger | undefined;
  private guard: ViolationGuard | undefined;
  /** Whether the current drive waits for answers (dashboard) or pauses the run (headless). */
  private isInteractive = false;
  private wake: () => void = () => undefined;
  /** The live (unredacted) config of each run this process created or resumed. */
  private readonly liveConfigs = new Map<string, Config>();

  private constructor(
    readonly workspace: Workspace,
    readonly db: StateDb,
    private readonly now: () => number,
  ) {
    this.rec = new RunRecorder(db, this.events, now);
    const desk: PermissionDesk = {
      rec: this.rec,
      repoRoot: workspace.root,
      isInteractive: () => this.isInteractive,
      stopTask: (taskId) => this.taskAborts.get(taskId)?.abort(),
      stopSignals: (taskId) => [this.abort.signal, ...this.ownStop(taskId)],
      wake: () => this.wake(),
    };
    this.env = {
      rec: this.rec,
      workspace,
      commitLock: this.commitLock,
      sessions: this.sessions,
      guard: () => this.guard,
      signalFor: (taskId) => {
        const own = new AbortController();
        this.taskAborts.set(taskId, own);
        return AbortSignal.any([this.abort.signal, own.signal]);
      },
      track: (taskId, attemptId) => {
        if (attemptId !== undefined) return void this.currentAttempts.set(taskId, attemptId);
        this.currentAttempts.delete(taskId);
        this.taskAborts.delete(taskId);
      },
      askPermission: (runId, task, request) => askPermission(desk, runId, task, request),
    };
  }

  private ownStop(taskId: string): AbortSignal[] {
    const own = this.taskAborts.get(taskId)?.signal;
    return own ? [own] : [];
  }

  /**
   * Opens the repository containing `cwd` and its state database (`.haco/state.db`), and keeps
   * `.haco/` out of git through `.git/info/exclude`.
   * @throws UsageError when `cwd` is not in a git work tree
   */
  static async open(cwd: string, now: () => number = Date.now): Promise<Orchestrator> {
    const workspace = await Workspace.open(cwd);
    await workspace.excludeHacoDir();
    return new Orchestrator(workspace, StateDb.openInRepo(workspace.root), now);
  }

  get repoRoot(): string {
    return this.workspace.root;
  }

  /** Closes the database; call after every drive has returned. */
  close(): void {
    for (const live of this.sessions.values()) live.session.dispose();
    this.sessions.clear();
    this.db.close();
  }

  /**
   * Records a new run of a validated plan, waiting at a `plan_approval` breakpoint (answered at
   * once with `autoApprove`).
   * @returns the new run's id (8 hex characters)
   */
  async createRun(plan: Plan, config: Config, options: CreateRunOptions = {}): Promise<string> {
    const runId = randomBytes(4).toString('hex');
    this.db.createRun({
      id: runId,
      plan,
      planFile: options.planFile ?? null,
      config,
      status: 'awaiting_approval',
      baseHead: await this.workspace.head(),
      concurrency: options.concurrency ?? config.concurrency,
      now: this.now(),
    });
    this.liveConfigs.set(runId, config);
    const message = `approve the plan "${plan.goal}": ${plan.tasks.length} task(s)`;
    const bp = this.rec.openBreakpoint(runId, null, 'plan_approval', message);
    if (options.autoApprove) await this.answer(runId, bp.id, 'approve', options.approvedBy ?? 'auto');
    return runId;
  }

  /**
   * Finds a run by id or unique id prefix; the newest run when `ref` is undefined.
   * @throws UsageError when there is no such run, or the prefix is ambiguous
   */
  resolveRun(ref?: string): string {
    if (ref === undefined) {
      const newest = this.db.listRuns()[0];
      if (!newest) throw new UsageError('no runs yet in this repository (start one with: haco run PLAN)');
      return newest.id;
    }
    const runs = this.db.findRuns(ref);
    if (runs.length === 0) throw new UsageError(`no run "${ref}" in this repository (see haco status)`);
    if (runs.length > 1) {
      throw new UsageError(`run id "${ref}" is ambiguous: ${runs.map((r) => r.id).join(', ')}`);
    }
    return runs[0]?.id ?? ref;
  }

  /**
   * Answers a pending breakpoint (the first pending one when `breakpointId` is undefined) and
   * carries the answer out: rejecting the plan cancels the run; an ownership violation is
   * restored or granted (see settleViolation); an agent waiting on a question gets its answer.
   * @throws UsageError when the run has no such pending breakpoint
   */
  async answer(
    runId: string,
    breakpointId: number | undefined,
    answer: BreakpointAnswer,
    by: string,
  ): Promise<BreakpointRow> {
    const pending = this.db.getBreakpoints(runId).filter((b) => b.status === 'pending');
    const target = breakpointId === undefined ? pending[0] : pending.find((b) => b.id === breakpointId);
    if (!target) {
      throw new UsageError(
        breakpointId === undefined
          ? `run ${runId} has no pending breakpoint`
          : `run ${runId} has no pending breakpoint ${breakpointId}`,
      );
    }
    // Carry out the answer first, so a crash leaves the breakpoint pending rather than half done.
    if (target.kind === 'ownership_violation') {
      await settleViolation(this.db, this.repoRoot, this.guard, runId, target, answer, this.now());
    }
    this.db.answerBreakpoint(target.id, answer, by, this.now());
    const answered = this.db.getBreakpoints(runId).find((b) => b.id === target.id) ?? target;
    this.rec.log(
      runId,
      target.taskId,
      `breakpoint ${target.id} (${target.kind}) ${answered.status} by ${by}`,
    );
    this.events.emit('breakpoint:answered', answered);
    if (target.kind === 'plan_approval' && answer === 'reject') this.rec.runStatus(runId, 'cancelled');
    this.wake();
    return answered;
  }

  /** The `--json` summary of a run. */
  summary(runId: string): RunSummary {
    return summarizeRun(this.db, runId, this.now());
  }

  /**
   * Drives a run until it ends or a breakpoint blocks it: resets tasks a crashed process left
   * running, then starts every ready task (dependencies done, a concurrency slot free, no claim
   * meeting a running task's) at once.
   * @returns the run's status when it returns: terminal, `awaiting_approval` or `paused`
   */
  async drive(runId: string, options: DriveOptions = {}): Promise<RunStatus> {
    if (options.config) this.liveConfigs.set(runId, options.config);
    recoverInterrupted(this.rec, runId, (taskId) => this.running.has(taskId));
    this.isInteractive = options.waitForAnswers === true;
    const { watcher, ledger, guard } = await watchOwnership(this.rec, this.repoRoot, runId, {
      running: () => new Map(this.currentAttempts),
      stopWriter: (taskId) => this.taskAborts.get(taskId)?.abort(),
    });
    this.ledger = ledger;
    this.guard = guard;
    try {
      return await this.loop(runId, options);
    } finally {
      await watcher.close();
      this.guard = undefined;
      this.ledger = undefined;
    }
  }

  /**
   * Stops every running agent (each process group killed); their tasks go back to `pending` and
   * the run to `paused`, so `haco resume` continues it. `drive` returns once all have stopped.
   */
  interrupt(): void {
    this.abort.abort();
    this.wake();
  }

  private async loop(runId: string, options: DriveOptions): Promise<RunStatus> {
    for (;;) {
      const run = this.db.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId}`);
      if (TERMINAL_RUN.has(run.status)) return run.status;
      const blocking = this.db.getBreakpoints(runId).filter((b) => b.status === 'pending');
      const stopped: RunStatus = blocking.some((b) => b.kind === 'plan_approval')
        ? 'awaiting_approval'
        : 'paused';
      if (this.abort.signal.aborted) {
        await Promise.all(this.running.values());
        if (run.status !== stopped) this.rec.runStatus(runId, stopped);
        return stopped;
      }
      if (blocking.length) {
        if (run.status !== stopped && this.running.size === 0) this.rec.runStatus(runId, stopped);
        if (!options.waitForAnswers && this.running.size === 0) return stopped;
        await this.nextChange();
        continue;
      }
      if (run.status !== 'running') this.rec.runStatus(runId, 'running');
      this.schedule(runId, run.concurrency);
      const tasks = this.db.getTasks(runId);
      if (tasks.every((t) => TERMINAL_TASK.has(t.status)) && this.running.size === 0) {
        const status: RunStatus = tasks.every((t) => t.status === 'done') ? 'completed' : 'failed';
        this.rec.runStatus(runId, status);
        return status;
      }
      await this.nextChange();
    }
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private schedule(runId: string, concurrency: number): void {
    const ready = readyTasks(this.rec, runId);
    const { plan, config: stored } = this.db.runInputs(runId);
    const config = this.liveConfigs.get(runId) ?? stored;
    for (const t of ready) {
      const spec = plan.tasks.find((s) => s.id === t.id);
      if (!spec) continue;
      const files = this.ledger?.patternsOf(spec.id, spec.files) ?? [...spec.files];
      if (this.running.size >= concurrency || this.ledger?.conflict(spec.id, files)) {
        if (t.status === 'pending') this.rec.taskStatus(runId, t.id, 'ready');
        continue;
      }
      this.ledger?.claim(spec.id, files);
      const job = this.runTask(runId, plan, config, { ...spec, files })
        .catch((error: unknown) => {
          this.rec.taskStatus(runId, spec.id, 'failed', {
            error: `internal error: ${(error as Error).message}`,
          });
        })
        .finally(() => {
          this.ledger?.release(spec.id);
          this.running.delete(spec.id);
          this.wake();
        });
      this.running.set(spec.id, job);
    }
  }

  private async runTask(runId: string, plan: Plan, config: Config, task: TaskSpec): Promise<void> {
    this.rec.taskStatus(runId, task.id, 'running');
    if (!this.db.getCheckpoint(runId, task.id)) {
      const entries = await this.workspace.checkpoint(task.files);
      this.db.saveCheckpoint(runId, task.id, await this.workspace.head(), entries, this.now());
    }
    // Interrupted attempts (haco stopped, a breakpoint asked) are numbered but do not use up retries.
    const all = this.db.getAttempts(runId, task.id);
    const counted = all.filter((a) => a.status !== 'interrupted');
    let failure = counted.at(-1)?.verifyOutput ?? counted.at(-1)?.error ?? undefined;
    let n = all.length;
    for (let used = counted.length; used <= task.retries; used++) {
      if (this.abort.signal.aborted) return this.rec.taskStatus(runId, task.id, 'pending');
      if (used > counted.length) this.rec.taskStatus(runId, task.id, 'running');
      n += 1;
      const result = await runAttempt(this.env, runId, plan, config, task, n, failure);
      if (result === 'interrupted') return this.rec.taskStatus(runId, task.id, 'pending');
      if (result.ok) return;
      failure = result.failure;
    }
    this.rec.taskStatus(runId, task.id, 'failed', { error: lastLine(failure ?? 'failed') });
  }
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.at(-1) ?? text;
}

import { randomBytes } from 'node:crypto';

import type { Config } from '../config/schema.js';
import { secretValues, type ConfigLayers } from '../config/secrets.js';
import type { OpenStateOptions } from '../db/open-db.js';
import { StateDb } from '../db/state-db.js';
import { toStorageError, type StorageError } from '../db/storage-errors.js';
import { UsageError } from '../lib/errors.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import { Mutex } from '../lib/wait.js';
import type { OwnershipLedger } from '../ownership/ledger.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import { routingLine } from '../plan/routing.js';
import { Reaper } from '../sessions/reaper.js';
import { runMarkerPrefix, sweepMarked } from '../sessions/sweep.js';
import { Workspace } from '../workspace/git.js';
import { runAttempt, type AttemptEnv, type LiveSession } from './attempt.js';
import { hasOutputLines } from './failure.js';
import { Lease, type TakenOver } from './lease.js';
import { recoverCrashedTasks, sweepRun } from './recovery.js';
import type { Reviewer } from './review.js';
import { isReviewSendBack } from './review-stage.js';
import { supervisorReviewer } from '../supervisor/reviewer.js';
import { supervisorClient } from '../supervisor/providers.js';
import { recordLeft, rollbackRun } from './rollback.js';
import type { CoreEvents } from './events.js';
import { askPermission, type PermissionDesk } from './permissions.js';
import { budgetOf, rejectBudget, spendOf, withinBudget, type RunSpend } from './budget.js';
import { RunRecorder } from './recorder.js';
import { reopenFailedRun } from './reopen.js';
import { readyTasks, recoverInterrupted } from './scheduler.js';
import { summarizeRun } from './summary.js';
import { localUsageByTask } from '../db/delegate-calls.js';
import {
  TERMINAL_RUN,
  TERMINAL_TASK,
  type BreakpointAnswer,
  type BreakpointRow,
  type RunStatus,
  type RunSummary,
} from './types.js';
import { settleViolation, watchOwnership, type ViolationGuard } from './violations.js';
import { WriterHolds } from './writer-holds.js';

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
  /** The files the config was loaded from, stored so `haco resume` can reload it (secrets stay there). */
  readonly configLayers?: ConfigLayers;
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
  /** Where `config` was loaded from: stored with the run (redacted config + layers) for the next resume. */
  readonly configLayers?: ConfigLayers;
  /** `haco resume`: a failed run's failed tasks run again with fresh retries (see reopenFailedRun). */
  readonly reopenFailed?: boolean;
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
  /** Agents held (process group stopped) while a violation they are suspected of waits. */
  private readonly holds = new WriterHolds(
    (taskId) => this.sessions.get(taskId)?.session,
    // Markers are `<run>:<task>:<attempt>:<nonce>` (sessions/sweep.ts newMarker).
    (taskId) => {
      const live = this.sessions.get(taskId);
      return live ? { prefix: `${live.runId}:${taskId}:${live.attempt}:` } : undefined;
    },
    (taskId) => this.taskAborts.get(taskId)?.abort(),
  );
  private ledger: OwnershipLedger | undefined;
  private guard: ViolationGuard | undefined;
  /** Whether the current drive waits for answers (dashboard) or pauses the run (headless). */
  private isInteractive = false;
  private wake: () => void = () => undefined;
  /** The live (unredacted) config of each run this process created or resumed. */
  private readonly liveConfigs = new Map<string, Config>();
  /** Each run's `budget.run_usd` (null: none), once read (see spend). */
  private readonly budgets = new Map<string, number | null>();
  /** Each run's reviewer, once built (see reviewerFor). */
  private readonly reviewers = new Map<string, Reviewer>();
  /** The repository lease, taken by the first command that changes a run; released by close(). */
  private lease: Lease | undefined;
  /** Kills this process's agents if it dies; started with the first attempt. */
  private reaper: Reaper | undefined;
  /** The first storage fault of the current drive: it stops the run, and `drive` throws it. */
  private storageFault: StorageError | undefined;

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
      askPermission: (runId, task, request, grants) => askPermission(desk, runId, task, request, grants),
      fault: (error) => {
        if (!this.onFault(error)) throw error;
      },
      onHeld: (taskId, listener) => this.holds.onChange(taskId, listener),
      isInteractive: () => this.isInteractive,
      watchMarker: (runId, marker) => {
        this.reaper ??= Reaper.start((reason) => {
          if (this.db.db.open) this.rec.log(runId, null, reason);
        });
        this.reaper.watch(marker);
      },
      // The review stage asks this only when the run's `review.mode` is not `never`.
      reviewer: { review: (input, signal) => this.reviewerFor(input.runId).review(input, signal) },
    };
  }

  /**
   * The supervisor's reviewer for a run, built from the run's config `supervisor:` (the client
   * reads its key from haco's environment); one per run.
   */
  private reviewerFor(runId: string): Reviewer {
    let reviewer = this.reviewers.get(runId);
    if (!reviewer) {
      const client = supervisorClient(this.configOf(runId).supervisor, {
        repoRoot: this.workspace.root,
        env: process.env,
      });
      reviewer = supervisorReviewer({ client, db: this.db, now: this.now });
      this.reviewers.set(runId, reviewer);
    }
    return reviewer;
  }

  private ownStop(taskId: string): AbortSignal[] {
    const own = this.taskAborts.get(taskId)?.signal;
    return own ? [own] : [];
  }

  /**
   * Opens the repository containing `cwd` and its state database (`.haco/state.db`, checked before
   * anything is written), then keeps `.haco/` out of git through `.git/info/exclude`.
   * @param options.create false: the database must already exist (commands about existing runs);
   *   nothing is created or written when it does not. Default true.
   * @throws UsageError when `cwd` is not in a git work tree, or (`create: false`) there are no runs
   * @throws StorageError when the state database or `.git/info/exclude` cannot be used (exit code 4)
   */
  static async open(
    cwd: string,
    now: () => number = Date.now,
    options: OpenStateOptions = { create: true },
  ): Promise<Orchestrator> {
    const workspace = await Workspace.open(cwd);
    const db = StateDb.openInRepo(workspace.root, options);
    try {
      await workspace.excludeHacoDir();
    } catch (error) {
      db.close();
      throw toStorageError(error) ?? error;
    }
    return new Orchestrator(workspace, db, now);
  }

  get repoRoot(): string {
    return this.workspace.root;
  }

  /** Releases the lease, lets the reaper go and closes the database; call after every drive has returned. */
  close(): void {
    for (const live of this.sessions.values()) live.session.dispose();
    this.sessions.clear();
    this.lease?.release();
    this.lease = undefined;
    this.reaper?.close();
    this.reaper = undefined;
    this.db.close();
  }

  /**
   * Takes (or keeps) the repository lease for `runId`: one haco process at a time creates, drives,
   * answers or rolls back runs of a repository. A run whose holder died is marked `interrupted`
   * and every process still carrying one of its markers is killed.
   * @throws HacoError (`lease.held`, exit 2) when another living haco holds it; nothing is written
   */
  private async holdLease(runId: string): Promise<void> {
    let takenOver: TakenOver | undefined;
    if (this.lease) takenOver = this.lease.retarget(runId);
    else ({ lease: this.lease, takenOver } = Lease.acquire(this.db, runId, this.now));
    const dead = takenOver?.runId;
    if (dead === null || dead === undefined) return;
    if (this.db.getRun(dead)?.status === 'running') {
      this.rec.runStatus(dead, 'interrupted');
      this.rec.log(dead, null, `interrupted: haco (pid ${takenOver?.pid}) stopped without pausing the run`);
    }
    await sweepMarked({ prefix: runMarkerPrefix(dead) });
  }

  /**
   * Records a new run of a validated plan, waiting at a `plan_approval` breakpoint (answered at
   * once with `autoApprove`).
   * @returns the new run's id (8 hex characters)
   */
  async createRun(plan: Plan, config: Config, options: CreateRunOptions = {}): Promise<string> {
    const runId = randomBytes(4).toString('hex');
    await this.holdLease(runId);
    this.db.addSecrets(secretValues(config));
    this.db.createRun({
      id: runId,
      plan,
      planFile: options.planFile ?? null,
      config,
      configLayers: options.configLayers ?? null,
      status: 'awaiting_approval',
      baseHead: await this.workspace.head(),
      concurrency: options.concurrency ?? config.concurrency,
      now: this.now(),
    });
    this.liveConfigs.set(runId, config);
    // Why each task runs on its agent (src/plan/routing.ts), for `haco logs`.
    for (const decision of plan.routing ?? []) this.rec.log(runId, decision.task, routingLine(decision));
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
    await this.holdLease(runId);
    const pending = this.db.getBreakpoints(runId).filter((b) => b.status === 'pending');
    const target = breakpointId === undefined ? pending[0] : pending.find((b) => b.id === breakpointId);
    if (!target) {
      throw new UsageError(
        breakpointId === undefined
          ? `run ${runId} has no pending breakpoint`
          : `run ${runId} has no pending breakpoint ${breakpointId}`,
      );
    }
    if (!target.answers.includes(answer)) {
      throw new UsageError(
        `breakpoint ${target.id} (${target.kind}) takes ${target.answers.join(', ')}, not ${answer}`,
      );
    }
    // Carry out the answer first, so a crash leaves the breakpoint pending rather than half done.
    if (target.kind === 'ownership_violation') {
      await settleViolation(this.db, this.repoRoot, this.guard, runId, target, answer, this.now());
    }
    if (target.kind === 'budget_exceeded' && answer === 'reject') rejectBudget(this.rec, runId, target);
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

  /**
   * Rolls a run (or one task) back under the repository lease; see {@link rollbackRun}.
   * @throws HacoError (`lease.held`) when another living haco holds the repository
   */
  async rollback(
    runId: string,
    ...rest: Parameters<typeof rollbackRun> extends [unknown, unknown, unknown, ...infer R] ? R : never
  ): ReturnType<typeof rollbackRun> {
    await this.holdLease(runId);
    return rollbackRun(this.db, this.workspace, runId, ...rest);
  }

  /** Tokens (input + output) of the drafts a run's agents delegated to the local model (the hybrid loop). */
  localTokens(runId: string): number {
    let sum = 0;
    for (const u of localUsageByTask(this.db, runId).values()) sum += u.input + u.output;
    return sum;
  }

  /**
   * What a run spent against its budget (see spendOf), USD; the budget is read once per run (the
   * dashboard asks at every refresh).
   */
  spend(runId: string): RunSpend {
    let budget = this.budgets.get(runId);
    if (budget === undefined) {
      budget = budgetOf(this.configOf(runId)).run_usd;
      this.budgets.set(runId, budget);
    }
    return { spendUsd: spendOf(this.db, runId), budgetUsd: budget };
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
    await this.holdLease(runId);
    if (options.config) {
      this.liveConfigs.set(runId, options.config);
      this.budgets.delete(runId);
      this.reviewers.delete(runId);
      this.db.addSecrets(secretValues(options.config));
      if (options.configLayers) this.db.setRunConfig(runId, options.config, options.configLayers);
    }
    if (options.reopenFailed) reopenFailedRun(this.rec, runId);
    // An earlier haco's processes of this run (its reaper may have died with it) go first.
    if (this.running.size === 0) await sweepRun(runId);
    const crashed = recoverInterrupted(this.rec, runId, (taskId) => this.running.has(taskId));
    await recoverCrashedTasks(this.rec, this.workspace, runId, crashed);
    this.isInteractive = options.waitForAnswers === true;
    const { watcher, ledger, guard } = await watchOwnership(this.rec, this.repoRoot, runId, {
      running: () => new Map(this.currentAttempts),
      hold: (taskId) => this.holds.hold(taskId, this.isInteractive),
      release: (taskId, how) => this.holds.release(taskId, how),
      isInteractive: () => this.isInteractive,
      commitsSettled: () => this.commitLock.run(() => Promise.resolve()),
    });
    this.ledger = ledger;
    this.guard = guard;
    try {
      const status = await this.loop(runId, options);
      if (this.storageFault) throw this.storageFault;
      return status;
    } catch (error) {
      // A storage fault stops the run cleanly: every agent is stopped before it is reported, and
      // the run is left as the database last recorded it (resumable: haco resume RUN).
      if (!this.onFault(error)) throw error;
      await Promise.allSettled(this.running.values());
      throw this.storageFault ?? error;
    } finally {
      await watcher.close();
      await guard.close(); // no change is judged against a closed database
      this.guard = undefined;
      this.ledger = undefined;
    }
  }

  /**
   * Takes an error from anywhere in a drive: a storage fault (disk full, read-only, corrupt; see
   * storage-errors.ts) is kept (the first one), every agent is told to stop, and `drive` throws it
   * once they have. Returns false for any other error, which stays the caller's to handle.
   */
  private onFault(error: unknown): boolean {
    const fault = toStorageError(error);
    if (!fault) return false;
    this.storageFault ??= fault;
    this.abort.abort();
    this.wake();
    return true;
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
      // Past the run's budget nothing new starts until a budget_exceeded breakpoint is answered.
      const isWaiting = this.db.getTasks(runId).some((t) => t.status === 'pending' || t.status === 'ready');
      if (isWaiting && !withinBudget(this.rec, runId, this.configOf(runId).budget)) continue;
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

  /** The live config of a run this process drives, else the copy stored with it. */
  private configOf(runId: string): Config {
    return this.liveConfigs.get(runId) ?? this.db.runInputs(runId).config;
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
          // A storage fault stops the whole run (nothing more can be recorded), not just this task.
          if (this.onFault(error)) return;
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
    const base = this.db.retryBase(runId, task.id);
    const ended = all.filter((a) => a.status !== 'interrupted' && a.n > base);
    const last = ended.at(-1);
    // A review send-back's feedback is its comments (its error), not its passing verify output.
    let failure =
      (isReviewSendBack(last?.error) ? last?.error : (last?.verifyOutput ?? last?.error)) ?? undefined;
    // Review loops use no retry (review.max_loops bounds them).
    const counted = ended.filter((a) => !isReviewSendBack(a.error));
    let n = all.length;
    for (let used = counted.length; used <= task.retries; used++) {
      if (this.abort.signal.aborted) return this.rec.taskStatus(runId, task.id, 'pending');
      // Each attempt is new spending: past the run's or the task's budget the task waits (pending).
      if (!withinBudget(this.rec, runId, config.budget, task.id)) {
        return this.rec.taskStatus(runId, task.id, 'pending');
      }
      if (n > all.length) this.rec.taskStatus(runId, task.id, 'running');
      n += 1;
      // What the attempt left is recorded even when it throws: rollback keeps anything else.
      const result = await runAttempt(this.env, runId, plan, config, task, n, failure).finally(() =>
        recordLeft(this.db, this.workspace, runId, task, n),
      );
      if (result === 'interrupted') return this.rec.taskStatus(runId, task.id, 'pending');
      if (result.ok) return;
      failure = result.failure;
      if (result.isFinal) break;
      if (result.isReviewLoop) used -= 1;
    }
    this.rec.taskStatus(runId, task.id, 'failed', { error: taskError(failure ?? 'failed') });
  }
}

/** A task's `error`: an agent's failure whole (cause and last output lines), else the last line. */
function taskError(failure: string): string {
  return hasOutputLines(failure) ? failure : lastLine(failure);
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.at(-1) ?? text;
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import type { Config } from '../config/schema.js';
import { StateDb } from '../db/state-db.js';
import { UsageError } from '../lib/errors.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import { Mutex } from '../lib/wait.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import type { PtySession } from '../sessions/pty-session.js';
import { Workspace } from '../workspace/git.js';
import { OwnershipLedger } from '../ownership/ledger.js';
import { decidePermission, taskPermissionPolicy } from '../ownership/permission-policy.js';
import { ContentBaseline, restoreBlob } from '../workspace/baseline.js';
import { RepoWatcher } from '../workspace/watcher.js';
import { runAgentSession, type AgentOutcome } from './agent-session.js';
import type { CoreEvents } from './events.js';
import { buildPrompt } from './prompt.js';
import { summarizeRun } from './summary.js';
import {
  TERMINAL_RUN,
  TERMINAL_TASK,
  type AttemptStatus,
  type BreakpointAnswer,
  type BreakpointRow,
  type RunStatus,
  type RunSummary,
  type TaskStatus,
} from './types.js';
import { runVerify } from './verify.js';
import { ViolationGuard, type ViolationDetails } from './violations.js';

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
}

/** The live session of a task's current (or last) attempt, for panes. */
export interface LiveSession {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly session: PtySession;
}

/**
 * The orchestrator core (no UI): it creates runs from validated plans, schedules every ready task
 * at once up to the concurrency limit, runs each attempt's agent in a pty, verifies, retries with
 * the failure output, commits each accepted task alone, and records every change in SQLite before
 * emitting it as a {@link CoreEvents} event.
 */
export class Orchestrator {
  readonly events = new TypedEmitter<CoreEvents>();
  /** Sessions by task id; the dashboard's frame loop pulls screens from these. */
  readonly sessions = new Map<string, LiveSession>();
  private readonly commitLock = new Mutex();
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  /** Per running task: stops only that task's agent (a violation's writer). */
  private readonly taskAborts = new Map<string, AbortController>();
  /** Per running task: its current attempt's row id. */
  private readonly currentAttempts = new Map<string, number>();
  private ledger: OwnershipLedger | undefined;
  /** Whether the current drive waits for answers (dashboard) or pauses the run (headless). */
  private isInteractive = false;
  private guard: ViolationGuard | undefined;
  private wake: () => void = () => undefined;

  private constructor(
    readonly workspace: Workspace,
    readonly db: StateDb,
    private readonly now: () => number,
  ) {}

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
    const now = this.now();
    this.db.createRun({
      id: runId,
      plan,
      planFile: options.planFile ?? null,
      config,
      status: 'awaiting_approval',
      baseHead: await this.workspace.head(),
      concurrency: options.concurrency ?? config.concurrency,
      now,
    });
    const message = `approve the plan "${plan.goal}": ${plan.tasks.length} task(s)`;
    const bp = this.openBreakpoint(runId, null, 'plan_approval', message);
    if (options.autoApprove) this.answer(runId, bp.id, 'approve', options.approvedBy ?? 'auto');
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
    if (runs.length > 1)
      throw new UsageError(`run id "${ref}" is ambiguous: ${runs.map((r) => r.id).join(', ')}`);
    return runs[0]?.id ?? ref;
  }

  /**
   * Answers a pending breakpoint (the first pending one when `breakpointId` is undefined).
   * Rejecting the plan cancels the run.
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
    if (target.kind === 'ownership_violation') await this.settleViolation(runId, target, answer);
    this.db.answerBreakpoint(target.id, answer, by, this.now());
    const answered = this.db.getBreakpoints(runId).find((b) => b.id === target.id) ?? target;
    this.log(runId, target.taskId, `breakpoint ${target.id} (${target.kind}) ${answered.status} by ${by}`);
    this.events.emit('breakpoint:answered', answered);
    if (target.kind === 'plan_approval' && answer === 'reject') this.setRunStatus(runId, 'cancelled');
    this.wake();
    return answered;
  }

  /**
   * Reject: restore the path's previous content byte for byte (delete it if it was new) and count
   * the writer's attempt as failed. Approve: keep it, and grant the path to the writer when no
   * other task owns it.
   */
  private async settleViolation(runId: string, bp: BreakpointRow, answer: BreakpointAnswer): Promise<void> {
    const d = bp.details as ViolationDetails;
    if (answer === 'reject') {
      await restoreBlob(this.repoRoot, d.path, d.before);
      this.guard?.restored(d.path, d.before);
      if (d.writerAttemptId !== null) {
        this.db.updateAttempt(d.writerAttemptId, {
          status: 'failed',
          error: `wrote ${d.path} outside the task's files; haco reverted it. Change only the files you own.`,
        });
      }
      await this.guard?.answered(d.path, false);
      return;
    }
    if (d.writer && d.owner === null) this.db.claims.claim(runId, d.writer, [d.path], this.now(), true);
    await this.guard?.answered(d.path, true);
  }

  /** The `--json` summary of a run. */
  summary(runId: string): RunSummary {
    return summarizeRun(this.db, runId, this.now());
  }

  /**
   * Drives a run until it ends or a breakpoint blocks it: resets tasks a crashed process left
   * running, then starts every ready task (dependencies done, a concurrency slot free) at once.
   * @returns the run's status when it returns: terminal, `awaiting_approval` or `paused`
   */
  async drive(runId: string, options: DriveOptions = {}): Promise<RunStatus> {
    this.recoverInterrupted(runId);
    this.isInteractive = options.waitForAnswers === true;
    const watcher = await this.watchOwnership(runId);
    try {
      return await this.loop(runId, options);
    } finally {
      await watcher.close();
      this.guard = undefined;
      this.ledger = undefined;
    }
  }

  /**
   * Starts the ownership machinery of a drive: the ledger (claims left by a dead process are
   * released), the accepted-content baseline, and the watcher feeding the violation guard.
   */
  private async watchOwnership(runId: string): Promise<RepoWatcher> {
    this.db.claims.releaseAll(runId, this.now());
    const { plan } = this.db.runInputs(runId);
    const ledger = new OwnershipLedger(
      this.db.claims,
      runId,
      new Map(plan.tasks.map((t) => [t.id, t.files])),
      this.now,
    );
    this.ledger = ledger;
    const watcher = await RepoWatcher.start(this.repoRoot, (change) => this.guard?.handle(change));
    const baseline = await ContentBaseline.capture(this.repoRoot);
    this.guard = new ViolationGuard(ledger, baseline, {
      running: () => new Map(this.currentAttempts),
      open: (taskId, message, details) =>
        this.openBreakpoint(runId, taskId, 'ownership_violation', message, details).id,
      stopWriter: (taskId) => this.taskAborts.get(taskId)?.abort(),
      owned: (taskId, change) => this.events.emit('task:files-changed', { runId, taskId, path: change.path }),
    });
    return watcher;
  }

  private async loop(runId: string, options: DriveOptions): Promise<RunStatus> {
    for (;;) {
      const run = this.db.getRun(runId);
      if (!run) throw new UsageError(`no run ${runId}`);
      if (TERMINAL_RUN.has(run.status)) return run.status;
      const blocking = this.db.getBreakpoints(runId).filter((b) => b.status === 'pending');
      const planPending = blocking.some((b) => b.kind === 'plan_approval');
      if (this.abort.signal.aborted) {
        await Promise.all(this.running.values());
        const status: RunStatus = planPending ? 'awaiting_approval' : 'paused';
        if (run.status !== status) this.setRunStatus(runId, status);
        return status;
      }
      if (blocking.length) {
        const status: RunStatus = planPending ? 'awaiting_approval' : 'paused';
        if (run.status !== status && this.running.size === 0) this.setRunStatus(runId, status);
        if (!options.waitForAnswers && this.running.size === 0) return status;
        await this.nextChange();
        continue;
      }
      if (run.status !== 'running') this.setRunStatus(runId, 'running');
      this.schedule(runId, run.concurrency);
      const tasks = this.db.getTasks(runId);
      if (tasks.every((t) => TERMINAL_TASK.has(t.status)) && this.running.size === 0) {
        const status: RunStatus = tasks.every((t) => t.status === 'done') ? 'completed' : 'failed';
        this.setRunStatus(runId, status);
        return status;
      }
      await this.nextChange();
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

  private nextChange(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private recoverInterrupted(runId: string): void {
    for (const task of this.db.getTasks(runId)) {
      if (this.running.has(task.id)) continue;
      if (task.status === 'running' || task.status === 'verifying' || task.status === 'reviewing') {
        for (const a of this.db.getAttempts(runId, task.id)) {
          if (a.status === 'running' || a.status === 'verifying') {
            this.db.updateAttempt(a.id, {
              status: 'interrupted',
              endedAt: this.now(),
              error: 'haco stopped during the attempt',
            });
          }
        }
        this.setTaskStatus(runId, task.id, 'pending');
      }
    }
  }

  private schedule(runId: string, concurrency: number): void {
    let tasks = this.db.getTasks(runId);
    // Skip whatever depends on a task that can no longer succeed, until nothing changes.
    for (let changed = true; changed;) {
      changed = false;
      const byId = new Map(tasks.map((t) => [t.id, t]));
      for (const t of tasks) {
        if (t.status !== 'pending' && t.status !== 'ready') continue;
        const dead = t.dependsOn.find((d) =>
          ['failed', 'skipped', 'rolled_back'].includes(byId.get(d)?.status ?? ''),
        );
        if (dead) {
          this.setTaskStatus(runId, t.id, 'skipped', { error: `dependency ${dead} did not complete` });
          changed = true;
        }
      }
      if (changed) tasks = this.db.getTasks(runId);
    }
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const ready = tasks.filter(
      (t) =>
        (t.status === 'pending' || t.status === 'ready') &&
        t.dependsOn.every((d) => byId.get(d)?.status === 'done'),
    );
    const { plan, config } = this.db.runInputs(runId);
    for (const t of ready) {
      if (this.running.size >= concurrency) {
        if (t.status === 'pending') this.setTaskStatus(runId, t.id, 'ready');
        continue;
      }
      const spec = plan.tasks.find((s) => s.id === t.id);
      if (!spec) continue;
      const files = this.ledger?.patternsOf(spec.id, spec.files) ?? [...spec.files];
      const conflict = this.ledger?.conflict(spec.id, files);
      if (conflict) {
        if (t.status === 'pending') this.setTaskStatus(runId, t.id, 'ready');
        continue;
      }
      this.ledger?.claim(spec.id, files);
      const job = this.runTask(runId, plan, config, { ...spec, files })
        .catch((error: unknown) => {
          this.setTaskStatus(runId, spec.id, 'failed', {
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
    this.setTaskStatus(runId, task.id, 'running');
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
      if (this.abort.signal.aborted) return this.setTaskStatus(runId, task.id, 'pending');
      if (used > counted.length) this.setTaskStatus(runId, task.id, 'running');
      n += 1;
      const result = await this.runAttempt(runId, plan, config, task, n, failure);
      if (result === 'interrupted') return this.setTaskStatus(runId, task.id, 'pending');
      if (result.ok) return;
      failure = result.failure;
    }
    this.setTaskStatus(runId, task.id, 'failed', { error: lastLine(failure ?? 'failed') });
  }

  /** One attempt: agent session, then verification, then the task's own commit. */
  private async runAttempt(
    runId: string,
    plan: Plan,
    config: Config,
    task: TaskSpec,
    n: number,
    previousFailure: string | undefined,
  ): Promise<{ ok: true } | { ok: false; failure: string } | 'interrupted'> {
    const dir = join(this.repoRoot, '.haco', 'runs', runId, task.id, `attempt-${n}`);
    mkdirSync(dir, { recursive: true });
    const prompt = buildPrompt(plan.goal, task, previousFailure);
    const promptFile = join(dir, 'prompt.md');
    const taskFile = join(dir, 'task.json');
    writeFileSync(promptFile, prompt);
    writeFileSync(taskFile, `${JSON.stringify(task, null, 2)}\n`);
    const transcriptFile = join(dir, 'transcript.log');
    const attemptId = this.db.startAttempt(runId, task.id, n, this.now(), transcriptFile);
    this.currentAttempts.set(task.id, attemptId);
    try {
      return await this.attemptBody(runId, config, task, n, attemptId, {
        prompt,
        promptFile,
        taskFile,
        transcriptFile,
        attemptDir: dir,
      });
    } finally {
      this.currentAttempts.delete(task.id);
      this.taskAborts.delete(task.id);
    }
  }

  /** An AbortSignal that fires on interrupt() or when this task's writer is stopped. */
  private attemptSignal(taskId: string): AbortSignal {
    const own = new AbortController();
    this.taskAborts.set(taskId, own);
    return AbortSignal.any([this.abort.signal, own.signal]);
  }

  private async attemptBody(
    runId: string,
    config: Config,
    task: TaskSpec,
    n: number,
    attemptId: number,
    files: {
      prompt: string;
      promptFile: string;
      taskFile: string;
      transcriptFile: string;
      attemptDir: string;
    },
  ): Promise<{ ok: true } | { ok: false; failure: string } | 'interrupted'> {
    const { prompt, promptFile, taskFile, transcriptFile, attemptDir } = files;
    const agent = config.agents[task.agent];
    if (!agent) throw new Error(`agent ${task.agent} is not configured`);
    const end = (status: AttemptStatus, error?: string): void => {
      this.db.updateAttempt(attemptId, {
        status,
        endedAt: this.now(),
        ...(error === undefined ? {} : { error }),
      });
      this.events.emit('attempt:ended', {
        runId,
        taskId: task.id,
        attempt: n,
        status,
        ...(error === undefined ? {} : { error }),
      });
    };
    let outcome: AgentOutcome;
    try {
      outcome = await runAgentSession(
        agent,
        task,
        {
          repoRoot: this.repoRoot,
          runId,
          attempt: n,
          prompt,
          promptFile,
          taskFile,
          transcriptFile,
          attemptDir,
          abort: this.attemptSignal(task.id),
        },
        {
          onStarted: (session) => {
            this.db.updateAttempt(attemptId, { pid: session.pid });
            this.sessions.get(task.id)?.session.dispose();
            this.sessions.set(task.id, { runId, taskId: task.id, attempt: n, session });
            this.log(runId, task.id, `attempt ${n} started (${task.agent}, pid ${session.pid})`);
            this.events.emit('attempt:started', { runId, taskId: task.id, attempt: n, pid: session.pid });
          },
          onSessionId: (sessionId) => this.db.updateAttempt(attemptId, { sessionId }),
          onPermission: (request) => this.askPermission(runId, task, request),
        },
      );
    } catch (error) {
      const reason = `cannot start agent "${task.agent}": ${(error as Error).message}`;
      end('failed', reason);
      return { ok: false, failure: reason };
    }
    this.db.updateAttempt(attemptId, {
      agentEndedAt: this.now(),
      exitCode: 'exitCode' in outcome ? outcome.exitCode : null,
      ...(outcome.kind === 'done' && outcome.costUsd !== undefined ? { costUsd: outcome.costUsd } : {}),
      ...(outcome.kind === 'done' && outcome.usage !== undefined ? { usage: outcome.usage } : {}),
    });
    // Every write the agent made must be judged before its work is accepted.
    await this.guard?.settle();
    if (this.guard?.hasPendingFor(task.id)) {
      end('interrupted', 'stopped at an ownership_violation breakpoint');
      return 'interrupted';
    }
    if (outcome.kind === 'interrupted') {
      end('interrupted', outcome.reason);
      return 'interrupted';
    }
    if (outcome.kind !== 'done') {
      end(outcome.kind === 'timed_out' ? 'timed_out' : 'failed', outcome.reason);
      return { ok: false, failure: outcome.reason };
    }
    this.db.updateAttempt(attemptId, { status: 'verifying' });
    this.setTaskStatus(runId, task.id, 'verifying');
    const verify = await runVerify(task.verify, this.repoRoot, config.defaults.verify_timeout);
    this.db.updateAttempt(attemptId, { verifyOutput: verify.output });
    if (!verify.ok) {
      end('failed', 'verification failed');
      return { ok: false, failure: verify.output };
    }
    const commit = await this.commitLock.run(async () => {
      const paths = await this.workspace.changedFiles(task.files);
      return this.workspace.commitPaths(paths, `haco(${task.id}): ${task.title}`);
    });
    end('passed');
    this.setTaskStatus(runId, task.id, 'done', { commitSha: commit });
    return { ok: true };
  }

  private openBreakpoint(
    runId: string,
    taskId: string | null,
    kind: BreakpointRow['kind'],
    message: string,
    details?: unknown,
  ): BreakpointRow {
    const id = this.db.openBreakpoint({
      runId,
      taskId,
      kind,
      message,
      answers: ['approve', 'reject'],
      now: this.now(),
      details,
    });
    const row = this.db.getBreakpoints(runId).find((b) => b.id === id);
    if (!row) throw new Error(`breakpoint ${id} vanished`);
    this.log(runId, taskId, `breakpoint ${id} (${kind}): ${message}`);
    this.events.emit('breakpoint:opened', row);
    return row;
  }

  private setRunStatus(runId: string, status: RunStatus): void {
    this.db.setRunStatus(runId, status, this.now());
    this.db.addEvent(runId, 'run:status-changed', null, { status }, this.now());
    this.events.emit('run:status-changed', { runId, status });
  }

  private setTaskStatus(
    runId: string,
    taskId: string,
    status: TaskStatus,
    extra: { commitSha?: string | null; error?: string } = {},
  ): void {
    this.db.setTaskStatus(runId, taskId, status, this.now(), extra);
    this.db.addEvent(runId, 'task:status-changed', taskId, { status, ...extra }, this.now());
    this.events.emit('task:status-changed', {
      runId,
      taskId,
      status,
      ...(extra.error === undefined ? {} : { error: extra.error }),
    });
  }

  /**
   * Answers a worker's request to use a tool, before the tool runs: the permission policy (the
   * task's files, the run's `permissions` config) decides; what it would put to the user (an
   * `agent_permission` question) is refused for now, with the policy's message.
   */
  /**
   * Answers an agent's tool request: by the permission policy when it decides, else through an
   * `agent_permission` breakpoint. An earlier answer to the same request in this run is reused (so
   * a headless run that paused to ask goes on after `haco approve` + `haco resume`). On the
   * dashboard the agent waits for the answer; headless, its attempt is stopped and the run pauses.
   */
  private async askPermission(
    runId: string,
    task: TaskSpec,
    request: PermissionRequest,
  ): Promise<PermissionDecision> {
    const { config } = this.db.runInputs(runId);
    const outcome = decidePermission(
      request,
      taskPermissionPolicy(this.repoRoot, task.files, config.permissions),
    );
    if ('decision' in outcome) {
      if (outcome.decision.behavior === 'deny')
        this.log(runId, task.id, `refused ${request.tool}: ${outcome.decision.message}`);
      return outcome.decision;
    }
    const key = `${request.tool} ${JSON.stringify(request.action)}`;
    const asked = this.db
      .getBreakpoints(runId)
      .filter(
        (b) =>
          b.kind === 'agent_permission' &&
          b.taskId === task.id &&
          (b.details as { key?: string }).key === key,
      );
    const settled = asked.find((b) => b.status !== 'pending');
    const refused: PermissionDecision = {
      behavior: 'deny',
      message: `haco: the user refused ${request.tool} here. Find another way.`,
    };
    if (settled) return settled.status === 'approved' ? { behavior: 'allow' } : refused;
    const bp =
      asked[0] ??
      this.openBreakpoint(runId, task.id, 'agent_permission', `${task.id}: ${outcome.breakpoint.message}`, {
        key,
      });
    this.wake();
    if (!this.isInteractive) {
      this.taskAborts.get(task.id)?.abort();
      return { behavior: 'deny', message: 'haco: paused to ask the user about this request.' };
    }
    const answered = await this.answerOf(runId, bp.id, this.taskAborts.get(task.id)?.signal);
    return answered === 'approved' ? { behavior: 'allow' } : refused;
  }

  /** Resolves with a breakpoint's answer, or 'rejected' when the attempt is stopped first. */
  private answerOf(
    runId: string,
    breakpointId: number,
    stop: AbortSignal | undefined,
  ): Promise<'approved' | 'rejected'> {
    return new Promise((resolve) => {
      const off = this.events.on('breakpoint:answered', (b) => {
        if (b.id !== breakpointId) return;
        off();
        resolve(b.status === 'approved' ? 'approved' : 'rejected');
      });
      // It may have been answered already (even from inside the breakpoint:opened event).
      const now = this.db.getBreakpoints(runId).find((b) => b.id === breakpointId);
      if (now && now.status !== 'pending') {
        off();
        resolve(now.status === 'approved' ? 'approved' : 'rejected');
        return;
      }
      const signals = [this.abort.signal, ...(stop ? [stop] : [])];
      for (const signal of signals) {
        signal.addEventListener(
          'abort',
          () => {
            off();
            resolve('rejected');
          },
          { once: true },
        );
      }
    });
  }

  private log(runId: string, taskId: string | null, message: string): void {
    this.db.addEvent(runId, 'run:logged', taskId, { message }, this.now());
    this.events.emit('run:logged', { runId, taskId, message });
  }
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines.at(-1) ?? text;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import type { Config } from '../config/schema.js';
import type { TaskGrants } from '../ownership/permission-policy.js';
import type { Mutex } from '../lib/wait.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import type { WorkerSession } from '../sessions/worker-session.js';
import { newMarker, sweepMarked } from '../sessions/sweep.js';
import type { Workspace } from '../workspace/git.js';
import { ATTEMPT_STAGES, type AttemptCtx } from './attempt-stages.js';
import { DELEGATE_LOG_ENV, DELEGATE_LOG_FILE, delegateProtocol, delegateSetup } from './delegate.js';
import type { RunRecorder } from './recorder.js';
import { startAttempt } from './resume-session.js';
import type { AttemptStatus } from './types.js';
import type { Reviewer } from './review.js';
import { runStages } from './stages.js';
import type { ViolationGuard } from './violations.js';

/** The live session of a task's current (or last) attempt, for panes. */
export interface LiveSession {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly session: WorkerSession;
}

/** What an attempt needs from the orchestrator. */
export interface AttemptEnv {
  readonly rec: RunRecorder;
  readonly workspace: Workspace;
  /** Serialises commits: the index is shared. */
  readonly commitLock: Mutex;
  /** Sessions by task id (the dashboard reads these). */
  readonly sessions: Map<string, LiveSession>;
  /** The current drive's violation guard, if the watcher runs. */
  guard(): ViolationGuard | undefined;
  /** A signal that fires on interrupt or when just this task is stopped. */
  signalFor(taskId: string): AbortSignal;
  /** Records which attempt (row id) a task is running, or that it ended. */
  track(taskId: string, attemptId: number | undefined): void;
  askPermission(
    runId: string,
    task: TaskSpec,
    request: PermissionRequest,
    grants?: TaskGrants,
  ): Promise<PermissionDecision>;
  /**
   * Reports a failure that happened where it cannot be thrown (a session's event handler): a
   * storage fault stops the whole run; any other error is thrown back.
   */
  fault(error: unknown): void;
  /** Hands an attempt's process marker to the reaper (swept if haco dies); before any process starts. */
  watchMarker(runId: string, marker: string): void;
  /** Hears the task's agent being held at an ownership violation and let go; returns unsubscribe. */
  onHeld?(taskId: string, listener: (isHeld: boolean) => void): () => void;
  /** True on the dashboard (a stage's breakpoint waits for its answer); false or absent headless. */
  isInteractive?(): boolean;
  /** The supervisor's reviewer for the review stage; absent: no review (see reviewModeOf). */
  readonly reviewer?: Reviewer;
}

/** How an attempt ended: accepted, failed (with the output the retry prompt carries) or stopped. */
export type AttemptResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failure: string;
      readonly isFinal?: true;
      /** The reviewer sent the task back: no retry is used (review.max_loops bounds the loop). */
      readonly isReviewLoop?: true;
    }
  | 'interrupted';

/**
 * One attempt of a task: writes its prompt and task files under `.haco/runs/RUN/TASK/attempt-N/`,
 * then runs its stages (attempt-stages.ts): the agent session, the ownership settle (every write
 * judged), verify, the policy gates, review, and the commit of the task's own paths alone
 * (`haco(<task-id>): <title>`). The first stage that does not go on decides how it ends.
 */
export async function runAttempt(
  env: AttemptEnv,
  runId: string,
  plan: Plan,
  config: Config,
  task: TaskSpec,
  n: number,
  previousFailure: string | undefined,
): Promise<AttemptResult> {
  const { rec, workspace } = env;
  const attemptDir = join(workspace.root, '.haco', 'runs', runId, task.id, `attempt-${n}`);
  // Only the user may read what haco keeps (prompts, transcripts): directories 700, files 600.
  mkdirSync(attemptDir, { recursive: true, mode: 0o700 });
  // The full prompt, or a short one continuing an interrupted attempt's agent session.
  const start = startAttempt(rec, runId, plan.goal, task, n, config.agents[task.agent], previousFailure);
  // The hybrid loop (`delegate:`): a fresh prompt carries the protocol; a resumed session has it.
  const delegate = delegateSetup(config, workspace.root, runId, task);
  const prompt = delegate && !start.resume ? `${start.prompt}\n${delegateProtocol(delegate)}` : start.prompt;
  const promptFile = join(attemptDir, 'prompt.md');
  const taskFile = join(attemptDir, 'task.json');
  writeFileSync(promptFile, prompt, { mode: 0o600 });
  writeFileSync(taskFile, `${JSON.stringify(task, null, 2)}\n`, { mode: 0o600 });
  const transcriptFile = join(attemptDir, 'transcript.log');
  const attemptId = rec.db.startAttempt(runId, task.id, n, rec.now(), transcriptFile);
  // Every process of the attempt (agent, descendants, verify commands) carries this marker.
  const marker = newMarker(runId, task.id, n);
  rec.db.updateAttempt(attemptId, { marker });
  env.watchMarker(runId, marker);
  const end = (status: AttemptStatus, error?: string): void => {
    rec.db.updateAttempt(attemptId, {
      status,
      endedAt: rec.now(),
      ...(error === undefined ? {} : { error }),
    });
    rec.events.emit('attempt:ended', {
      runId,
      taskId: task.id,
      attempt: n,
      status,
      ...(error === undefined ? {} : { error }),
    });
  };
  const agent = config.agents[task.agent];
  if (!agent) throw new Error(`agent ${task.agent} is not configured`);
  env.track(task.id, attemptId);
  try {
    return await attemptBody(env, runId, plan, config, task, n, attemptId, end, {
      repoRoot: workspace.root,
      runId,
      attempt: n,
      prompt,
      promptFile,
      taskFile,
      transcriptFile,
      attemptDir,
      ...(start.resume ? { resume: start.resume } : {}),
      outsideWrite: config.permissions.outside_write,
      abort: env.signalFor(task.id),
      marker,
      ...(delegate ? { extraEnv: { [DELEGATE_LOG_ENV]: join(attemptDir, DELEGATE_LOG_FILE) } } : {}),
      onHeld: (listener) => env.onHeld?.(task.id, listener) ?? (() => undefined),
    });
  } finally {
    // Nothing of the attempt outlives it, however it ended (setsid / double-forked children too).
    await sweepMarked({ exact: marker });
    env.track(task.id, undefined);
  }
}

async function attemptBody(
  env: AttemptEnv,
  runId: string,
  plan: Plan,
  config: Config,
  task: TaskSpec,
  n: number,
  attemptId: number,
  end: (status: AttemptStatus, error?: string) => void,
  session: AttemptCtx['session'],
): Promise<AttemptResult> {
  const ctx: AttemptCtx = { env, runId, plan, config, task, n, attemptId, session, verifyOutput: '' };
  const { result } = await runStages(ATTEMPT_STAGES, ctx);
  switch (result.kind) {
    case 'go':
      end('passed');
      env.rec.taskStatus(runId, task.id, 'done', { commitSha: ctx.commitSha ?? null });
      return { ok: true };
    case 'send_back':
      end(result.status ?? 'failed', result.reason);
      return { ok: false, failure: result.feedback, ...(result.isReviewLoop ? { isReviewLoop: true } : {}) };
    case 'breakpoint':
    case 'interrupted':
      end('interrupted', result.reason);
      return 'interrupted';
    case 'stop':
      end('failed', result.reason);
      return { ok: false, failure: result.reason, isFinal: true };
  }
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import type { Config } from '../config/schema.js';
import type { Mutex } from '../lib/wait.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import type { WorkerSession } from '../sessions/worker-session.js';
import { newMarker, sweepMarked } from '../sessions/sweep.js';
import type { Workspace } from '../workspace/git.js';
import { runAgentSession, type AgentOutcome } from './agent-session.js';
import { buildPrompt } from './prompt.js';
import type { RunRecorder } from './recorder.js';
import type { AttemptStatus } from './types.js';
import { usageColumns } from './usage.js';
import { runVerify } from './verify.js';
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
  askPermission(runId: string, task: TaskSpec, request: PermissionRequest): Promise<PermissionDecision>;
  /**
   * Reports a failure that happened where it cannot be thrown (a session's event handler): a
   * storage fault stops the whole run; any other error is thrown back.
   */
  fault(error: unknown): void;
  /** Hands an attempt's process marker to the reaper (swept if haco dies); before any process starts. */
  watchMarker(runId: string, marker: string): void;
  /** Hears the task's agent being held at an ownership violation and let go; returns unsubscribe. */
  onHeld?(taskId: string, listener: (isHeld: boolean) => void): () => void;
}

/** How an attempt ended: accepted, failed (with the output the retry prompt carries) or stopped. */
export type AttemptResult =
  { readonly ok: true } | { readonly ok: false; readonly failure: string } | 'interrupted';

/**
 * One attempt of a task: writes its prompt and task files under `.haco/runs/RUN/TASK/attempt-N/`,
 * runs the agent session, waits for every write to be judged, verifies, and commits the task's own
 * paths alone (`haco(<task-id>): <title>`).
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
  const prompt = buildPrompt(plan.goal, task, previousFailure);
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
    return await attemptBody(env, runId, config, task, n, attemptId, end, {
      repoRoot: workspace.root,
      runId,
      attempt: n,
      prompt,
      promptFile,
      taskFile,
      transcriptFile,
      attemptDir,
      abort: env.signalFor(task.id),
      marker,
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
  config: Config,
  task: TaskSpec,
  n: number,
  attemptId: number,
  end: (status: AttemptStatus, error?: string) => void,
  ctx: Parameters<typeof runAgentSession>[2] & { marker: string },
): Promise<AttemptResult> {
  const { rec, workspace } = env;
  const agent = config.agents[task.agent];
  if (!agent) throw new Error(`agent ${task.agent} is not configured`);
  let outcome: AgentOutcome;
  try {
    outcome = await runAgentSession(agent, task, ctx, {
      // The hooks run inside the session's event handlers: a failed write there (disk full) goes
      // to env.fault, which stops the run, and never escapes as an uncaught exception.
      onStarted: (session) => {
        session.onTranscriptError((error) => env.fault(error));
        env.sessions.get(task.id)?.session.dispose();
        env.sessions.set(task.id, { runId, taskId: task.id, attempt: n, session });
        try {
          if (session.pid !== undefined) rec.db.updateAttempt(attemptId, { pid: session.pid });
          const where = session.pid === undefined ? 'no process' : `pid ${session.pid}`;
          rec.log(runId, task.id, `attempt ${n} started (${task.agent}, ${where})`);
        } catch (error) {
          env.fault(error);
        }
        rec.events.emit('attempt:started', {
          runId,
          taskId: task.id,
          attempt: n,
          ...(session.pid === undefined ? {} : { pid: session.pid }),
        });
      },
      onSessionId: (sessionId) => {
        try {
          rec.db.updateAttempt(attemptId, { sessionId });
        } catch (error) {
          env.fault(error);
        }
      },
      onPermission: (request) => env.askPermission(runId, task, request),
    });
  } catch (error) {
    await sweepMarked({ exact: ctx.marker });
    const reason = `cannot start agent "${task.agent}": ${(error as Error).message}`;
    end('failed', reason);
    return { ok: false, failure: reason };
  }
  rec.db.updateAttempt(attemptId, {
    agentEndedAt: rec.now(),
    exitCode: 'exitCode' in outcome ? outcome.exitCode : null,
    signal: 'signal' in outcome ? outcome.signal : null,
    ...(outcome.kind === 'done' ? usageColumns(outcome.costUsd, outcome.usage, agent.price) : {}),
  });
  // The agent's process group is gone; its descendants in other sessions go too, before any
  // write is judged (a setsid child would keep writing).
  await sweepMarked({ exact: ctx.marker });
  // Every write the agent made must be judged before its work is accepted: its own files are
  // taken as they are, and anything else it wrote shows up within the settle time.
  await env.guard()?.acceptOwned(task.files);
  await env.guard()?.settle();
  // A violation it is suspected of (or one about its files) is answered first: on the dashboard
  // the attempt waits; headless it stops, and reruns after the answer.
  const verdict = (await env.guard()?.verdictFor(task.id, ctx.abort)) ?? { kind: 'go' };
  if (verdict.kind === 'interrupted') {
    end('interrupted', 'stopped at an ownership_violation breakpoint');
    return 'interrupted';
  }
  if (verdict.kind === 'reverted') {
    end('failed', verdict.reason);
    return { ok: false, failure: verdict.reason };
  }
  if (outcome.kind === 'interrupted') {
    end('interrupted', outcome.reason);
    return 'interrupted';
  }
  if (outcome.kind !== 'done') {
    end(outcome.kind === 'timed_out' ? 'timed_out' : 'failed', outcome.reason);
    return { ok: false, failure: outcome.reason };
  }
  rec.db.updateAttempt(attemptId, { status: 'verifying' });
  rec.taskStatus(runId, task.id, 'verifying');
  const verify = await runVerify(
    task.verify,
    workspace.root,
    config.defaults.verify_timeout,
    ctx.marker,
    config.verify_env_passthrough,
  );
  rec.db.updateAttempt(attemptId, { verifyOutput: verify.output });
  if (!verify.ok) {
    end('failed', 'verification failed');
    return { ok: false, failure: verify.output };
  }
  // Paths granted to the task while it ran (an approved violation) are its own too.
  const files = [...new Set([...task.files, ...rec.db.claims.granted(runId, task.id)])];
  await env.guard()?.acceptOwned(files);
  const commit = await env.commitLock.run(async () => {
    const paths = await workspace.changedFiles(files);
    const sha = await workspace.commitPaths(paths, `haco(${task.id}): ${task.title}`);
    env.guard()?.ownCommit(sha); // the ref it moved is haco's own change, not a violation
    return sha;
  });
  end('passed');
  rec.taskStatus(runId, task.id, 'done', { commitSha: commit });
  return { ok: true };
}

import { join } from 'node:path';

import type { Config } from '../config/schema.js';
import type { Plan, TaskSpec } from '../plan/schema.js';
import { sweepMarked } from '../sessions/sweep.js';
import type { AttemptEnv } from './attempt.js';
import { runAgentSession, type AgentOutcome } from './agent-session.js';
import { DELEGATE_LOG_FILE, delegateGrants, recordDelegateLog } from './delegate.js';
import { isManifest } from './dependencies.js';
import { dependencyStage, fileVersions, undeclaredDependencies } from './gates.js';
import { reviewStage } from './review-stage.js';
import { GO, type Stage } from './stages.js';
import { expectsRed, TESTS_PASS_WITHOUT_CODE, verifyCommandsOf } from './tdd.js';
import { usageColumns } from './usage.js';
import { runVerify } from './verify.js';

/** What the stages of one attempt share; stages fill in what they learn. */
export interface AttemptCtx {
  readonly env: AttemptEnv;
  readonly runId: string;
  /** The run's plan (the tdd policy reads the tasks a task depends on). */
  readonly plan: Plan;
  readonly config: Config;
  readonly task: TaskSpec;
  readonly n: number;
  /** The attempt's row id. */
  readonly attemptId: number;
  /** The agent session's launch context (with the attempt's process marker). */
  readonly session: Parameters<typeof runAgentSession>[2] & { marker: string };
  /** How the agent ended (set by the agent stage). */
  outcome?: AgentOutcome;
  /** The verify commands' (and lint gate's) output so far. */
  verifyOutput: string;
  /** The task's commit (set by the commit stage; null when nothing changed). */
  commitSha?: string | null;
}

/** Runs the task's agent session to its end and records its usage. */
const agentStage: Stage<AttemptCtx> = {
  name: 'agent',
  async run(ctx) {
    const { env, runId, task, n, attemptId } = ctx;
    const { rec } = env;
    const agent = ctx.config.agents[task.agent];
    if (!agent) throw new Error(`agent ${task.agent} is not configured`);
    try {
      ctx.outcome = await runAgentSession(agent, task, ctx.session, {
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
        // The live config (the stored one is redacted), for the hybrid loop's exact command.
        onPermission: (request) =>
          env.askPermission(
            runId,
            task,
            request,
            delegateGrants(ctx.config, env.workspace.root, runId, task),
          ),
      });
    } catch (error) {
      await sweepMarked({ exact: ctx.session.marker });
      const reason = `cannot start agent "${task.agent}": ${(error as Error).message}`;
      return { kind: 'send_back', reason, feedback: reason };
    }
    const outcome = ctx.outcome;
    rec.db.updateAttempt(attemptId, {
      agentEndedAt: rec.now(),
      exitCode: 'exitCode' in outcome ? outcome.exitCode : null,
      signal: 'signal' in outcome ? outcome.signal : null,
      ...(outcome.kind === 'done' ? usageColumns(outcome.costUsd, outcome.usage, agent.price) : {}),
    });
    // The drafts its agent delegated to the local model (`haco worker` logged them).
    if (task.delegate !== undefined)
      recordDelegateLog(rec, runId, task.id, n, join(ctx.session.attemptDir, DELEGATE_LOG_FILE));
    return GO;
  },
};

/**
 * Judges every write the agent made before its work is accepted, then the agent's own ending: a
 * violation it is suspected of is answered first (on the dashboard the attempt waits; headless it
 * stops, and reruns after the answer).
 */
const settleStage: Stage<AttemptCtx> = {
  name: 'settle',
  async run(ctx) {
    const { env, task } = ctx;
    // The agent's process group is gone; its descendants in other sessions go too, before any
    // write is judged (a setsid child would keep writing).
    await sweepMarked({ exact: ctx.session.marker });
    // Its own files are taken as they are; anything else it wrote shows up within the settle time.
    await env.guard()?.acceptOwned(task.files);
    await env.guard()?.settle();
    const verdict = (await env.guard()?.verdictFor(task.id, ctx.session.abort)) ?? { kind: 'go' };
    if (verdict.kind === 'interrupted') {
      return { kind: 'interrupted', reason: 'stopped at an ownership_violation breakpoint' };
    }
    if (verdict.kind === 'reverted')
      return { kind: 'send_back', reason: verdict.reason, feedback: verdict.reason };
    const outcome = ctx.outcome;
    if (!outcome) throw new Error('the settle stage runs after the agent stage');
    if (outcome.kind === 'interrupted') return { kind: 'interrupted', reason: outcome.reason };
    if (outcome.kind !== 'done') {
      return {
        kind: 'send_back',
        status: outcome.kind === 'timed_out' ? 'timed_out' : 'failed',
        reason: outcome.reason,
        feedback: outcome.reason,
      };
    }
    return GO;
  },
};

/**
 * Runs the task's verify commands (under `workflow.tdd` an implementation task runs its tests
 * tasks' too, see verifyCommandsOf); a failure sends the task back with their output. Under
 * `workflow.tdd` a `kind: tests` task's commands must fail instead (red before the implementation):
 * passing tests send it back with {@link TESTS_PASS_WITHOUT_CODE}.
 */
const verifyStage: Stage<AttemptCtx> = {
  name: 'verify',
  async run(ctx) {
    const { env, runId, task, config } = ctx;
    env.rec.db.updateAttempt(ctx.attemptId, { status: 'verifying' });
    env.rec.taskStatus(runId, task.id, 'verifying');
    const verify = await runVerify(
      verifyCommandsOf(ctx.plan, config, task),
      env.workspace.root,
      config.defaults.verify_timeout,
      ctx.session.marker,
      config.verify_env_passthrough,
    );
    ctx.verifyOutput = verify.output;
    env.rec.db.updateAttempt(ctx.attemptId, { verifyOutput: verify.output });
    if (expectsRed(config, task)) {
      if (!verify.ok) {
        env.rec.log(runId, task.id, 'tdd: the tests fail before the implementation, as they should');
        return GO;
      }
      const feedback = `${TESTS_PASS_WITHOUT_CODE}\n\n${verify.output}`;
      return { kind: 'send_back', reason: 'tdd: the tests pass without the implementation', feedback };
    }
    if (!verify.ok) return { kind: 'send_back', reason: 'verification failed', feedback: verify.output };
    return GO;
  },
};

/** The task's changed paths: its own files plus paths granted to it while it ran. */
function taskFiles(ctx: AttemptCtx): string[] {
  return [...new Set([...ctx.task.files, ...ctx.env.rec.db.claims.granted(ctx.runId, ctx.task.id)])];
}

/**
 * Policy gates (config `workflow`): `lint_gate` runs like a verify command and a failure sends the
 * task back with its output; `dependency_guard` (default on) raises a `dependency_added`
 * breakpoint for a dependency the diff adds that the task did not declare (see dependencyStage).
 */
const gatesStage: Stage<AttemptCtx> = {
  name: 'gates',
  async run(ctx) {
    const { env, runId, task, config } = ctx;
    // Configs stored before workflow policies have no `workflow`.
    const workflow = (config as Partial<Config>).workflow;
    const lint = workflow?.lint_gate ?? null;
    if (lint !== null) {
      const result = await runVerify(
        [lint],
        env.workspace.root,
        config.defaults.verify_timeout,
        ctx.session.marker,
        config.verify_env_passthrough,
      );
      ctx.verifyOutput += result.output;
      env.rec.db.updateAttempt(ctx.attemptId, { verifyOutput: ctx.verifyOutput });
      if (!result.ok) return { kind: 'send_back', reason: 'lint gate failed', feedback: result.output };
    }
    if (workflow?.dependency_guard === false) return GO;
    const manifests = (await env.workspace.changedFiles(taskFiles(ctx))).filter(isManifest);
    const versions = await fileVersions(env.rec.db, env.workspace, runId, task.id, manifests);
    const found = undeclaredDependencies(versions, task.dependencies ?? []);
    return dependencyStage(
      {
        rec: env.rec,
        runId,
        taskId: task.id,
        isInteractive: env.isInteractive?.() ?? false,
        signal: ctx.session.abort,
      },
      found,
    );
  },
};

/** Commits the task's own paths alone (`haco(<task-id>): <title>`). */
const commitStage: Stage<AttemptCtx> = {
  name: 'commit',
  async run(ctx) {
    const { env, task } = ctx;
    // Paths granted to the task while it ran (an approved violation) are its own too.
    const files = taskFiles(ctx);
    await env.guard()?.acceptOwned(files);
    ctx.commitSha = await env.commitLock.run(async () => {
      const paths = await env.workspace.changedFiles(files);
      const sha = await env.workspace.commitPaths(paths, `haco(${task.id}): ${task.title}`);
      env.guard()?.ownCommit(sha); // the ref it moved is haco's own change, not a violation
      return sha;
    });
    return GO;
  },
};

/** An attempt's stages, in order (issue 8, point 5). */
export const ATTEMPT_STAGES: readonly Stage<AttemptCtx>[] = [
  agentStage,
  settleStage,
  verifyStage,
  gatesStage,
  reviewStage(taskFiles),
  commitStage,
];

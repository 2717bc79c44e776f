import { join } from 'node:path';

import { adapterFor } from '../../agents/registry.js';
import type { LaunchContext, PermissionDecision, PermissionRequest } from '../../agents/types.js';
import type { AgentConfig } from '../config/schema.js';
import type { TaskSpec } from '../plan/schema.js';
import { formatDuration } from '../lib/duration.js';
import { setLongTimeout, type LongTimeout } from '../lib/timer.js';
import { delay } from '../lib/wait.js';
import { signalName } from '../sessions/exit-wrapper.js';
import { startPtySession } from '../sessions/pty-session.js';
import { startAskServer } from './ask-server.js';
import { runDraftSession } from './draft-session.js';
import type { SessionExit, WorkerSession } from '../sessions/worker-session.js';
import { MARKER_ENV } from '../sessions/sweep.js';
import { failureMessage } from './failure.js';
import type { TokenUsage } from './usage.js';

/** Time an agent gets to exit by itself after reporting it is done, ms. */
const EXIT_AFTER_DONE_MS = 5000;
/** After haco killed an agent (timeout), longest wait for its last output to be read, ms. */
const KILLED_OUTPUT_WAIT_MS = 2000;

/**
 * How an agent session ended. `exitCode` and `signal` are the agent process's own end (see
 * SessionExit; null when haco had to end it); a `reason` is a failure message: the cause on its
 * first line, then the agent's last output lines (see failure.ts).
 */
export type AgentOutcome =
  | {
      readonly kind: 'done';
      readonly exitCode: number | null;
      readonly signal: number | null;
      readonly costUsd?: number;
      readonly usage?: TokenUsage;
    }
  | {
      readonly kind: 'failed';
      readonly exitCode: number | null;
      readonly signal: number | null;
      readonly reason: string;
    }
  | { readonly kind: 'timed_out'; readonly reason: string }
  | { readonly kind: 'interrupted'; readonly reason: string };

/** Facts learned while the session runs, reported as they arrive. */
export interface AgentSessionHooks {
  onStarted(session: WorkerSession): void;
  onSessionId(sessionId: string): void;
  /**
   * The agent asks before using a tool (agents with a stdin protocol or an ask channel); the answer
   * is written to its stdin or its hook. The agent waits meanwhile; the attempt's timeout keeps
   * running.
   */
  onPermission(request: PermissionRequest): Promise<PermissionDecision>;
}

/**
 * Runs one attempt's agent in a pty until it is done, fails, times out (its whole process group
 * is killed at `task.timeoutMs`, any length) or `abort` fires. An agent killed by a signal fails
 * (`agent killed by SIGKILL`), unless it is a protocol agent that had reported its result.
 * @throws Error when the agent's executable cannot be started
 */
export async function runAgentSession(
  agent: AgentConfig,
  task: TaskSpec,
  ctx: LaunchContext & {
    transcriptFile: string;
    abort: AbortSignal;
    /** The attempt's process marker, put in the agent's environment as `HACO_MARKER` (sessions/sweep.ts). */
    marker?: string;
    /** Variables set for this attempt over the agent type's own (the hybrid loop's `HACO_DELEGATE_LOG`). */
    extraEnv?: Readonly<Record<string, string>>;
    /**
     * Subscribes to the agent being held (SIGSTOP, an ownership violation waits) and let go;
     * returns unsubscribe. The timeout stands still while it is held.
     */
    onHeld?: (listener: (isHeld: boolean) => void) => () => void;
  },
  hooks: AgentSessionHooks,
): Promise<AgentOutcome> {
  const { completion } = adapterFor(agent);
  // A draft agent has no process: haco streams its model into the pane and applies its draft itself.
  if (completion.kind === 'draft') return runDraftSession(agent, completion, task, ctx, hooks);
  const ask = completion.kind === 'protocol' ? completion.ask : undefined;
  if (!ask) return runSession(agent, task, ctx, hooks, () => undefined);
  // The agent's hook asks on the ask channel; it listens before the agent starts.
  let show: (line: string) => void = () => undefined;
  const server = await startAskServer(async (message) => {
    const request = ask.readRequest(message);
    if (!request) return { behavior: 'deny', message: 'haco: unreadable tool request; refused' };
    const decision = await hooks.onPermission(request);
    show(ask.describePermission(request, decision));
    return decision;
  });
  try {
    return await runSession(agent, task, { ...ctx, askSocket: server.path }, hooks, (display) => {
      show = display;
    });
  } finally {
    // Hooks still waiting get no answer: they refuse.
    await server.close();
  }
}

async function runSession(
  agent: AgentConfig,
  task: TaskSpec,
  ctx: Parameters<typeof runAgentSession>[2],
  hooks: AgentSessionHooks,
  onDisplay: (display: (line: string) => void) => void,
): Promise<AgentOutcome> {
  const adapter = adapterFor(agent);
  if (!adapter.launch) throw new Error(`agent type ${adapter.type} starts no process`);
  const spec = adapter.launch(agent, task, ctx);
  const { completion } = adapter;
  const stdin = completion.kind === 'protocol' ? completion.stdin : undefined;
  let doneSignal: { ok: boolean; costUsd?: number; usage?: TokenUsage; message?: string } | undefined;
  let resolveDone: () => void = () => undefined;
  const protocolDone = new Promise<void>((resolve) => (resolveDone = resolve));
  let failPermission: (reason: string) => void = () => undefined;
  const permissionFailed = new Promise<{ permissionFailure: string }>((resolve) => {
    failPermission = (reason) => resolve({ permissionFailure: reason });
  });
  const answer = (request: PermissionRequest): void => {
    if (!stdin) {
      failPermission(`${adapter.type} asked to use ${request.tool}, but haco has no way to answer it`);
      return;
    }
    hooks.onPermission(request).then(
      (decision) => {
        if (session.isExited) return; // answered too late: the attempt is over
        session.display(`${stdin.describePermission(request, decision)}\n`);
        session.writeInput(stdin.answerPermission(request, decision));
      },
      (error: unknown) => failPermission(`could not decide on ${request.tool}: ${(error as Error).message}`),
    );
  };
  const session: WorkerSession = startPtySession({
    command: spec.command,
    args: spec.args,
    cwd: ctx.repoRoot,
    env: {
      ...spec.env,
      ...ctx.extraEnv,
      ...(ctx.marker === undefined ? {} : { [MARKER_ENV]: ctx.marker }),
    },
    // Only the basics, the agent type's own variables and the config's list reach the agent.
    envPassthrough: [...adapter.envPassthrough, ...(agent.env_passthrough ?? [])],
    transcriptFile: ctx.transcriptFile,
    ...(stdin ? { stdinFifo: join(ctx.attemptDir, stdin.fifo) } : {}),
    output:
      completion.kind === 'protocol'
        ? {
            kind: 'lines',
            onLine: (line) => {
              for (const signal of completion.parseLine(line)) {
                switch (signal.type) {
                  case 'display':
                    session.display(`${signal.text}\n`);
                    break;
                  case 'session':
                    hooks.onSessionId(signal.sessionId);
                    break;
                  case 'permission':
                    answer(signal.request);
                    break;
                  case 'done':
                    doneSignal = signal;
                    // An agent reading stdin (claude) waits for more input after its result.
                    if (stdin) session.closeInput();
                    resolveDone();
                    break;
                }
              }
            },
          }
        : { kind: 'screen' },
  });
  onDisplay((line) => {
    if (!session.isExited) session.display(`${line}\n`);
  });
  if (stdin) for (const line of stdin.initialInput(task, ctx)) session.writeInput(line);
  hooks.onStarted(session);

  let timer: LongTimeout | undefined;
  let offHeld: (() => void) | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    let left = task.timeoutMs;
    let armedAt = Date.now();
    const arm = (): void => {
      armedAt = Date.now();
      timer = setLongTimeout(() => resolve('timeout'), left);
    };
    arm();
    // Time the agent spends held at an ownership_violation breakpoint does not count.
    offHeld = ctx.onHeld?.((isHeld) => {
      timer?.clear();
      if (isHeld) left -= Date.now() - armedAt;
      else arm();
    });
  });
  const aborted = new Promise<'abort'>((resolve) => {
    if (ctx.abort.aborted) resolve('abort');
    ctx.abort.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  const finished = session.exited.then((exit) => ({ exit }));
  const first = await Promise.race([
    finished,
    protocolDone.then(() => 'done' as const),
    timedOut,
    aborted,
    permissionFailed,
  ]);
  timer?.clear();
  offHeld?.();
  /** The cause, then the agent's last output lines (its screen: what the user saw in its pane). */
  const failure = (cause: string): string => failureMessage(cause, session.tail());

  if (typeof first === 'object' && 'permissionFailure' in first) {
    await session.kill();
    return { kind: 'failed', exitCode: null, signal: null, reason: first.permissionFailure };
  }
  if (first === 'timeout' || first === 'abort') {
    await session.kill();
    // After the kill the pane holds everything the agent printed.
    await Promise.race([session.exited, delay(KILLED_OUTPUT_WAIT_MS)]);
    return first === 'timeout'
      ? {
          kind: 'timed_out',
          reason: failure(
            `agent timed out after ${formatDuration(task.timeoutMs)}; its process group was killed`,
          ),
        }
      : { kind: 'interrupted', reason: 'interrupted' };
  }
  // How the agent's process ended; undefined when it was still running after reporting done
  // (haco's own kill below ends it then, which is no failure of the agent).
  let exit: SessionExit | undefined;
  if (first === 'done') {
    const late = await Promise.race([
      finished,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_AFTER_DONE_MS)),
    ]);
    exit = late?.exit;
  } else {
    exit = first.exit;
  }
  // Whatever the agent left running in its group (servers, watchers) must not outlive it.
  await session.kill(500);
  const exitCode = exit?.exitCode ?? null;
  const signal = exit?.signal ?? null;
  if (completion.kind === 'protocol') {
    const done = doneSignal as typeof doneSignal | undefined;
    // A result reported before the end is the agent's answer, however its process ended after.
    if (!done)
      return {
        kind: 'failed',
        exitCode,
        signal,
        reason: failure(
          signal === null
            ? `agent exited (code ${exitCode}) without reporting a result`
            : `agent killed by ${signalName(signal)} before reporting a result`,
        ),
      };
    if (!done.ok)
      return {
        kind: 'failed',
        exitCode,
        signal,
        reason: failure(`agent reported an error: ${done.message ?? ''}`),
      };
    return {
      kind: 'done',
      exitCode,
      signal,
      ...(done.costUsd === undefined ? {} : { costUsd: done.costUsd }),
      ...(done.usage === undefined ? {} : { usage: done.usage }),
    };
  }
  // An agent whose result is its exit code: a signal death fails even if node-pty says code 0
  // (its files may be half written).
  if (signal !== null)
    return { kind: 'failed', exitCode, signal, reason: failure(`agent killed by ${signalName(signal)}`) };
  return exitCode === 0
    ? { kind: 'done', exitCode, signal: null }
    : { kind: 'failed', exitCode, signal: null, reason: failure(`agent exited with code ${exitCode}`) };
}

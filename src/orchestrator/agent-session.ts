import { join } from 'node:path';

import { adapterFor } from '../../agents/registry.js';
import type { LaunchContext, PermissionDecision, PermissionRequest } from '../../agents/types.js';
import type { AgentConfig } from '../config/schema.js';
import type { TaskSpec } from '../plan/schema.js';
import { PtySession } from '../sessions/pty-session.js';

/** Time an agent gets to exit by itself after reporting it is done, ms. */
const EXIT_AFTER_DONE_MS = 5000;

/** How an agent session ended. */
export type AgentOutcome =
  | {
      readonly kind: 'done';
      readonly exitCode: number | null;
      readonly costUsd?: number;
      readonly usage?: unknown;
    }
  | { readonly kind: 'failed'; readonly exitCode: number | null; readonly reason: string }
  | { readonly kind: 'timed_out'; readonly reason: string }
  | { readonly kind: 'interrupted'; readonly reason: string };

/** Facts learned while the session runs, reported as they arrive. */
export interface AgentSessionHooks {
  onStarted(session: PtySession): void;
  onSessionId(sessionId: string): void;
  /**
   * The agent asks before using a tool (only agents with a stdin protocol); the answer is written
   * to its stdin. The agent waits meanwhile; the attempt's timeout keeps running.
   */
  onPermission(request: PermissionRequest): Promise<PermissionDecision>;
}

/**
 * Runs one attempt's agent in a pty until it is done, fails, times out (its whole process group
 * is killed at `task.timeoutMs`) or `abort` fires.
 * @throws Error when the agent's executable cannot be started
 */
export async function runAgentSession(
  agent: AgentConfig,
  task: TaskSpec,
  ctx: LaunchContext & { transcriptFile: string; abort: AbortSignal },
  hooks: AgentSessionHooks,
): Promise<AgentOutcome> {
  const adapter = adapterFor(agent);
  const spec = adapter.launch(agent, task, ctx);
  const stdin = adapter.stdin;
  let doneSignal: { ok: boolean; costUsd?: number; usage?: unknown; message?: string } | undefined;
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
  const session: PtySession = new PtySession({
    command: spec.command,
    args: spec.args,
    cwd: ctx.repoRoot,
    env: spec.env,
    transcriptFile: ctx.transcriptFile,
    ...(stdin ? { stdinFifo: join(ctx.attemptDir, 'stdin.fifo') } : {}),
    output:
      adapter.completion === 'protocol' && adapter.parseLine
        ? {
            kind: 'lines',
            onLine: (line) => {
              for (const signal of adapter.parseLine?.(line) ?? []) {
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
  if (stdin) for (const line of stdin.initialInput(task, ctx)) session.writeInput(line);
  hooks.onStarted(session);

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), task.timeoutMs)),
  );
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
  clearTimeout(timer);

  if (typeof first === 'object' && 'permissionFailure' in first) {
    await session.kill();
    return { kind: 'failed', exitCode: null, reason: first.permissionFailure };
  }
  if (first === 'timeout' || first === 'abort') {
    await session.kill();
    return first === 'timeout'
      ? {
          kind: 'timed_out',
          reason: `agent timed out after ${task.timeoutMs} ms; its process group was killed`,
        }
      : { kind: 'interrupted', reason: 'interrupted' };
  }
  let exitCode: number | null = null;
  if (first === 'done') {
    const exit = await Promise.race([
      finished,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_AFTER_DONE_MS)),
    ]);
    exitCode = exit?.exit.exitCode ?? null;
  } else {
    exitCode = first.exit.exitCode;
  }
  // Whatever the agent left running in its group (servers, watchers) must not outlive it.
  await session.kill(500);
  if (adapter.completion === 'protocol') {
    const signal = doneSignal as typeof doneSignal | undefined;
    if (!signal)
      return {
        kind: 'failed',
        exitCode,
        reason: `agent exited (code ${exitCode}) without reporting a result`,
      };
    if (!signal.ok)
      return { kind: 'failed', exitCode, reason: `agent reported an error: ${signal.message ?? ''}` };
    return {
      kind: 'done',
      exitCode,
      ...(signal.costUsd === undefined ? {} : { costUsd: signal.costUsd }),
      ...(signal.usage === undefined ? {} : { usage: signal.usage }),
    };
  }
  return exitCode === 0
    ? { kind: 'done', exitCode }
    : { kind: 'failed', exitCode, reason: `agent exited with code ${exitCode}` };
}

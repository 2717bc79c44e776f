import { adapterFor } from '../../agents/registry.js';
import type { LaunchContext } from '../../agents/types.js';
import type { AgentConfig } from '../config/schema.js';
import type { TaskSpec } from '../plan/schema.js';
import { PtySession } from '../sessions/pty-session.js';

/** Time an agent gets to exit by itself after reporting it is done, ms. */
const EXIT_AFTER_DONE_MS = 5000;

/** How an agent session ended. */
export type AgentOutcome =
  | { readonly kind: 'done'; readonly exitCode: number | null; readonly costUsd?: number; readonly usage?: unknown }
  | { readonly kind: 'failed'; readonly exitCode: number | null; readonly reason: string }
  | { readonly kind: 'timed_out'; readonly reason: string }
  | { readonly kind: 'interrupted'; readonly reason: string };

/** Facts learned while the session runs, reported as they arrive. */
export interface AgentSessionHooks {
  onStarted(session: PtySession): void;
  onSessionId(sessionId: string): void;
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
  let doneSignal: { ok: boolean; costUsd?: number; usage?: unknown; message?: string } | undefined;
  let resolveDone: () => void = () => undefined;
  const protocolDone = new Promise<void>((resolve) => (resolveDone = resolve));
  const session: PtySession = new PtySession({
    command: spec.command,
    args: spec.args,
    cwd: ctx.repoRoot,
    env: spec.env,
    transcriptFile: ctx.transcriptFile,
    output:
      adapter.completion === 'protocol' && adapter.parseLine
        ? {
            kind: 'lines',
            onLine: (line) => {
              for (const signal of adapter.parseLine?.(line) ?? []) {
                if (signal.type === 'display') session.display(`${signal.text}\n`);
                else if (signal.type === 'session') hooks.onSessionId(signal.sessionId);
                else {
                  doneSignal = signal;
                  resolveDone();
                }
              }
            },
          }
        : { kind: 'screen' },
  });
  hooks.onStarted(session);

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), task.timeoutMs)));
  const aborted = new Promise<'abort'>((resolve) => {
    if (ctx.abort.aborted) resolve('abort');
    ctx.abort.addEventListener('abort', () => resolve('abort'), { once: true });
  });
  const finished = session.exited.then((exit) => ({ exit }));
  const first = await Promise.race([finished, protocolDone.then(() => 'done' as const), timedOut, aborted]);
  clearTimeout(timer);

  if (first === 'timeout' || first === 'abort') {
    await session.kill();
    return first === 'timeout'
      ? { kind: 'timed_out', reason: `agent timed out after ${task.timeoutMs} ms; its process group was killed` }
      : { kind: 'interrupted', reason: 'interrupted' };
  }
  let exitCode: number | null = null;
  if (first === 'done') {
    const exit = await Promise.race([finished, new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_AFTER_DONE_MS))]);
    exitCode = exit?.exit.exitCode ?? null;
  } else {
    exitCode = first.exit.exitCode;
  }
  // Whatever the agent left running in its group (servers, watchers) must not outlive it.
  await session.kill(500);
  if (adapter.completion === 'protocol') {
    const signal = doneSignal as typeof doneSignal | undefined;
    if (!signal) return { kind: 'failed', exitCode, reason: `agent exited (code ${exitCode}) without reporting a result` };
    if (!signal.ok) return { kind: 'failed', exitCode, reason: `agent reported an error: ${signal.message ?? ''}` };
    return {
      kind: 'done',
      exitCode,
      ...(signal.costUsd === undefined ? {} : { costUsd: signal.costUsd }),
      ...(signal.usage === undefined ? {} : { usage: signal.usage }),
    };
  }
  return exitCode === 0 ? { kind: 'done', exitCode } : { kind: 'failed', exitCode, reason: `agent exited with code ${exitCode}` };
}

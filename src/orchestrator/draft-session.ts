import { appendFileSync } from 'node:fs';

import type { DraftIO, DraftResult, LaunchContext } from '../../agents/types.js';
import type { AgentConfig } from '../config/schema.js';
import { formatDuration } from '../lib/duration.js';
import { setLongTimeout } from '../lib/timer.js';
import type { TaskSpec } from '../plan/schema.js';
import { StreamSession } from '../sessions/stream-session.js';
import { applyDraft, readOwnedFiles } from '../workspace/apply-draft.js';
import type { AgentOutcome, AgentSessionHooks } from './agent-session.js';
import { failureMessage } from './failure.js';

/** The `draft` completion of an adapter (see agents/types.ts {@link Completion}). */
type DraftCompletion = {
  run(config: AgentConfig, task: TaskSpec, ctx: LaunchContext, io: DraftIO): Promise<DraftResult>;
};

/**
 * Runs one attempt of a draft agent (no process): a {@link StreamSession} shows what the adapter
 * streams, and haco applies the drafts the adapter hands over itself, only inside the task's files
 * (src/workspace/apply-draft.ts). Ends at the adapter's result, at `task.timeoutMs` (the request
 * is aborted) or when `ctx.abort` fires. The pane's text is appended to `ctx.transcriptFile`.
 */
export async function runDraftSession(
  agent: AgentConfig,
  completion: DraftCompletion,
  task: TaskSpec,
  ctx: LaunchContext & { transcriptFile: string; abort: AbortSignal },
  hooks: AgentSessionHooks,
): Promise<AgentOutcome> {
  const controller = new AbortController();
  const session = new StreamSession({ onKill: () => controller.abort() });
  let transcriptError: Error | undefined;
  const io: DraftIO = {
    display: (text) => {
      session.display(text);
      if (transcriptError) return;
      try {
        appendFileSync(ctx.transcriptFile, text);
      } catch (error) {
        // Recorded, and the attempt fails below: a run never goes on without its transcript.
        transcriptError = error as Error;
      }
    },
    signal: controller.signal,
    readOwnedFiles: () => readOwnedFiles(ctx.repoRoot, task.files),
    // A draft that arrives after the attempt ended (timeout, interrupt) is never written.
    apply: (changes) =>
      controller.signal.aborted ? 'the attempt has ended' : applyDraft(ctx.repoRoot, task.files, changes),
  };
  hooks.onStarted(session);
  let stop: 'timeout' | 'abort' | undefined;
  const stopped = new Promise<void>((resolve) => {
    const end = (why: 'timeout' | 'abort'): void => {
      stop ??= why;
      controller.abort();
      resolve();
    };
    const timer = setLongTimeout(() => end('timeout'), task.timeoutMs);
    if (ctx.abort.aborted) end('abort');
    ctx.abort.addEventListener('abort', () => end('abort'), { once: true });
    controller.signal.addEventListener('abort', () => timer.clear(), { once: true });
  });
  const result = await Promise.race([
    completion
      .run(agent, task, ctx, io)
      .catch((error: unknown): DraftResult => ({ ok: false, message: (error as Error).message })),
    stopped.then(() => undefined),
  ]);
  controller.abort();
  if (result === undefined || stop !== undefined) {
    await session.kill();
    return stop === 'timeout'
      ? {
          kind: 'timed_out',
          reason: failureMessage(
            `agent timed out after ${formatDuration(task.timeoutMs)}; its request was aborted`,
            session.tail(),
          ),
        }
      : { kind: 'interrupted', reason: 'interrupted' };
  }
  if (transcriptError) throw transcriptError;
  if (!result.ok) {
    io.display(`\nhaco: ${result.message}\n`);
    session.end({ exitCode: 1, signal: null });
    await session.exited;
    return {
      kind: 'failed',
      exitCode: null,
      signal: null,
      reason: failureMessage(`agent reported an error: ${result.message}`, session.tail()),
    };
  }
  session.end();
  await session.exited;
  return { kind: 'done', exitCode: null, signal: null, ...(result.usage ? { usage: result.usage } : {}) };
}

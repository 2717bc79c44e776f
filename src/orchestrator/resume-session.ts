import { adapterFor } from '../../agents/registry.js';
import type { AgentConfig } from '../config/schema.js';
import type { TaskSpec } from '../plan/schema.js';
import { buildPrompt } from './prompt.js';
import type { RunRecorder } from './recorder.js';
import type { AttemptRow, BreakpointRow } from './types.js';

/**
 * The `error` recorded on an attempt that a stopped or crashed haco left running (set by
 * scheduler.ts `recoverInterrupted`); its task's owned paths are then restored to the checkpoint
 * (recovery.ts `recoverCrashedTasks`) before the task runs again.
 */
export const STOPPED_DURING_ATTEMPT = 'haco stopped during the attempt';

/** How an attempt starts: the prompt it gets, and the agent session it continues, if any. */
export interface AttemptStart {
  /** The full task prompt, or the short resume prompt when `resume` is set. */
  readonly prompt: string;
  /** The agent's own session to continue (the `session` signal of an interrupted attempt). */
  readonly resume?: { readonly sessionId: string };
  /** Number of the interrupted attempt whose session is continued (with `resume`). */
  readonly resumedFrom?: number;
}

/**
 * Decides whether a task's next attempt continues the agent's own session or starts from nothing.
 * It resumes when the task's last attempts ended `interrupted` (haco stopped, crashed, or a
 * breakpoint paused the run) and one of them recorded the agent's session id, and the agent type
 * can resume (`canResume`); the newest such session is continued with a short prompt (see
 * {@link resumePrompt}). A failed attempt in between (a resumed launch that failed at once) ends
 * the chain, so the next attempt starts afresh: a resume is never retried in a loop.
 * @param attempts the task's attempts so far, any order (StateDb.getAttempts)
 */
export function attemptStart(
  goal: string,
  task: TaskSpec,
  previousFailure: string | undefined,
  attempts: readonly AttemptRow[],
  canResume: boolean,
  breakpoints: readonly BreakpointRow[] = [],
): AttemptStart {
  const fresh = { prompt: buildPrompt(goal, task, previousFailure) };
  if (!canResume) return fresh;
  const trailing: AttemptRow[] = [];
  for (const a of [...attempts].sort((x, y) => y.n - x.n)) {
    if (a.status !== 'interrupted') break;
    trailing.push(a);
  }
  const index = trailing.findIndex((a) => a.sessionId !== null && a.sessionId !== '');
  const from = trailing[index];
  if (!from?.sessionId) return fresh;
  // A crash since that session last ran restored the task's files to its checkpoint.
  const restored = trailing.slice(0, index + 1).some((a) => a.error === STOPPED_DURING_ATTEMPT);
  // What the user answered to the questions the stopped attempts asked (a headless run pauses to
  // ask): the agent hears the answers, since its question was left without one.
  const since = Math.min(...trailing.slice(0, index + 1).map((a) => a.startedAt));
  const answers = breakpoints.filter(
    (b) =>
      b.kind === 'agent_permission' && b.taskId === task.id && b.status !== 'pending' && b.createdAt >= since,
  );
  return {
    prompt: resumePrompt(task, restored, answers),
    resume: { sessionId: from.sessionId },
    resumedFrom: from.n,
  };
}

/**
 * {@link attemptStart} for attempt `n` of a task, from the task's recorded attempts (call before
 * attempt `n` is recorded) and its agent's adapter; a resume is written to the run's log as
 * `attempt N resumes <agent> session <id>`.
 * @param agent the task's agent config (undefined: not configured, the attempt fails later)
 */
export function startAttempt(
  rec: RunRecorder,
  runId: string,
  goal: string,
  task: TaskSpec,
  n: number,
  agent: AgentConfig | undefined,
  previousFailure: string | undefined,
): AttemptStart {
  const canResume = agent !== undefined && adapterFor(agent).canResume === true;
  const start = attemptStart(
    goal,
    task,
    previousFailure,
    rec.db.getAttempts(runId, task.id),
    canResume,
    rec.db.getBreakpoints(runId),
  );
  if (start.resume) {
    rec.log(runId, task.id, `attempt ${n} resumes ${task.agent} session ${start.resume.sessionId}`);
  }
  return start;
}

/**
 * The short prompt a resumed session gets: it was interrupted, continue the task; when haco
 * restored its files (`restored`), it says so and names them, since its earlier changes are gone;
 * each answered `agent_permission` breakpoint in `answers` is told (approved: do it again;
 * refused: do not).
 */
export function resumePrompt(
  task: TaskSpec,
  restored: boolean,
  answers: readonly BreakpointRow[] = [],
): string {
  const files = task.files.map((f) => `- ${f}`);
  const lines = [
    `You were interrupted before you finished task ${task.id} (${task.title}). Continue the task.`,
  ];
  if (restored) {
    lines.push(
      'haco restored the files you own to where they were when the task started, so your earlier',
      'changes to them are gone. Look at them again before you go on:',
      ...files,
    );
  } else {
    lines.push('Look at the files you own again before you go on; create or change only these:', ...files);
  }
  if (answers.length > 0) {
    lines.push('While you were stopped, the user answered what you asked:');
    for (const b of answers) {
      const what = b.message.startsWith(`${task.id}: `) ? b.message.slice(task.id.length + 2) : b.message;
      lines.push(
        b.status === 'approved'
          ? `- approved: ${what} Do it again now; it will be allowed.`
          : `- refused: ${what} Do not try it again; find another way.`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

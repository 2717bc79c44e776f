import { createHash } from 'node:crypto';

import { SupervisorUnavailableError } from '../supervisor/provider.js';
import type { AttemptCtx } from './attempt-stages.js';
import { answerOf, fileVersions, unifiedDiff } from './gates.js';
import { reviewConfigOf, type ReviewVerdict } from './review.js';
import { riskOf } from './review-risk.js';
import { GO, type Stage, type StageResult } from './stages.js';
import type { BreakpointRow } from './types.js';

/** The first line of the error of an attempt the reviewer sent back; the comments follow as `- …` lines. */
export const REVIEW_CHANGES = 'the reviewer asked for changes';

/** True when an attempt's `error` says the reviewer sent it back (see {@link REVIEW_CHANGES}). */
export function isReviewSendBack(error: string | null | undefined): boolean {
  return error?.startsWith(REVIEW_CHANGES) === true;
}

/** One line per comment, whitespace collapsed, empty ones dropped. */
export function normalizeComments(comments: readonly string[]): string[] {
  return comments.map((c) => c.replace(/\s+/g, ' ').trim()).filter((c) => c !== '');
}

/** The attempt error (and the next attempt's feedback) for a `changes` verdict. */
export function changesText(comments: readonly string[]): string {
  return [`${REVIEW_CHANGES}:`, ...normalizeComments(comments).map((c) => `- ${c}`)].join('\n');
}

/** The comments an attempt error written by {@link changesText} carries. */
export function commentsOf(error: string): string[] {
  return error
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));
}

/**
 * Whether a `changes` verdict goes back to the agent or stops at a breakpoint: it stops once the
 * task was sent back `maxLoops` times by the reviewer, or when the reviewer repeats the comments of
 * its previous `changes` (same comments in any order).
 * @param previous the comments of each earlier review send-back of the task, oldest first
 * @returns null to send the task back, else why it stops (one line)
 */
export function loopStop(
  previous: readonly (readonly string[])[],
  comments: readonly string[],
  maxLoops: number,
): string | null {
  // The max_loops-th review asking for changes is the last: it goes to the user.
  if (previous.length + 1 >= maxLoops)
    return `after ${previous.length + 1} review(s) asking for changes (review.max_loops)`;
  const last = previous.at(-1);
  const key = (list: readonly string[]): string => JSON.stringify(normalizeComments(list).sort());
  if (last !== undefined && key(last) === key(comments)) return 'repeating its earlier comments';
  return null;
}

/**
 * The review stage (issue 8 point 6). With config `review.mode: never` (the default) or no reviewer
 * it goes on; with `on-risk` it goes on unless the task is risky (review-risk.ts). Otherwise the
 * task is `reviewing` while the reviewer reads the task, acceptance criteria, diff and verify
 * output; the verdict is logged (verdict, confidence, first comment). `approve` goes on; `changes`
 * sends the task back with the comments (no retry used) until the `review.max_loops`-th such verdict, stopping
 * early when the comments repeat; after that, below `review.confidence_threshold`, or when the
 * answer was unreadable or the supervisor unavailable, a `review_rejected` breakpoint shows the
 * comments: approve commits the task, reject fails it. A breakpoint answered earlier for the same
 * task and diff is reused (a headless run goes on after `haco approve|reject` + `haco resume`).
 * @param filesOf the task's changed-path candidates (its files plus granted paths)
 */
export function reviewStage(filesOf: (ctx: AttemptCtx) => string[]): Stage<AttemptCtx> {
  return {
    name: 'review',
    async run(ctx): Promise<StageResult> {
      const { env, runId, task } = ctx;
      const review = reviewConfigOf(ctx.config);
      const reviewer = env.reviewer;
      if (review.mode === 'never' || !reviewer) return GO;
      const changed = await env.workspace.changedFiles(filesOf(ctx));
      const diff = unifiedDiff(await fileVersions(env.rec.db, env.workspace, runId, task.id, changed));
      if (review.mode === 'on-risk') {
        const risk = riskOf(task, changed, diff, review.risk_lines);
        if (risk === null) return GO;
        env.rec.log(runId, task.id, `review: on-risk, ${risk}`);
      }
      const key = createHash('sha256').update(diff).digest('hex').slice(0, 16);
      const asked = env.rec.db
        .getBreakpoints(runId)
        .filter(
          (b) =>
            b.kind === 'review_rejected' &&
            b.taskId === task.id &&
            (b.details as { key?: string } | null)?.key === key,
        );
      const settled = asked.find((b) => b.status !== 'pending');
      if (settled) return decide(settled.status);
      const pending = asked[0];
      if (pending) return wait(ctx, pending);

      env.rec.taskStatus(runId, task.id, 'reviewing');
      const signal = ctx.session.abort;
      let output;
      try {
        output = await reviewer.review(
          { runId, task, acceptance: task.acceptance, diff, verifyOutput: ctx.verifyOutput },
          signal,
        );
      } catch (error) {
        if (signal.aborted) return { kind: 'interrupted', reason: 'stopped during the review' };
        if (!(error instanceof SupervisorUnavailableError)) throw error;
        const line = error.lines[0] ?? error.message;
        env.rec.log(runId, task.id, `review: no answer: ${line}`);
        return ask(ctx, key, `the reviewer could not answer (${line})`, []);
      }
      if ('unreadable' in output) {
        env.rec.log(runId, task.id, `review: unreadable answer: ${output.unreadable}`);
        return ask(ctx, key, `the reviewer's answer was unreadable (${output.unreadable})`, []);
      }
      const comments = normalizeComments(output.comments);
      const first = comments[0] === undefined ? '' : `: ${comments[0]}`;
      env.rec.log(runId, task.id, `review: ${output.verdict} (confidence ${output.confidence})${first}`);
      if (output.confidence < review.confidence_threshold) {
        const why = `the reviewer is unsure (${output.verdict}, confidence ${output.confidence} < ${review.confidence_threshold})`;
        return ask(ctx, key, why, comments, output);
      }
      if (output.verdict === 'approve') return GO;
      const previous = env.rec.db
        .getAttempts(runId, task.id)
        .filter((a) => a.n > env.rec.db.retryBase(runId, task.id) && isReviewSendBack(a.error))
        .map((a) => commentsOf(a.error ?? ''));
      const stop = loopStop(previous, comments, review.max_loops);
      if (stop !== null)
        return ask(ctx, key, `the reviewer still asks for changes ${stop}`, comments, output);
      const text = changesText(comments);
      return { kind: 'send_back', reason: text, feedback: text, isReviewLoop: true };
    },
  };
}

function decide(status: BreakpointRow['status']): StageResult {
  return status === 'approved' ? GO : { kind: 'stop', reason: 'the user rejected the task at its review' };
}

/** Opens the `review_rejected` breakpoint (details `{key, verdict?, confidence?, comments}`) and waits or pauses. */
function ask(
  ctx: AttemptCtx,
  key: string,
  why: string,
  comments: readonly string[],
  verdict?: ReviewVerdict,
): Promise<StageResult> {
  const shown = comments.length ? `: ${comments.join('; ')}` : '';
  const bp = ctx.env.rec.openBreakpoint(
    ctx.runId,
    ctx.task.id,
    'review_rejected',
    `review of ${ctx.task.id}: ${why}${shown} (approve commits the task, reject fails it)`,
    {
      key,
      comments,
      ...(verdict ? { verdict: verdict.verdict, confidence: verdict.confidence } : {}),
    },
  );
  return wait(ctx, bp);
}

/** Headless: the attempt ends at the breakpoint; on the dashboard it waits for the answer. */
async function wait(ctx: AttemptCtx, bp: BreakpointRow): Promise<StageResult> {
  if (!(ctx.env.isInteractive?.() ?? false)) {
    return {
      kind: 'breakpoint',
      breakpointId: bp.id,
      reason: `waiting at breakpoint ${bp.id} (review_rejected)`,
    };
  }
  const status = await answerOf(ctx.env.rec, ctx.runId, bp.id, ctx.session.abort);
  if (status === undefined) return { kind: 'interrupted', reason: 'stopped at a review_rejected breakpoint' };
  return decide(status);
}

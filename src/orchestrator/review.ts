import type { ReviewConfig } from '../config/review.js';
import { ReviewSchema } from '../config/review.js';
import type { TaskSpec } from '../plan/schema.js';

/**
 * When the reviewer judges a task (config `review.mode`, issue 8 point 6): `always`, `never` (the
 * default), or `on-risk` (see review-risk.ts).
 */
export type ReviewMode = ReviewConfig['mode'];

/** What the reviewer is given about a task whose verify commands (and gates) passed. */
export interface ReviewInput {
  /** The run the review belongs to (its calls count toward this run's budget). */
  readonly runId: string;
  readonly task: TaskSpec;
  /** The task's acceptance criteria, as in the plan. */
  readonly acceptance: readonly string[];
  /** The task's changes as a unified diff against its checkpoint. */
  readonly diff: string;
  /** Its verify commands' output (`$ cmd`, output, `[exit N]` each; see runVerify). */
  readonly verifyOutput: string;
}

/** The reviewer's verdict: `changes` sends the task back to its agent with `comments`. */
export interface ReviewVerdict {
  readonly verdict: 'approve' | 'changes';
  /** How sure the reviewer is, 0–1. */
  readonly confidence: number;
  /** What to change (or remarks on an approval), one finding each. */
  readonly comments: readonly string[];
}

/**
 * What a review gave: a verdict, or `unreadable` when the reviewer's answer could not be read even
 * after a repair round (`reason` says why, one line).
 */
export type ReviewOutput = ReviewVerdict | { readonly unreadable: string };

/**
 * The seam the supervisor's reviewer (src/supervisor/reviewer.ts) plugs into: one call per
 * reviewed attempt.
 * @throws SupervisorUnavailableError when the supervisor cannot answer; a storage fault
 */
export interface Reviewer {
  review(input: ReviewInput, signal: AbortSignal): Promise<ReviewOutput>;
}

/** The config's `review` section; configs and runs stored before reviews have none (`never`). */
export function reviewConfigOf(config: object): ReviewConfig {
  const review = (config as { review?: unknown }).review;
  const parsed = ReviewSchema.safeParse(review ?? {});
  return parsed.success ? parsed.data : ReviewSchema.parse({});
}

/** The config's review mode (see {@link reviewConfigOf}). */
export function reviewModeOf(config: object): ReviewMode {
  return reviewConfigOf(config).mode;
}

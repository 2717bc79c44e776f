import type { TaskSpec } from '../plan/schema.js';

/**
 * When the reviewer judges a task (config `review`, issue 8 point 6): `always`, `never` (the
 * default), or `on-risk`.
 */
export type ReviewMode = 'always' | 'never' | 'on-risk';

/** What the reviewer is given about a task whose verify commands (and gates) passed. */
export interface ReviewInput {
  readonly task: TaskSpec;
  /** The task's acceptance criteria, as in the plan. */
  readonly acceptance: readonly string[];
  /** The task's changes as a unified diff against its checkpoint. */
  readonly diff: string;
  /** Its verify commands' output (`$ cmd`, output, `[exit N]` each; see runVerify). */
  readonly verifyOutput: string;
}

/** The reviewer's answer: `changes` sends the task back to its agent with `comments`. */
export interface ReviewOutput {
  readonly verdict: 'approve' | 'changes';
  /** How sure the reviewer is, 0–1. */
  readonly confidence: number;
  readonly comments: string;
}

/**
 * The seam the supervisor's reviewer plugs into (src/supervisor/, next step): one call per
 * reviewed attempt.
 * @throws whatever the reviewer throws (the attempt's task then fails with it)
 */
export interface Reviewer {
  review(input: ReviewInput, signal: AbortSignal): Promise<ReviewOutput>;
}

/** The config's review mode; configs and runs stored before reviews have none (`never`). */
export function reviewModeOf(config: object): ReviewMode {
  const mode = (config as { review?: unknown }).review;
  return mode === 'always' || mode === 'on-risk' ? mode : 'never';
}

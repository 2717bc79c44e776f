import { z } from 'zod';

const UNIT = 'expected a number from 0 to 1';
const WHOLE = (lo: number, hi: number): string => `expected a whole number from ${lo} to ${hi}`;

/**
 * Config `review:` (issue 8, point 6): when the supervisor reviews a task whose verify commands and
 * gates passed, and how far the review loop goes (src/orchestrator/review-stage.ts).
 * - `mode`: `never` (default), `always`, or `on-risk` (see src/orchestrator/review-risk.ts);
 * - `confidence_threshold`: a verdict less sure than this (0–1) raises a `review_rejected`
 *   breakpoint instead of being followed;
 * - `max_loops`: how many reviews of a task may ask for changes: each but the last sends the task
 *   back to its agent; the last (the `max_loops`-th `changes`) raises a `review_rejected`
 *   breakpoint (default 2: changes once, re-prompt; a second `changes` asks the user);
 * - `risk_lines`: on-risk reviews a diff of more changed lines than this.
 */
export const ReviewSchema = z
  .strictObject({
    mode: z.enum(['never', 'always', 'on-risk']).default('never'),
    confidence_threshold: z.number(UNIT).min(0, UNIT).max(1, UNIT).default(0.6),
    max_loops: z.int(WHOLE(1, 10)).min(1, WHOLE(1, 10)).max(10, WHOLE(1, 10)).default(2),
    risk_lines: z.int(WHOLE(1, 1_000_000)).min(1, WHOLE(1, 1_000_000)).max(1_000_000).default(200),
  })
  .prefault({});

/** The `review` section after defaults. */
export type ReviewConfig = z.output<typeof ReviewSchema>;

/**
 * An attempt as a list of stages (issue 8, point 5): agent → ownership settle → verify → policy
 * gates → review → commit. Each stage is a small function returning one {@link StageResult}; the
 * runner stops at the first result that is not `go`.
 */

/** The stages of an attempt, in the order they run. */
export type StageName = 'agent' | 'settle' | 'verify' | 'gates' | 'review' | 'commit';

/**
 * What a stage decided:
 * - `go`: the next stage runs (after the last one, the attempt passed);
 * - `send_back`: the attempt failed and the task goes back to its agent in a new attempt whose
 *   prompt carries `feedback` (counted like a retry); `status` is the attempt's (default
 *   `failed`), `reason` its error; `isReviewLoop`: the reviewer asked for changes, which uses no
 *   retry (config `review.max_loops` bounds it instead);
 * - `breakpoint`: the task waits at an open breakpoint: the attempt ends `interrupted` (no retry
 *   used) and the task runs again once it is answered;
 * - `interrupted`: haco or the user stopped the task; the attempt ends `interrupted` (no retry used);
 * - `stop`: the task fails now, whatever retries are left.
 */
export type StageResult =
  | { readonly kind: 'go' }
  | {
      readonly kind: 'send_back';
      readonly feedback: string;
      readonly reason: string;
      readonly status?: 'failed' | 'timed_out';
      readonly isReviewLoop?: true;
    }
  | { readonly kind: 'breakpoint'; readonly breakpointId: number; readonly reason: string }
  | { readonly kind: 'interrupted'; readonly reason: string }
  | { readonly kind: 'stop'; readonly reason: string };

/** One stage: a name (for logs and tests) and the function that runs it on the attempt's context. */
export interface Stage<C> {
  readonly name: StageName;
  run(ctx: C): Promise<StageResult>;
}

/** Where an attempt's stages ended: the last result and the stage that gave it. */
export interface StagesOutcome {
  readonly result: StageResult;
  /** The stage that ended the list (the last one when every stage went on). */
  readonly stage: StageName;
}

/** The result that lets the next stage run. */
export const GO: StageResult = { kind: 'go' };

/**
 * Runs `stages` in order on `ctx` until one returns anything but `go`.
 * @param onStage called before each stage runs (e.g. to record it)
 * @returns the first non-`go` result with its stage, or `go` with the last stage
 * @throws whatever a stage throws (a storage fault, a bug): the caller decides
 */
export async function runStages<C>(
  stages: readonly Stage<C>[],
  ctx: C,
  onStage?: (name: StageName) => void,
): Promise<StagesOutcome> {
  let last: StageName | undefined;
  for (const stage of stages) {
    onStage?.(stage.name);
    last = stage.name;
    const result = await stage.run(ctx);
    if (result.kind !== 'go') return { result, stage: stage.name };
  }
  if (last === undefined) throw new Error('an attempt needs at least one stage');
  return { result: GO, stage: last };
}

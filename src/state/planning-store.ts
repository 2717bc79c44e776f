import { createStore, type StoreApi } from 'zustand/vanilla';

import type { PlanReviewView } from './plan-review.js';

/** Characters of the streamed answer kept for the screen (the tail; the whole answer is in the core). */
export const STREAM_TAIL_CHARS = 8_000;

/**
 * Where `haco-tui "REQUEST"` is: `planning` while the supervisor answers (and repairs),
 * `review` with a valid plan waiting for `a` / `r` / `e`, `invalid` after an edit the validator
 * refused (the lines in `problems`), `failed` when planning gave up (`failure`).
 */
export type PlanningPhase = 'planning' | 'review' | 'invalid' | 'failed';

/** One repair round: the validation lines of the refused answer, sent back to the model. */
export interface RepairRound {
  /** 1-based. */
  readonly round: number;
  readonly problems: readonly string[];
}

/** The planning screen's view model. */
export interface PlanningData {
  readonly request: string;
  /** `anthropic (claude-sonnet-4-5)`: who is planning. */
  readonly supervisor: string;
  readonly phase: PlanningPhase;
  /**
   * The current answer as streamed so far (its last {@link STREAM_TAIL_CHARS} characters); after a
   * refused answer, that answer until the next one starts streaming.
   */
  readonly streamed: string;
  /** The next chunk starts a new answer (a repair round began). */
  readonly isAnswerDone: boolean;
  readonly rounds: readonly RepairRound[];
  /** The plan waiting for approval (the last valid one). */
  readonly review: PlanReviewView | undefined;
  /** The validation lines of an edited plan the validator refused. */
  readonly problems: readonly string[];
  /** One line: why planning failed, naming where the answers were saved. */
  readonly failure: string | undefined;
  /** Terminal size, cells. */
  readonly cols: number;
  readonly rows: number;
}

/** State changes, one `setState` each. */
export interface PlanningActions {
  /** Appends a streamed piece of the supervisor's answer. */
  appendText(chunk: string): void;
  /** A refused answer goes back for repair round `round`; the next chunk starts a new answer. */
  startRepair(round: number, problems: readonly string[]): void;
  /** A valid plan (first, or after an edit) waits for approval. */
  showPlan(review: PlanReviewView): void;
  /** An edited plan failed validation: these lines are shown; the last valid plan stays. */
  refuseEdit(problems: readonly string[]): void;
  fail(line: string): void;
  resizeScreen(cols: number, rows: number): void;
}

export type PlanningState = PlanningData & PlanningActions;
export type PlanningStore = StoreApi<PlanningState>;

/**
 * The store of the planning screen (zustand 5 vanilla): the CLI's planning session feeds it from
 * the planner's callbacks (`onText`, `onRepair`) and the validator; components read it.
 */
export function createPlanningStore(
  initial: Pick<PlanningData, 'request' | 'supervisor'> & Partial<PlanningData>,
): PlanningStore {
  return createStore<PlanningState>()((set) => ({
    phase: 'planning',
    streamed: '',
    isAnswerDone: false,
    rounds: [],
    review: undefined,
    problems: [],
    failure: undefined,
    cols: 80,
    rows: 24,
    ...initial,
    appendText: (chunk) =>
      set((s) => {
        const streamed = (s.isAnswerDone ? '' : s.streamed) + chunk;
        return {
          streamed: streamed.length > STREAM_TAIL_CHARS ? streamed.slice(-STREAM_TAIL_CHARS) : streamed,
          isAnswerDone: false,
        };
      }),
    startRepair: (round, problems) =>
      set((s) => ({ rounds: [...s.rounds, { round, problems }], isAnswerDone: true })),
    showPlan: (review) => set({ phase: 'review', review, problems: [] }),
    refuseEdit: (problems) => set({ phase: 'invalid', problems }),
    fail: (line) => set({ phase: 'failed', failure: line }),
    resizeScreen: (cols, rows) => set({ cols, rows }),
  }));
}

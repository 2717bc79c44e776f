import { createStore, type StoreApi } from 'zustand/vanilla';

import type { BreakpointAnswer, BreakpointKind, RunStatus, TaskStatus } from '../orchestrator/types.js';
import type { PlanReviewView } from './plan-review.js';

/** The run on screen, as the database last said. */
export interface RunView {
  readonly id: string;
  readonly goal: string;
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** Sum of every attempt's reported cost, USD. */
  readonly costUsd: number;
  /** What counts against the budget (attempts plus supervisor calls), USD; absent: `costUsd`. */
  readonly spendUsd?: number;
  /** The run's config `budget.run_usd`, USD; null or absent: no limit. */
  readonly budgetUsd?: number | null;
  /** Tokens of every attempt so far. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Tokens (input + output) of the drafts delegated to the local model (the hybrid loop); absent: unknown. */
  readonly localTokens?: number;
}

/** One plan task as the plan pane and worker panes show it. */
export interface TaskView {
  readonly id: string;
  readonly title: string;
  readonly agent: string;
  readonly status: TaskStatus;
  readonly dependsOn: readonly string[];
  /** Attempts started so far. */
  readonly attempts: number;
  /** Epoch ms. */
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly error: string | null;
  /** Tokens of the task's attempts so far (0 while none reported). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD of the task's attempts, null while none reported or priced a cost. */
  readonly costUsd: number | null;
}

/** A pending breakpoint (a decision waiting on the user). */
export interface BreakpointView {
  readonly id: number;
  readonly taskId: string | null;
  readonly kind: BreakpointKind;
  readonly message: string;
  readonly answers: readonly BreakpointAnswer[];
}

/** A worker pane's last screen: `rows` ANSI strings, each exactly `cols` cells wide. */
export interface PaneView {
  readonly lines: readonly string[];
  readonly cols: number;
  readonly rows: number;
  /** The session's change counter. */
  readonly seq: number;
  /** Which attempt of the task drew it. */
  readonly attempt: number;
}

/** One file a task changed, with its line counts against the task's checkpoint. */
export interface DiffFileView {
  /** Repo-relative. */
  readonly path: string;
  readonly added: number;
  readonly removed: number;
}

/** One hunk of the selected file's unified diff. */
export interface DiffHunkView {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** `' a'` context, `'-b'` removed, `'+c'` added, `'\\ No newline at end of file'`. */
  readonly lines: readonly string[];
}

/** The diff pane's data: a task's changes against its checkpoint, as the bridge last read them. */
export interface DiffView {
  readonly taskId: string;
  /** Sorted by path; empty when the task changed nothing (yet). */
  readonly files: readonly DiffFileView[];
  /** The file whose hunks are here (undefined when `files` is empty). */
  readonly selectedPath: string | undefined;
  /** At most a few hundred lines in all (the bridge caps them; `hiddenLines` were left out). */
  readonly hunks: readonly DiffHunkView[];
  readonly hiddenLines: number;
  readonly isBinary: boolean;
  /** Why the diff could not be read, in one line; null when it was. */
  readonly error: string | null;
}

/** UI-only state (never written to the core). */
export interface UiState {
  readonly focusedTaskId: string | undefined;
  /** Index into `breakpoints` that `a` / `r` act on. */
  readonly selectedBreakpoint: number;
  /** The "quit while agents run?" prompt is open. */
  readonly confirmQuit: boolean;
  /** Quit was confirmed; agents are being stopped. */
  readonly isQuitting: boolean;
  /** A one-line message for the user (e.g. a refused command), cleared by the next key. */
  readonly notice: string | undefined;
  /** Terminal size, cells. */
  readonly cols: number;
  readonly rows: number;
  /** The diff pane is on (`d` toggles it). */
  readonly isDiffShown: boolean;
  /** The file the user picked in the diff pane; undefined: the first changed file. */
  readonly diffPath: string | undefined;
}

/** How the run ended, as the CLI decided once `drive` returned. */
export interface FinalState {
  readonly status: RunStatus;
  /** Plain words for the status line: "run completed", "run failed", … */
  readonly message: string;
}

/** The view model: everything the dashboard draws, nothing it cannot rebuild from the core. */
export interface DashboardData {
  readonly run: RunView | undefined;
  readonly tasks: readonly TaskView[];
  readonly breakpoints: readonly BreakpointView[];
  readonly panes: Readonly<Record<string, PaneView>>;
  /** The focused task's diff, once the bridge has read one. */
  readonly diff: DiffView | undefined;
  readonly ui: UiState;
  /** Epoch ms of the last frame, whole seconds (the UI shows seconds, never ms). */
  readonly clock: number;
  /** Spinner frame counter; advances only while agents run. */
  readonly tick: number;
  readonly final: FinalState | undefined;
  /** The whole plan, shown while its plan_approval breakpoint waits (absent on a resumed run). */
  readonly planReview?: PlanReviewView | undefined;
}

/** What one bridge frame changes; absent keys stay as they are. `panes` merges by task id. */
export interface FramePatch {
  readonly run?: RunView;
  readonly tasks?: readonly TaskView[];
  readonly breakpoints?: readonly BreakpointView[];
  readonly panes?: Readonly<Record<string, PaneView>>;
  readonly diff?: DiffView;
  readonly clock?: number;
  readonly tick?: number;
}

/** State changes, named as verbs. Each is exactly one `setState`. */
export interface DashboardActions {
  /** Applies one bridge frame (the only path for core data into the store). */
  applyFrame(patch: FramePatch): void;
  resizeScreen(cols: number, rows: number): void;
  focusTask(taskId: string | undefined): void;
  /** Moves the breakpoint selection by `delta`, wrapping around. */
  selectBreakpoint(delta: number): void;
  /** Shows or hides the diff pane. */
  toggleDiff(): void;
  /** Moves the diff pane's file selection by `delta` through the changed files, wrapping around. */
  selectDiffFile(delta: number): void;
  askQuit(): void;
  cancelQuit(): void;
  startQuitting(): void;
  notify(message: string | undefined): void;
  finish(final: FinalState): void;
}

export type DashboardState = DashboardData & DashboardActions;
export type DashboardStore = StoreApi<DashboardState>;

const EMPTY_UI: UiState = {
  focusedTaskId: undefined,
  selectedBreakpoint: 0,
  confirmQuit: false,
  isQuitting: false,
  notice: undefined,
  cols: 80,
  rows: 24,
  isDiffShown: true,
  diffPath: undefined,
};

/**
 * Creates the dashboard's vanilla zustand store (zustand 5 `createStore`). The core never sees
 * it: the bridge feeds it, components read it with selectors.
 * @param initial data to start from (tests build screens this way)
 */
export function createDashboardStore(initial: Partial<DashboardData> = {}): DashboardStore {
  return createStore<DashboardState>()((set) => ({
    run: undefined,
    tasks: [],
    breakpoints: [],
    panes: {},
    diff: undefined,
    clock: 0,
    tick: 0,
    final: undefined,
    ...initial,
    ui: { ...EMPTY_UI, ...initial.ui },
    applyFrame: (patch) =>
      set((s) => {
        const breakpoints = patch.breakpoints ? keepSame(s.breakpoints, patch.breakpoints) : s.breakpoints;
        const selected = Math.min(s.ui.selectedBreakpoint, Math.max(0, breakpoints.length - 1));
        return {
          ...(patch.run ? { run: shallowEqual(s.run, patch.run) ? s.run : patch.run } : {}),
          ...(patch.tasks ? { tasks: keepSame(s.tasks, patch.tasks) } : {}),
          ...(patch.panes ? { panes: { ...s.panes, ...patch.panes } } : {}),
          ...(patch.diff ? { diff: patch.diff } : {}),
          ...(patch.clock === undefined ? {} : { clock: patch.clock }),
          ...(patch.tick === undefined ? {} : { tick: patch.tick }),
          breakpoints,
          ui: selected === s.ui.selectedBreakpoint ? s.ui : { ...s.ui, selectedBreakpoint: selected },
        };
      }),
    resizeScreen: (cols, rows) => set((s) => ({ ui: { ...s.ui, cols, rows } })),
    focusTask: (taskId) =>
      set((s) => ({
        ui: {
          ...s.ui,
          focusedTaskId: taskId,
          notice: undefined,
          diffPath: taskId === s.ui.focusedTaskId ? s.ui.diffPath : undefined,
        },
      })),
    selectBreakpoint: (delta) =>
      set((s) => {
        const n = s.breakpoints.length;
        if (n === 0) return {};
        return { ui: { ...s.ui, selectedBreakpoint: (((s.ui.selectedBreakpoint + delta) % n) + n) % n } };
      }),
    toggleDiff: () => set((s) => ({ ui: { ...s.ui, isDiffShown: !s.ui.isDiffShown } })),
    selectDiffFile: (delta) =>
      set((s) => {
        const files = s.diff?.files ?? [];
        const n = files.length;
        if (n === 0) return {};
        const current = files.findIndex((f) => f.path === (s.ui.diffPath ?? s.diff?.selectedPath));
        const next = files[(((Math.max(0, current) + delta) % n) + n) % n];
        return { ui: { ...s.ui, diffPath: next?.path } };
      }),
    askQuit: () => set((s) => ({ ui: { ...s.ui, confirmQuit: true, notice: undefined } })),
    cancelQuit: () => set((s) => ({ ui: { ...s.ui, confirmQuit: false } })),
    startQuitting: () => set((s) => ({ ui: { ...s.ui, confirmQuit: false, isQuitting: true } })),
    notify: (message) => set((s) => ({ ui: { ...s.ui, notice: message } })),
    finish: (final) => set({ final }),
  }));
}

/** Keeps the previous array (and each unchanged element) so narrow selectors see stable references. */
function keepSame<T extends object>(prev: readonly T[], next: readonly T[]): readonly T[] {
  let same = prev.length === next.length;
  const merged = next.map((item, i) => {
    const old = prev[i];
    if (old !== undefined && shallowEqual(old, item)) return old;
    same = false;
    return item;
  });
  return same ? prev : merged;
}

function shallowEqual(a: object | undefined, b: object): boolean {
  if (a === undefined) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const va = (a as Record<string, unknown>)[k];
    const vb = (b as Record<string, unknown>)[k];
    if (Array.isArray(va) && Array.isArray(vb))
      return va.length === vb.length && va.every((x, i) => x === vb[i]);
    return Object.is(va, vb);
  });
}

import type { TaskStatus } from '../orchestrator/types.js';
import type { TaskView } from './store.js';

/** Lines under the panes: the breakpoint / prompt bar and the status line. */
export const BOTTOM_LINES = 2;
/** Narrowest worker pane worth splitting the width for, cells. */
const MIN_PANE_WIDTH = 40;
/** Lowest worker pane worth splitting the height for, rows. */
const MIN_PANE_HEIGHT = 8;
/** The diff pane's height: this share of the body, within the bounds below, rows. */
const DIFF_SHARE = 0.4;
const MIN_DIFF_HEIGHT = 6;
const MAX_DIFF_HEIGHT = 24;
/** Lowest body that still fits a diff pane under the worker panes, rows. */
const MIN_BODY_FOR_DIFF = 14;

/** Where the big regions go on a `cols` × `rows` terminal. */
export interface ScreenLayout {
  /** Height of the root box: terminal rows − 1 (Ink 6.8 clears every frame at `rows`; FIELD-NOTES.md). */
  readonly rootHeight: number;
  /** Height of the plan pane: the worker panes plus the diff pane under them. */
  readonly bodyHeight: number;
  /** Height of the worker panes' region. */
  readonly workersHeight: number;
  /** Height of the diff pane under the workers (0: not shown). */
  readonly diffHeight: number;
  readonly planWidth: number;
  readonly workersWidth: number;
  /** How many worker panes fit (0 when the terminal is too narrow). */
  readonly maxPanes: number;
  readonly maxColumns: number;
}

/** One worker pane's box. `innerCols` × `innerRows` is the session size the bridge sets. */
export interface WorkerCell {
  readonly taskId: string;
  /** 0-based column in the worker grid. */
  readonly column: number;
  readonly width: number;
  readonly height: number;
  readonly innerCols: number;
  readonly innerRows: number;
}

/**
 * Splits the terminal: plan pane on the left (about a quarter, 22–40 cells), workers on the right,
 * and, with `hasDiff`, the diff pane under the workers (about 40 % of the height, 6–24 rows; none
 * when the body is under 14 rows), as in DESIGN.md's sketch.
 */
export function screenLayout(cols: number, rows: number, hasDiff = false): ScreenLayout {
  const rootHeight = Math.max(1, rows - 1);
  const bodyHeight = Math.max(3, rootHeight - BOTTOM_LINES);
  const planWidth = Math.min(cols, Math.max(22, Math.min(40, Math.floor(cols * 0.26))));
  const workersWidth = Math.max(0, cols - planWidth);
  const diffHeight =
    hasDiff && workersWidth > 0 && bodyHeight >= MIN_BODY_FOR_DIFF
      ? Math.min(MAX_DIFF_HEIGHT, Math.max(MIN_DIFF_HEIGHT, Math.round(bodyHeight * DIFF_SHARE)))
      : 0;
  const workersHeight = bodyHeight - diffHeight;
  const maxColumns = workersWidth >= 2 * MIN_PANE_WIDTH ? 2 : workersWidth >= 12 ? 1 : 0;
  const maxRows = workersHeight >= 2 * MIN_PANE_HEIGHT ? 2 : 1;
  return {
    rootHeight,
    bodyHeight,
    workersHeight,
    diffHeight,
    planWidth,
    workersWidth,
    maxPanes: maxColumns * maxRows,
    maxColumns,
  };
}

const ACTIVE: ReadonlySet<TaskStatus> = new Set(['running', 'verifying', 'reviewing']);

/** Whether a task's agent (or its verification) is running now. */
export function isActive(task: { readonly status: TaskStatus }): boolean {
  return ACTIVE.has(task.status);
}

/**
 * The task whose diff the diff pane shows: the focused one, else the first running one, else the
 * one that ended last; undefined before any task started.
 */
export function diffTaskId(tasks: readonly TaskView[], focused: string | undefined): string | undefined {
  if (focused !== undefined) return focused;
  const running = tasks.find(isActive);
  if (running) return running.id;
  let last: TaskView | undefined;
  for (const t of tasks) {
    if (t.startedAt === null && t.attempts === 0) continue;
    if (!last || (t.endedAt ?? 0) >= (last.endedAt ?? 0)) last = t;
  }
  return last?.id;
}

/**
 * Chooses the workers to show: running ones first, then the most recently ended, the focused one
 * always; at most `max`, in plan order.
 */
export function chooseWorkers(
  tasks: readonly TaskView[],
  focused: string | undefined,
  max: number,
): string[] {
  if (max <= 0) return [];
  const started = tasks.filter((t) => t.startedAt !== null || t.attempts > 0);
  const recent = started.filter((t) => !isActive(t)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
  const ranked = [
    ...started.filter((t) => t.id === focused),
    ...started.filter((t) => isActive(t) && t.id !== focused),
    ...recent.filter((t) => t.id !== focused),
  ];
  const chosen = new Set(ranked.slice(0, max).map((t) => t.id));
  return tasks.filter((t) => chosen.has(t.id)).map((t) => t.id);
}

/** Lays out `ids` in up to `maxColumns` columns filling the workers region. */
export function gridCells(ids: readonly string[], screen: ScreenLayout): WorkerCell[] {
  const n = ids.length;
  if (n === 0) return [];
  const columns = Math.min(n, screen.maxColumns);
  const perColumn = Math.ceil(n / columns);
  const cells: WorkerCell[] = [];
  ids.forEach((taskId, i) => {
    const column = Math.floor(i / perColumn);
    const inColumn = Math.min(perColumn, n - column * perColumn);
    const row = i - column * perColumn;
    const width = share(screen.workersWidth, columns, column);
    const height = share(screen.workersHeight, inColumn, row);
    cells.push({
      taskId,
      column,
      width,
      height,
      innerCols: Math.max(1, width - 2),
      innerRows: Math.max(1, height - 2),
    });
  });
  return cells;
}

/** The `index`-th of `parts` near-equal shares of `total`; the last takes the remainder. */
function share(total: number, parts: number, index: number): number {
  const base = Math.floor(total / parts);
  return index === parts - 1 ? total - base * (parts - 1) : base;
}

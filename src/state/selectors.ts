import { formatDuration } from '../lib/duration.js';
import type { BreakpointAnswer, BreakpointKind, RunStatus, TaskStatus } from '../orchestrator/types.js';
import { formatSpend, formatTokens, formatUsage } from '../orchestrator/usage.js';
import { diffPaneView, type DiffPaneView } from './diff-lines.js';
import {
  chooseWorkers,
  diffTaskId,
  gridCells,
  isActive,
  screenLayout,
  type ScreenLayout,
  type WorkerCell,
} from './layout.js';
import type { BreakpointView, DashboardData, DiffView, TaskView } from './store.js';

/** A status colour family; each theme defines one token per tone (`status.<tone>`). */
export type Tone = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One row of the plan pane. */
export interface PlanRow {
  /** 1-based plan position; the key that focuses this task's worker. */
  readonly n: number;
  readonly id: string;
  readonly title: string;
  readonly agent: string;
  readonly status: TaskStatus;
  readonly tone: Tone;
  /** "after a, b" when the task depends on others. */
  readonly after: string | undefined;
  /** `12.3k/1.1k tok $0.04` once the task's attempts reported usage (see `formatUsage`). */
  readonly usage: string | undefined;
  readonly isFocused: boolean;
}

/** The worker grid: which tasks get a pane, and each pane's box. */
export interface WorkerLayout {
  readonly screen: ScreenLayout;
  readonly cells: readonly WorkerCell[];
}

/** The breakpoint bar's content. */
export interface BreakpointBarView {
  /** 1-based position of the selected breakpoint in the queue. */
  readonly position: number;
  readonly total: number;
  readonly id: number;
  readonly message: string;
  readonly canApprove: boolean;
  readonly canReject: boolean;
  readonly kind: BreakpointKind;
  /** Every answer it takes (the store's own array, so a shallow compare holds); see `answerHints`. */
  readonly answers: readonly BreakpointAnswer[];
}

/** One answer the breakpoint bar offers. */
export interface AnswerHint {
  readonly key: string;
  readonly answer: BreakpointAnswer;
  readonly label: string;
}

/** The dashboard key of each answer (`m`: keep a violation's change as mine; `k` is kill). */
export const ANSWER_KEYS: Readonly<Record<BreakpointAnswer, string>> = {
  approve: 'a',
  reject: 'r',
  keep: 'm',
};

/** What each answer is called in the bar: an ownership violation's say what they do to the change. */
function answerLabel(kind: BreakpointKind, answer: BreakpointAnswer): string {
  if (kind !== 'ownership_violation') return answer;
  return { approve: 'grant', reject: 'revert', keep: 'keep as mine' }[answer];
}

/** The answers a breakpoint takes, with their keys and labels: `a grant · r revert · m keep as mine`. */
export function answerHints(bar: Pick<BreakpointBarView, 'kind' | 'answers'>): AnswerHint[] {
  return bar.answers.map((answer) => ({
    key: ANSWER_KEYS[answer],
    answer,
    label: answerLabel(bar.kind, answer),
  }));
}

/** The status line: left part, its tone, and the key hints on the right. */
export interface StatusLineView {
  readonly head: string;
  readonly tone: Tone;
  readonly details: string;
  readonly hints: string;
}

/** Caches the last result per argument list, so selectors return stable references (zustand 5). */
function memoLast<A extends readonly unknown[], R>(compute: (...args: A) => R): (...args: A) => R {
  let last: A | undefined;
  let value: R | undefined;
  return (...args: A): R => {
    if (last && value !== undefined && args.every((a, i) => Object.is(a, last?.[i]))) return value;
    last = args;
    value = compute(...args);
    return value;
  };
}

/** The tone a task or run status is drawn in. */
export function statusTone(status: TaskStatus | RunStatus): Tone {
  switch (status) {
    case 'running':
    case 'verifying':
    case 'reviewing':
      return 'running';
    case 'done':
    case 'completed':
      return 'done';
    case 'failed':
      return 'failed';
    case 'skipped':
    case 'rolled_back':
    case 'cancelled':
    case 'paused':
      return 'skipped';
    default:
      return 'pending';
  }
}

/** Milliseconds as the UI shows them: whole seconds and up (`0s`, `48s`, `1m12s`). */
export function formatElapsed(ms: number): string {
  return ms < 1000 ? '0s' : formatDuration(ms);
}

/** The words for how a run ended; `interrupted` when the user quit while agents ran. */
export function endMessage(status: RunStatus, interrupted = false): string {
  if (interrupted) return 'run interrupted (resume it with haco resume)';
  if (status === 'paused' || status === 'awaiting_approval') return 'run paused at a breakpoint';
  return `run ${status.replace('_', ' ')}`;
}

const planRows = memoLast((tasks: readonly TaskView[], focused: string | undefined): PlanRow[] =>
  tasks.map((t, i) => ({
    n: i + 1,
    id: t.id,
    title: t.title,
    agent: t.agent,
    status: t.status,
    tone: statusTone(t.status),
    after: t.dependsOn.length ? `after ${t.dependsOn.join(', ')}` : undefined,
    usage: formatUsage(t.inputTokens, t.outputTokens, t.costUsd),
    isFocused: t.id === focused,
  })),
);

/** Rows of the plan pane, in plan order (stable until tasks or focus change). */
export const selectPlanRows = (s: DashboardData): PlanRow[] => planRows(s.tasks, s.ui.focusedTaskId);

const workerLayout = memoLast(
  (
    tasks: readonly TaskView[],
    focused: string | undefined,
    cols: number,
    rows: number,
    hasDiff: boolean,
  ): WorkerLayout => {
    const screen = screenLayout(cols, rows, hasDiff);
    return { screen, cells: gridCells(chooseWorkers(tasks, focused, screen.maxPanes), screen) };
  },
);

/** The task the diff pane is about: focused, else first running, else last ended (see `diffTaskId`). */
export const selectDiffTaskId = (s: DashboardData): string | undefined =>
  diffTaskId(s.tasks, s.ui.focusedTaskId);

/**
 * The worker panes to show and their sizes, and whether the diff pane fits under them (shared by
 * the UI and the bridge's resizes). The diff pane is wanted while it is on and some task started.
 */
export const selectWorkerLayout = (s: DashboardData): WorkerLayout =>
  workerLayout(
    s.tasks,
    s.ui.focusedTaskId,
    s.ui.cols,
    s.ui.rows,
    s.ui.isDiffShown && selectDiffTaskId(s) !== undefined,
  );

/** Which diff the bridge should have read: the pane's task and the picked file; undefined while no diff pane shows. */
export interface DiffTarget {
  readonly taskId: string;
  /** undefined: the first changed file. */
  readonly path: string | undefined;
}

/** What the diff pane on screen needs read, if a diff pane is on screen. */
export function selectDiffTarget(s: DashboardData): DiffTarget | undefined {
  const taskId = selectDiffTaskId(s);
  if (taskId === undefined || selectWorkerLayout(s).screen.diffHeight === 0) return undefined;
  return { taskId, path: s.ui.diffPath };
}

const diffPane = memoLast(
  (
    taskId: string,
    diff: DiffView | undefined,
    wantedPath: string | undefined,
    width: number,
    height: number,
  ) => diffPaneView({ taskId, diff, wantedPath, width, height }),
);

/** The diff pane's title and lines, exactly its size; undefined when there is no diff pane. */
export function selectDiffPane(s: DashboardData): DiffPaneView | undefined {
  const taskId = selectDiffTaskId(s);
  const { screen } = selectWorkerLayout(s);
  if (taskId === undefined || screen.diffHeight === 0) return undefined;
  return diffPane(taskId, s.diff, s.ui.diffPath, screen.workersWidth, screen.diffHeight);
}

/** Task ids in the order tab cycles through the worker panes. */
export const selectFocusOrder = (s: DashboardData): string[] =>
  selectWorkerLayout(s).cells.map((c) => c.taskId);

/** Whether any agent (or its verification) is running: quitting then needs a confirmation. */
export const selectHasRunningAgents = (s: DashboardData): boolean => s.tasks.some(isActive);

/** A worker pane's title: "2 api-auth · claude-code · 1m12s", plus the outcome once it ended. */
export function selectWorkerTitle(s: DashboardData, taskId: string): string {
  const i = s.tasks.findIndex((t) => t.id === taskId);
  const task = s.tasks[i];
  if (!task) return taskId;
  const elapsed = task.startedAt === null ? 0 : (task.endedAt ?? s.clock) - task.startedAt;
  const parts = [`${i + 1} ${task.id}`, task.agent, formatElapsed(Math.max(0, elapsed))];
  if (task.attempts > 1) parts.push(`attempt ${task.attempts}`);
  if (!isActive(task)) parts.push(task.status.replace('_', ' '));
  return parts.join(' · ');
}

/** The selected pending breakpoint, or undefined when none waits. */
export function selectBreakpointBar(s: DashboardData): BreakpointBarView | undefined {
  const bp: BreakpointView | undefined = s.breakpoints[s.ui.selectedBreakpoint] ?? s.breakpoints[0];
  if (!bp) return undefined;
  return {
    position: s.breakpoints.indexOf(bp) + 1,
    total: s.breakpoints.length,
    id: bp.id,
    message: bp.message,
    canApprove: bp.answers.includes('approve'),
    canReject: bp.answers.includes('reject'),
    kind: bp.kind,
    answers: bp.answers,
  };
}

/**
 * "run 7f3a5b2c · running · 1/4 done · $0.00 · 12.3k/1.1k tok · 3m05s" (tokens once an attempt
 * reported them, then "local 1.2k tok" once drafts were delegated to the local model; "$0.42 /
 * $1.00" with a run budget; "run completed · …" once it ended).
 */
export function selectStatusLine(s: DashboardData): StatusLineView {
  const run = s.run;
  const done = s.tasks.filter((t) => t.status === 'done').length;
  const counts = `${done}/${s.tasks.length} done`;
  if (!run) return { head: 'haco', tone: 'pending', details: counts, hints: 'q quit' };
  const elapsed = formatElapsed(Math.max(0, (run.endedAt ?? s.clock) - (run.startedAt ?? run.createdAt)));
  const tokens =
    run.inputTokens || run.outputTokens
      ? [`${formatTokens(run.inputTokens)}/${formatTokens(run.outputTokens)} tok`]
      : [];
  // The hybrid loop: what the local model drafted, beside the cloud tokens ("local 1.2k tok").
  if (run.localTokens) tokens.push(`local ${formatTokens(run.localTokens)} tok`);
  // Spend against the run's budget when it has one ("$0.42 / $1.00").
  const spend = formatSpend(run.spendUsd ?? run.costUsd, run.budgetUsd ?? null);
  const cost = [spend, ...tokens].join(' · ');
  if (s.final) {
    return {
      head: s.final.message,
      tone: statusTone(s.final.status),
      details: [run.id, counts, cost, elapsed].join(' · '),
      hints: [...diffHints(s), 'q quit'].join(' · '),
    };
  }
  const waiting = s.breakpoints.length
    ? `${s.breakpoints.length} waiting on you`
    : run.status.replace('_', ' ');
  return {
    head: `run ${run.id}`,
    tone: statusTone(run.status),
    details: [waiting, counts, cost, elapsed].join(' · '),
    hints: ['tab pane', '1-9 worker', ...diffHints(s), 'q quit'].join(' · '),
  };
}

/** `d diff` once a task has started; `, . file` while the diff pane lists several files. */
function diffHints(s: DashboardData): string[] {
  const taskId = selectDiffTaskId(s);
  if (taskId === undefined) return [];
  const files = s.diff?.taskId === taskId ? s.diff.files.length : 0;
  return s.ui.isDiffShown && files > 1 ? ['d diff', ', . file'] : ['d diff'];
}

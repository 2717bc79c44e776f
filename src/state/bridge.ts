import type { StateDb } from '../db/state-db.js';
import { assertNever, HacoError } from '../lib/errors.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { CoreEvents } from '../orchestrator/events.js';
import type { BreakpointAnswer } from '../orchestrator/types.js';
import type { RunSpend } from '../orchestrator/budget.js';
import { sumUsage } from '../orchestrator/usage.js';
import type { WorkerSession } from '../sessions/worker-session.js';
import { DiffFeed, type DiffFeedTiming, type DiffLoader } from './diff-feed.js';
import { isActive } from './layout.js';
import { selectDiffTarget, selectWorkerLayout } from './selectors.js';
import type { BreakpointView, DashboardStore, FramePatch, PaneView, RunView, TaskView } from './store.js';

/** Everything the UI asks of the core; handled in one exhaustive switch. */
export type Command =
  | { readonly type: 'breakpoint/answer'; readonly id: number; readonly answer: BreakpointAnswer }
  | { readonly type: 'app/quit' };

/** A live session as the bridge needs it (structurally satisfied by the orchestrator's `LiveSession`). */
export interface BridgeSession {
  readonly attempt: number;
  readonly session: Pick<WorkerSession, 'takeSnapshot' | 'resize'>;
}

/** The part of the Orchestrator the bridge talks to (narrow, so tests can stand in for it). */
export interface BridgeCore {
  readonly events: Pick<TypedEmitter<CoreEvents>, 'on'>;
  readonly sessions: ReadonlyMap<string, BridgeSession>;
  readonly db: Pick<StateDb, 'getRun' | 'getTasks' | 'getAttempts' | 'getBreakpoints'>;
  /** What the run spent against its budget (the orchestrator's; absent: the attempts' cost alone). */
  spend?(runId: string): RunSpend;
  /** Tokens of the drafts the run's agents delegated to the local model (absent: none shown). */
  localTokens?(runId: string): number;
  answer(runId: string, breakpointId: number | undefined, answer: BreakpointAnswer, by: string): unknown;
  interrupt(): void;
}

export interface BridgeOptions {
  readonly core: BridgeCore;
  readonly runId: string;
  readonly store: DashboardStore;
  /** Pull-loop rate, frames per second (default 30; keep Ink's `maxFps` at twice this). */
  readonly fps?: number;
  /** Clock, epoch ms (tests pass their own). */
  readonly now?: () => number;
  /** Recorded as who answered a breakpoint (default `tui`). */
  readonly user?: string;
  /**
   * Reads a task's diff for the diff pane (`taskDiffLoader(core, runId)` in the app); without it
   * the pane says it is reading forever, so tests of other parts may leave it out.
   */
  readonly loadDiff?: DiffLoader;
  /** When diffs are read again after changes (default: 200 ms quiet, at most 1 s late). */
  readonly diffTiming?: DiffFeedTiming;
  /** The user confirmed quitting; `agentsWereRunning` says whether the core was told to stop agents. */
  readonly onQuit: (how: { readonly agentsWereRunning: boolean }) => void;
}

/** The connection between one run in the core and the store. */
export interface Bridge {
  /** Sends a UI command to the core. */
  dispatch(command: Command): void;
  /** Runs one frame now (the timer does this `fps` times a second). */
  flush(): void;
  /** Stops the timer and unsubscribes from the core. */
  dispose(): void;
}

/** Frames between spinner steps: 30 fps / 4 ≈ 7.5 steps a second. */
const FRAMES_PER_SPIN = 4;

/**
 * Connects the core to the store. Core events only mark parts of the view stale; one timer pulls
 * at `fps` (30 Hz): changed database rows, screens of visible sessions (`takeSnapshot()` returns
 * only changed ones), the seconds clock and the spinner, and applies them in a single
 * `setState` — never more than `fps` store updates a second, however much the agents print. It
 * also resizes each visible session to its pane's inner size. Diffs: `task:files-changed` and
 * status changes mark a task's diff stale; a {@link DiffFeed} reads only the diff pane's task, one
 * read at a time, debounced, and a finished read joins the next frame's update.
 */
export function connectBridge(options: BridgeOptions): Bridge {
  const { core, runId, store } = options;
  const now = options.now ?? Date.now;
  const stale = { run: true, tasks: true, breakpoints: true };
  const loadDiff = options.loadDiff;
  const diffs = loadDiff ? new DiffFeed(loadDiff, options.diffTiming) : undefined;
  let frameNo = 0;
  const unsubscribe = [
    core.events.on('run:status-changed', (e) => e.runId === runId && (stale.run = true)),
    core.events.on('task:status-changed', (e) => {
      if (e.runId !== runId) return;
      stale.tasks = stale.run = true;
      diffs?.changed(e.taskId, now());
    }),
    core.events.on('task:files-changed', (e) => e.runId === runId && diffs?.changed(e.taskId, now())),
    core.events.on('attempt:started', (e) => e.runId === runId && (stale.tasks = true)),
    core.events.on('attempt:ended', (e) => e.runId === runId && (stale.tasks = stale.run = true)),
    core.events.on('breakpoint:opened', (b) => b.runId === runId && (stale.breakpoints = true)),
    core.events.on('breakpoint:answered', (b) => b.runId === runId && (stale.breakpoints = true)),
  ];

  const flush = (): void => {
    const state = store.getState();
    const patch: { -readonly [K in keyof FramePatch]: FramePatch[K] } = {};
    if (stale.run || stale.tasks) {
      const attempts = core.db.getAttempts(runId);
      const run = stale.run ? readRun(core, runId, attempts) : undefined;
      if (run) patch.run = run;
      if (stale.tasks) patch.tasks = readTasks(core, runId, attempts);
      stale.run = stale.tasks = false;
    }
    if (stale.breakpoints) {
      patch.breakpoints = readBreakpoints(core, runId);
      stale.breakpoints = false;
    }
    const tasks = patch.tasks ?? state.tasks;
    const panes: Record<string, PaneView> = {};
    for (const cell of selectWorkerLayout({ ...state, tasks }).cells) {
      const live = core.sessions.get(cell.taskId);
      if (!live) continue;
      live.session.resize(cell.innerCols, cell.innerRows);
      const snap = live.session.takeSnapshot();
      if (snap) panes[cell.taskId] = { ...snap, attempt: live.attempt };
    }
    if (Object.keys(panes).length) patch.panes = panes;
    const diff = diffs?.frame(selectDiffTarget({ ...state, tasks }), now());
    if (diff) patch.diff = diff;
    const clock = Math.floor(now() / 1000) * 1000;
    if (clock !== state.clock) patch.clock = clock;
    frameNo += 1;
    if (frameNo % FRAMES_PER_SPIN === 0 && tasks.some(isActive)) patch.tick = state.tick + 1;
    if (Object.keys(patch).length) state.applyFrame(patch);
  };

  // Rounded up (34 ms at 30 fps), so a frame never comes sooner than 1/fps: at most `fps` a second.
  const timer = setInterval(flush, Math.ceil(1000 / (options.fps ?? 30)));
  timer.unref();

  const dispatch = (command: Command): void => {
    switch (command.type) {
      case 'breakpoint/answer': {
        const refused = (error: unknown): void => {
          stale.breakpoints = stale.run = true;
          store
            .getState()
            .notify(error instanceof HacoError ? (error.lines[0] ?? error.message) : String(error));
        };
        let answered: unknown;
        try {
          answered = core.answer(runId, command.id, command.answer, options.user ?? 'tui');
        } catch (error) {
          refused(error); // refused at once (no such breakpoint): say so at once
          return;
        }
        // Answers may restore files before they are recorded; the frame loop picks up the result.
        Promise.resolve(answered).then(() => {
          stale.breakpoints = stale.run = stale.tasks = true;
        }, refused);
        return;
      }
      case 'app/quit': {
        // Read the database, not the store: the store may be one frame behind.
        const agentsWereRunning = core.db.getTasks(runId).some((t) => isActive(t));
        store.getState().startQuitting();
        core.interrupt();
        options.onQuit({ agentsWereRunning });
        return;
      }
      default:
        assertNever(command);
    }
  };

  return {
    dispatch,
    flush,
    dispose: () => {
      clearInterval(timer);
      for (const off of unsubscribe) off();
    },
  };
}

type Attempts = ReturnType<BridgeCore['db']['getAttempts']>;

function readRun(core: BridgeCore, runId: string, attempts: Attempts): RunView | undefined {
  const run = core.db.getRun(runId);
  if (!run) return undefined;
  const { tokens, cost_usd } = sumUsage(attempts);
  const { id, goal, status, createdAt, startedAt, endedAt } = run;
  return {
    id,
    goal,
    status,
    createdAt,
    startedAt,
    endedAt,
    costUsd: cost_usd ?? 0,
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    ...spendView(core, runId),
    ...(core.localTokens ? { localTokens: core.localTokens(runId) } : {}),
  };
}

function spendView(core: BridgeCore, runId: string): Pick<RunView, 'spendUsd' | 'budgetUsd'> {
  const spend = core.spend?.(runId);
  return spend ? { spendUsd: spend.spendUsd, budgetUsd: spend.budgetUsd } : {};
}

function readTasks(core: BridgeCore, runId: string, attempts: Attempts): TaskView[] {
  return core.db.getTasks(runId).map((t) => {
    const { tokens, cost_usd } = sumUsage(attempts.filter((a) => a.taskId === t.id));
    return {
      id: t.id,
      title: t.title,
      agent: t.agent,
      status: t.status,
      dependsOn: t.dependsOn,
      attempts: attempts.filter((a) => a.taskId === t.id).length,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      error: t.error,
      inputTokens: tokens.input,
      outputTokens: tokens.output,
      costUsd: cost_usd,
    };
  });
}

function readBreakpoints(core: BridgeCore, runId: string): BreakpointView[] {
  return core.db
    .getBreakpoints(runId)
    .filter((b) => b.status === 'pending')
    .map(({ id, taskId, kind, message, answers }) => ({ id, taskId, kind, message, answers }));
}

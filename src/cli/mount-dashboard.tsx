import { render } from 'ink';

import { App } from '../../components/App.js';
import { toStorageError, type StorageError } from '../db/storage-errors.js';
import { ExitCode, PAUSE_SIGNALS, type PauseSignal } from '../lib/errors.js';
import type { DriveOptions, Orchestrator } from '../orchestrator/orchestrator.js';
import { TERMINAL_RUN, type RunStatus } from '../orchestrator/types.js';
import { connectBridge } from '../state/bridge.js';
import { endMessage } from '../state/selectors.js';
import type { PlanReviewView } from '../state/plan-review.js';
import { createDashboardStore } from '../state/store.js';
import { taskDiffLoader } from '../state/task-diff.js';
import type { Theme } from '../../themes/index.js';

/** Alternate screen on, cursor home (Ink 6.x has no option for it; research notes §8.4). */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
/** Back to the normal screen, cursor visible again. */
const LEAVE_ALT_SCREEN = '\x1b[?1049l\x1b[?25h';
/** After a signal, how long agents get to stop before the process exits anyway, ms. */
const SIGNAL_GRACE_MS = 5000;

/** Options of {@link mountDashboard}. */
export interface MountOptions {
  readonly orchestrator: Orchestrator;
  readonly runId: string;
  readonly theme: Theme;
  /** Passed to `drive` (a resumed run's reloaded config); `waitForAnswers` is always true here. */
  readonly drive?: DriveOptions;
  /** Shown while the run waits at its plan_approval breakpoint (src/state/plan-review.ts). */
  readonly planReview?: PlanReviewView;
}

/**
 * Draws the dashboard on the alternate screen (Ink 6.8: root rows − 1, `maxFps` 60 against the
 * bridge's 30 Hz, no console patching, ctrl-c handled as a key) and drives the run with answers
 * from the user. When the run ends the screen stays, saying so, until the user presses `q`.
 * Loaded only by `showDashboard`, after the environment is fixed for Ink.
 * SIGHUP, SIGINT and SIGTERM quit like `q` (agents stopped, the run paused, the lease released).
 * @returns 0 completed, 1 failed or cancelled, 3 left waiting at a breakpoint, 130 interrupted (q
 *   while agents ran), or 128 + the signal's number after a signal (129, 130, 143)
 */
export async function mountDashboard({
  orchestrator,
  runId,
  theme,
  drive = {},
  planReview,
}: MountOptions): Promise<ExitCode> {
  const { stdout } = process;
  const store = createDashboardStore(planReview ? { planReview } : {});
  store.getState().resizeScreen(stdout.columns, stdout.rows);
  let quitWith: ((how: { agentsWereRunning: boolean }) => void) | undefined;
  const quit = new Promise<{ agentsWereRunning: boolean }>((resolve) => (quitWith = resolve));
  let agentsWereRunning = false;
  const bridge = connectBridge({
    core: orchestrator,
    runId,
    store,
    loadDiff: taskDiffLoader(orchestrator, runId),
    onQuit: (how) => {
      agentsWereRunning = how.agentsWereRunning;
      quitWith?.(how);
    },
  });
  bridge.flush();

  let isOnAltScreen = true;
  const leaveAltScreen = (): void => {
    if (isOnAltScreen) stdout.write(LEAVE_ALT_SCREEN);
    isOnAltScreen = false;
  };
  stdout.write(ENTER_ALT_SCREEN);
  process.on('exit', leaveAltScreen);
  const onResize = (): void => store.getState().resizeScreen(stdout.columns, stdout.rows);
  stdout.on('resize', onResize);
  let signalled: PauseSignal | undefined;
  const onSignal = (signal: PauseSignal): void => {
    if (signalled) return;
    signalled = signal;
    // After a hangup the terminal is gone: a failed write there must not crash the pause.
    if (signal === 'SIGHUP')
      for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
    if (!store.getState().ui.isQuitting) bridge.dispatch({ type: 'app/quit' });
    setTimeout(() => process.exit(PAUSE_SIGNALS[signal]), SIGNAL_GRACE_MS).unref();
  };
  const signals = Object.keys(PAUSE_SIGNALS) as PauseSignal[];
  for (const signal of signals) process.on(signal, onSignal);

  const ink = render(<App store={store} dispatch={bridge.dispatch} theme={theme} />, {
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
  });

  let failure: string | undefined;
  let fault: StorageError | undefined;
  const driven = orchestrator.drive(runId, { ...drive, waitForAnswers: true }).then(
    (status) => {
      bridge.flush();
      store
        .getState()
        .finish({ status, message: endMessage(status, agentsWereRunning && !TERMINAL_RUN.has(status)) });
      return status;
    },
    (error: unknown) => {
      // A storage fault (disk full, read-only .haco/) stopped the agents; the run stays resumable.
      fault = toStorageError(error);
      failure = fault
        ? `haco-tui: ${fault.lines.join(' ')}`
        : `haco-tui: the run stopped on an internal error: ${(error as Error).message}`;
      store.getState().finish({
        status: 'failed',
        message: fault ? `run stopped: ${fault.code}` : 'run stopped: internal error',
      });
      return 'failed' as RunStatus;
    },
  );

  await quit;
  const status = await driven;
  ink.unmount();
  await ink.waitUntilExit();
  bridge.dispose();
  stdout.off('resize', onResize);
  for (const signal of signals) process.off(signal, onSignal);
  leaveAltScreen();
  process.off('exit', leaveAltScreen);

  const summary = orchestrator.summary(runId);
  const done = summary.tasks.filter((t) => t.status === 'done').length;
  const interrupted = signalled !== undefined || (agentsWereRunning && !TERMINAL_RUN.has(status));
  console.log(`${endMessage(status, interrupted)} · run ${runId} · ${done}/${summary.tasks.length} done`);
  if (failure) console.error(failure);
  if (fault) return fault.exitCode;
  if (signalled) return PAUSE_SIGNALS[signalled];
  if (status === 'completed') return ExitCode.completed;
  if (TERMINAL_RUN.has(status)) return ExitCode.failed;
  return interrupted ? ExitCode.interrupted : ExitCode.paused;
}

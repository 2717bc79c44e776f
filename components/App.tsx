import { Box } from 'ink';
import { useMemo } from 'react';
import { useStore } from 'zustand';

import type { Command } from '../src/state/bridge.js';
import { screenLayout } from '../src/state/layout.js';
import { selectPlanReview } from '../src/state/plan-review.js';
import type { DashboardStore } from '../src/state/store.js';
import type { Theme } from '../themes/index.js';
import { ActionBar } from './ActionBar.js';
import { DashboardContext } from './dashboard-context.js';
import { DiffPane } from './DiffPane.js';
import { PlanPane } from './PlanPane.js';
import { PlanReview } from './PlanReview.js';
import { StatusLine } from './StatusLine.js';
import { useDashboardKeys } from './use-dashboard-keys.js';
import { WorkerGrid } from './WorkerGrid.js';

/** Props of {@link App}. */
export interface AppProps {
  /** The view model the bridge feeds. */
  readonly store: DashboardStore;
  /** Sends commands to the core (the bridge's `dispatch`). */
  readonly dispatch: (command: Command) => void;
  readonly theme: Theme;
}

/**
 * The dashboard root: plan pane, worker panes with the diff pane under them, then the action bar
 * (breakpoint, quit prompt) and the status line; while the plan waits for approval, the whole plan
 * (PlanReview) takes the workers' place. The root box is `cols` × (rows − 1): at full height Ink 6.8 clears the
 * whole terminal on every frame (FIELD-NOTES.md, "Ink 6.8").
 */
export function App({ store, dispatch, theme }: AppProps) {
  useDashboardKeys(store, dispatch);
  const cols = useStore(store, (s) => s.ui.cols);
  const rows = useStore(store, (s) => s.ui.rows);
  const planReview = useStore(store, selectPlanReview);
  const context = useMemo(() => ({ store, dispatch, theme }), [store, dispatch, theme]);
  const layout = screenLayout(cols, rows);
  return (
    <DashboardContext.Provider value={context}>
      <Box flexDirection="column" width={cols} height={layout.rootHeight}>
        <Box flexDirection="row" width={cols} height={layout.bodyHeight}>
          <PlanPane width={layout.planWidth} height={layout.bodyHeight} />
          {planReview ? (
            <PlanReview
              view={planReview}
              width={layout.workersWidth}
              height={layout.bodyHeight}
              theme={theme}
            />
          ) : (
            <Box flexDirection="column" width={layout.workersWidth} height={layout.bodyHeight}>
              <WorkerGrid />
              <DiffPane />
            </Box>
          )}
        </Box>
        <ActionBar width={cols} />
        <StatusLine width={cols} />
      </Box>
    </DashboardContext.Provider>
  );
}

import { Box, Text } from 'ink';

import { selectWorkerLayout } from '../src/state/selectors.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { PaneFrame } from './PaneFrame.js';
import { WorkerPane } from './WorkerPane.js';

/**
 * The worker panes, in up to two columns right of the plan (`selectWorkerLayout` decides which
 * workers and how big). Before any worker has started it shows what the run waits for.
 */
export function WorkerGrid() {
  const theme = useTheme();
  const { screen, cells } = useDashboardState(selectWorkerLayout);
  const isAwaitingApproval = useDashboardState((s) => s.breakpoints.some((b) => b.kind === 'plan_approval'));
  if (screen.workersWidth === 0) return null;
  if (cells.length === 0) {
    return (
      <PaneFrame
        title="Workers"
        width={screen.workersWidth}
        height={screen.workersHeight}
        borderColor={theme.border.default}
        titleColor={theme.text.title}
      >
        <Text color={theme.text.muted} wrap="truncate-end">
          {isAwaitingApproval ? ' no worker yet: approve the plan (a) to start' : ' no worker yet'}
        </Text>
      </PaneFrame>
    );
  }
  const columns = [...new Set(cells.map((c) => c.column))];
  return (
    <Box flexDirection="row" width={screen.workersWidth} height={screen.workersHeight}>
      {columns.map((column) => (
        <Box key={column} flexDirection="column">
          {cells
            .filter((c) => c.column === column)
            .map((cell) => (
              <WorkerPane key={cell.taskId} cell={cell} />
            ))}
        </Box>
      ))}
    </Box>
  );
}

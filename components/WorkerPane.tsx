import { Text } from 'ink';

import type { WorkerCell } from '../src/state/layout.js';
import { selectWorkerTitle, statusTone } from '../src/state/selectors.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { PaneFrame } from './PaneFrame.js';

/** Props of {@link WorkerPane}. */
export interface WorkerPaneProps {
  /** The pane's box and its task (from `selectWorkerLayout`). */
  readonly cell: WorkerCell;
}

/**
 * One worker's live screen under the title "2 api · fake · 1m12s". The bridge sizes the session
 * to this pane, so each line is a pre-built ANSI string exactly `innerCols` wide and goes into one
 * `<Text>` as is (no `overflow="hidden"`: it makes Ink slice every line, about 30 % slower).
 * While a resize is in flight the old, wider lines are cut by `truncate-end`.
 */
export function WorkerPane({ cell }: WorkerPaneProps) {
  const theme = useTheme();
  const { taskId } = cell;
  const pane = useDashboardState((s) => s.panes[taskId]);
  const title = useDashboardState((s) => selectWorkerTitle(s, taskId));
  const isFocused = useDashboardState((s) => s.ui.focusedTaskId === taskId);
  const tone = useDashboardState((s) => {
    const status = s.tasks.find((t) => t.id === taskId)?.status;
    return status ? statusTone(status) : 'pending';
  });
  const lines = pane ? pane.lines.slice(Math.max(0, pane.lines.length - cell.innerRows)) : [];
  return (
    <PaneFrame
      title={title}
      width={cell.width}
      height={cell.height}
      borderColor={isFocused ? theme.border.focus : theme.border.default}
      titleColor={theme.status[tone]}
    >
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </PaneFrame>
  );
}

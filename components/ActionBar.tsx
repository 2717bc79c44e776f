import { Text } from 'ink';

import { isActive } from '../src/state/layout.js';
import { BreakpointBar } from './BreakpointBar.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { QuitPrompt } from './QuitPrompt.js';
import { truncate } from './text-fit.js';

/** Props of {@link ActionBar}. */
export interface ActionBarProps {
  /** Line width, cells. */
  readonly width: number;
}

/**
 * The line above the status line, by priority: stopping agents, the confirm-quit prompt, the
 * selected breakpoint, a notice (a refused command), why the run failed, else blank.
 */
export function ActionBar({ width }: ActionBarProps) {
  const theme = useTheme();
  const isQuitting = useDashboardState((s) => s.ui.isQuitting);
  const isStopping = useDashboardState((s) => s.ui.isQuitting && s.tasks.some(isActive));
  const confirmQuit = useDashboardState((s) => s.ui.confirmQuit);
  const hasBreakpoint = useDashboardState((s) => s.breakpoints.length > 0);
  const notice = useDashboardState((s) => s.ui.notice);
  const failure = useDashboardState((s) => {
    const failed = s.final ? s.tasks.find((t) => t.status === 'failed') : undefined;
    // One line: an agent's failure goes on with its last output lines (shown by haco status).
    const cause = failed?.error?.split('\n', 1)[0];
    return failed ? `task ${failed.id} failed: ${cause ?? 'see haco logs'}` : undefined;
  });
  if (isQuitting) {
    return (
      <Text color={theme.breakpoint.marker}>
        {truncate(isStopping ? ' stopping agents…' : ' quitting…', width)}
      </Text>
    );
  }
  if (confirmQuit) return <QuitPrompt width={width} />;
  if (hasBreakpoint) return <BreakpointBar width={width} />;
  if (notice) return <Text color={theme.breakpoint.message}>{truncate(` ${notice}`, width)}</Text>;
  if (failure) return <Text color={theme.status.failed}>{truncate(` ✖ ${failure}`, width)}</Text>;
  return <Text> </Text>;
}

import { Text } from 'ink';
import { useShallow } from 'zustand/shallow';

import { answerHints, selectBreakpointBar } from '../src/state/selectors.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { KeyHints, keyHintsText, type KeyHint } from './KeyHints.js';
import { cells, fit } from './text-fit.js';

/** Props of {@link BreakpointBar}. */
export interface BreakpointBarProps {
  /** Line width, cells. */
  readonly width: number;
}

/**
 * The selected pending decision, one line:
 * `▌BREAKPOINT 1 of 2 · approve the plan "…": 2 task(s)     a approve · r reject · [ ] select`
 * (an ownership violation: `a grant · r revert · m keep as mine`, grant only when it may be).
 * Renders nothing when no breakpoint is pending.
 */
export function BreakpointBar({ width }: BreakpointBarProps) {
  const theme = useTheme();
  const bar = useDashboardState(useShallow(selectBreakpointBar));
  if (!bar) return null;
  const hints: KeyHint[] = [
    ...answerHints(bar).map((a) => ({ key: a.key, action: a.label })),
    ...(bar.total > 1 ? [{ key: '[ ]', action: 'select' }] : []),
  ];
  const label = `▌BREAKPOINT ${bar.position} of ${bar.total}`;
  const room = Math.max(0, width - cells(label) - cells(keyHintsText(hints)) - 4);
  return (
    <Text wrap="truncate-end">
      <Text color={theme.breakpoint.marker} bold>
        {label}
      </Text>
      <Text color={theme.breakpoint.message}>{` · ${fit(bar.message, room)} `}</Text>
      <KeyHints hints={hints} />
    </Text>
  );
}

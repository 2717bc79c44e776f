import { Text } from 'ink';
import { useShallow } from 'zustand/shallow';

import { selectStatusLine } from '../src/state/selectors.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { cells, fit, truncate } from './text-fit.js';

/** Props of {@link StatusLine}. */
export interface StatusLineProps {
  /** Line width, cells. */
  readonly width: number;
}

/**
 * The bottom line: `run 7f3a5b2c · running · 1/4 done · $0.00 · 3m05s` on the left (once the run
 * ended it starts with the outcome in plain words: `run completed · …`), key hints on the right.
 */
export function StatusLine({ width }: StatusLineProps) {
  const theme = useTheme();
  const line = useDashboardState(useShallow(selectStatusLine));
  const hints = truncate(line.hints, Math.max(0, width - cells(line.head) - 4));
  const room = Math.max(0, width - cells(line.head) - cells(hints) - 1);
  return (
    <Text wrap="truncate-end">
      <Text color={theme.status[line.tone]} bold>
        {` ${line.head}`}
      </Text>
      <Text color={theme.text.muted}>{fit(` · ${line.details}`, Math.max(0, room - 1))}</Text>{' '}
      <Text color={theme.text.muted}>{hints}</Text>
    </Text>
  );
}

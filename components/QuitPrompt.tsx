import { Text } from 'ink';

import { isActive } from '../src/state/layout.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { KeyHints, keyHintsText } from './KeyHints.js';
import { cells, fit } from './text-fit.js';

/** Props of {@link QuitPrompt}. */
export interface QuitPromptProps {
  /** Line width, cells. */
  readonly width: number;
}

const HINTS = [
  { key: 'y', action: 'quit' },
  { key: 'n', action: 'stay' },
];

/** Asks before quitting while agents run (they are stopped; `haco resume` continues the run). */
export function QuitPrompt({ width }: QuitPromptProps) {
  const theme = useTheme();
  const running = useDashboardState((s) => s.tasks.filter(isActive).length);
  const question = `quit? ${running} agent${running === 1 ? ' is' : 's are'} running: they will be stopped, haco resume continues the run`;
  const room = Math.max(0, width - cells(keyHintsText(HINTS)) - 1);
  return (
    <Text wrap="truncate-end">
      <Text color={theme.breakpoint.marker} bold>
        {fit(question, room)}
      </Text>{' '}
      <KeyHints hints={HINTS} />
    </Text>
  );
}

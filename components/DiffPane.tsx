import { Text } from 'ink';

import type { DiffTone } from '../src/state/diff-lines.js';
import { selectDiffPane } from '../src/state/selectors.js';
import type { Theme } from '../themes/index.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { PaneFrame } from './PaneFrame.js';

/** The theme token each part of a diff is drawn in; undefined: the terminal's own colour. */
export function diffColour(theme: Theme, tone: DiffTone): string | undefined {
  switch (tone) {
    case 'added':
      return theme.diff.added;
    case 'removed':
      return theme.diff.removed;
    case 'hunk':
      return theme.diff.hunk;
    case 'meta':
      return theme.diff.meta;
    case 'selected':
      return theme.text.title;
    case 'file':
    case 'context':
      return undefined;
  }
}

/**
 * The diff pane under the worker panes: the focused task's changes against its checkpoint, titled
 * `Diff · api-auth · src/api/auth.ts +42 −3`, listing the changed files with their counts, then
 * the selected file's unified diff. The selector builds every line at exactly the pane's inner
 * width (no `overflow="hidden"`); the bridge reads the diff, never this component.
 */
export function DiffPane() {
  const theme = useTheme();
  const pane = useDashboardState(selectDiffPane);
  if (!pane) return null;
  return (
    <PaneFrame
      title={pane.title}
      width={pane.width}
      height={pane.height}
      borderColor={theme.border.default}
      titleColor={theme.text.title}
    >
      {pane.lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line.map((segment, j) => {
            const colour = diffColour(theme, segment.tone);
            return (
              <Text
                key={j}
                {...(colour === undefined ? {} : { color: colour })}
                bold={segment.tone === 'selected'}
              >
                {segment.text}
              </Text>
            );
          })}
        </Text>
      ))}
    </PaneFrame>
  );
}

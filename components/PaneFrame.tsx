import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

import { cells, truncate } from './text-fit.js';

/** Props of {@link PaneFrame}. */
export interface PaneFrameProps {
  readonly title: string;
  /** Outer size, cells (borders included). */
  readonly width: number;
  readonly height: number;
  /** Colour of the frame (a theme token's value). */
  readonly borderColor: string;
  readonly titleColor: string;
  readonly children?: ReactNode;
}

/**
 * A single-line box with its title inside the top border (`┌ title ───┐`), as in DESIGN.md's
 * sketch. Ink draws the other three sides; the top line is built here at exactly `width` cells.
 */
export function PaneFrame({ title, width, height, borderColor, titleColor, children }: PaneFrameProps) {
  const shown = truncate(title, Math.max(0, width - 5));
  const rule = '─'.repeat(Math.max(0, width - cells(shown) - 4));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color={borderColor}>
        {'┌ '}
        <Text color={titleColor} bold>
          {shown}
        </Text>
        {` ${rule}┐`}
      </Text>
      <Box
        flexDirection="column"
        width={width}
        height={Math.max(1, height - 1)}
        borderStyle="single"
        borderTop={false}
        borderColor={borderColor}
      >
        {children}
      </Box>
    </Box>
  );
}

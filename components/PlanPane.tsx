import { Text } from 'ink';

import { selectPlanRows, type PlanRow } from '../src/state/selectors.js';
import { useDashboardState, useTheme } from './dashboard-context.js';
import { PaneFrame } from './PaneFrame.js';
import { statusGlyph } from './status-glyph.js';
import { cells, truncate } from './text-fit.js';

/** Props of {@link PlanPane}. */
export interface PlanPaneProps {
  /** Outer size, cells. */
  readonly width: number;
  readonly height: number;
}

/** Screen lines a row takes: its task line, plus "after a, b" under it. */
const linesOf = (row: PlanRow): number => (row.after ? 2 : 1);

/**
 * The plan: one line per task (`✔ 1 schema   12.3k/1.1k tok $0.04 fake`: status glyph, spinner
 * while running, plan number, id, usage when reported and it fits, agent), and a muted "after a, b"
 * line under tasks with dependencies. Rows that do not fit end in "… N more".
 */
export function PlanPane({ width, height }: PlanPaneProps) {
  const theme = useTheme();
  const rows = useDashboardState(selectPlanRows);
  const tick = useDashboardState((s) => s.tick);
  const goal = useDashboardState((s) => s.run?.goal);
  const inner = Math.max(1, width - 2);
  let room = Math.max(1, height - 2);
  const shown: PlanRow[] = [];
  for (const [i, row] of rows.entries()) {
    const rest = rows.length - i - 1;
    if (linesOf(row) > room || (rest > 0 && linesOf(row) + 1 > room)) break;
    shown.push(row);
    room -= linesOf(row);
  }
  const hidden = rows.length - shown.length;
  return (
    <PaneFrame
      title={goal ? `Plan · ${goal}` : 'Plan'}
      width={width}
      height={height}
      borderColor={theme.border.default}
      titleColor={theme.text.title}
    >
      {shown.map((row) => {
        const left = `${row.n} `;
        const agent = truncate(row.agent, Math.max(0, Math.floor(inner / 3)));
        const id = truncate(row.id, Math.max(1, inner - 2 - cells(left) - cells(agent) - 1));
        // Usage goes between id and agent only when the whole phrase fits: the id comes first.
        const free = inner - 2 - cells(left) - cells(id) - cells(agent) - 2;
        const usage = row.usage !== undefined && cells(row.usage) <= free ? `${row.usage} ` : '';
        const gap = ' '.repeat(
          Math.max(1, inner - 2 - cells(left) - cells(id) - cells(usage) - cells(agent)),
        );
        return [
          <Text key={row.id} wrap="truncate-end">
            <Text color={theme.status[row.tone]}>{statusGlyph(row.status, tick)}</Text>
            {` ${left}`}
            <Text bold={row.isFocused} underline={row.isFocused}>
              {id}
            </Text>
            {gap}
            {usage ? <Text color={theme.text.muted}>{usage}</Text> : null}
            <Text color={theme.text.muted}>{agent}</Text>
          </Text>,
          row.after ? (
            <Text key={`${row.id}:after`} color={theme.text.muted} wrap="truncate-end">
              {truncate(`    ${row.after}`, inner)}
            </Text>
          ) : null,
        ];
      })}
      {hidden > 0 ? <Text color={theme.text.muted}>{`… ${hidden} more`}</Text> : null}
    </PaneFrame>
  );
}

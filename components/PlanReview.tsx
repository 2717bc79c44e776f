import { Text } from 'ink';

import { estimateLine, type PlanReviewView } from '../src/state/plan-review.js';
import type { Theme } from '../themes/index.js';
import { PaneFrame } from './PaneFrame.js';
import { truncate } from './text-fit.js';

/** Props of {@link PlanReview}. */
export interface PlanReviewProps {
  readonly view: PlanReviewView;
  /** Outer size, cells. */
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** One screen line: text and the theme colour it is drawn in (none: the terminal's). */
interface Line {
  readonly text: string;
  readonly color?: string;
}

/** An empty line (a space: Ink gives an empty `<Text>` no height). */
const BLANK: Line = { text: ' ' };

/** The lines of the view, most important first (what does not fit is cut from the end). */
function reviewLines(view: PlanReviewView, theme: Theme): Line[] {
  const byId = new Map(view.tasks.map((t) => [t.id, t]));
  const lines: Line[] = [{ text: estimateLine(view), color: theme.text.title }, BLANK];
  for (const row of view.tree) {
    const task = byId.get(row.id);
    const also = row.alsoAfter.length ? ` (also after ${row.alsoAfter.join(', ')})` : '';
    const reason = task?.reason ? ` · ${task.reason}` : '';
    const usd = task?.estimateUsd == null ? '' : ` · ≈ $${task.estimateUsd.toFixed(2)}`;
    lines.push({ text: `${row.prefix}${row.id}${also} → ${task?.agent ?? '?'}${reason}${usd}` });
  }
  for (const task of view.tasks) {
    lines.push(BLANK);
    lines.push({ text: `${task.id} · ${task.title}`, color: theme.text.title });
    lines.push({ text: `  files  ${task.files.join(', ')}`, color: theme.text.muted });
    const verify = task.verify.length ? task.verify : ['(none)'];
    verify.forEach((v, i) => lines.push({ text: `  ${i === 0 ? 'verify' : '      '} ${v}` }));
  }
  return lines;
}

/**
 * The whole plan for approval (issue 8 point 3): the estimate line (tokens, USD, and the planning
 * calls' own cost when the plan came from a request), the dependencies as a tree with each task's
 * agent, routing reason and estimated cost, then per task its owned files and verify commands.
 * Lines that do not fit end in "… N more lines".
 */
export function PlanReview({ view, width, height, theme }: PlanReviewProps) {
  const inner = Math.max(1, width - 2);
  const room = Math.max(1, height - 2);
  const all = reviewLines(view, theme);
  const shown = all.length > room ? all.slice(0, Math.max(0, room - 1)) : all;
  const hidden = all.length - shown.length;
  return (
    <PaneFrame
      title={`Plan for approval · ${view.goal}`}
      width={width}
      height={height}
      borderColor={theme.border.focus}
      titleColor={theme.text.title}
    >
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end" {...(line.color ? { color: line.color } : {})}>
          {truncate(line.text, inner)}
        </Text>
      ))}
      {hidden > 0 ? <Text color={theme.text.muted}>{`… ${hidden} more lines`}</Text> : null}
    </PaneFrame>
  );
}

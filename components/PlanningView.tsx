import { Text } from 'ink';

import type { RepairRound } from '../src/state/planning-store.js';
import type { Theme } from '../themes/index.js';
import { PaneFrame } from './PaneFrame.js';
import { printable, truncate } from './text-fit.js';

/** Props of {@link PlanningView}. */
export interface PlanningViewProps {
  readonly request: string;
  /** Who plans, e.g. `anthropic (claude-sonnet-4-5)`. */
  readonly supervisor: string;
  /** The current answer as streamed so far. */
  readonly streamed: string;
  readonly rounds: readonly RepairRound[];
  /** `streamed` is the answer just refused (a repair round waits for the next answer). */
  readonly isAnswerRefused: boolean;
  /** Why planning failed (one line, naming the saved answers); absent while planning. */
  readonly failure: string | undefined;
  /** Outer size, cells. */
  readonly width: number;
  readonly height: number;
  readonly theme: Theme;
}

/** Cuts text into lines of at most `width` characters (the stream is mostly one long JSON line). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const safe = printable(line);
    if (safe === '') out.push('');
    for (let i = 0; i < safe.length; i += width) out.push(safe.slice(i, i + width));
  }
  return out;
}

/**
 * The planning screen: the request and the supervisor, each repair round with the validation
 * lines that caused it, then the tail of the answer streaming in (or, when planning gave up, the
 * one line saying why and where the answers were saved).
 */
export function PlanningView({
  request,
  supervisor,
  streamed,
  rounds,
  isAnswerRefused,
  failure,
  width,
  height,
  theme,
}: PlanningViewProps) {
  const inner = Math.max(1, width - 2);
  const head: { text: string; color?: string }[] = [
    { text: `request: ${request}` },
    { text: `supervisor: ${supervisor}`, color: theme.text.muted },
  ];
  for (const r of rounds) {
    head.push({ text: `repair round ${r.round}: the answer was refused`, color: theme.status.skipped });
    for (const p of r.problems.slice(0, 3)) head.push({ text: `  ${p}`, color: theme.status.skipped });
    if (r.problems.length > 3)
      head.push({ text: `  … ${r.problems.length - 3} more`, color: theme.status.skipped });
  }
  // The failure line is wrapped, not cut: it names the file with the saved answers.
  if (failure)
    head.push({ text: ' ' }, ...wrap(failure, inner).map((text) => ({ text, color: theme.status.failed })));
  const room = Math.max(0, height - 2 - head.length - 1);
  const tail = failure ? [] : wrap(streamed, inner).slice(-room);
  return (
    <PaneFrame
      title={failure ? 'Planning failed' : 'Planning'}
      width={width}
      height={height}
      borderColor={failure ? theme.status.failed : theme.border.focus}
      titleColor={theme.text.title}
    >
      {head.map((line, i) => (
        <Text key={`h${i}`} wrap="truncate-end" {...(line.color ? { color: line.color } : {})}>
          {truncate(printable(line.text), inner)}
        </Text>
      ))}
      {failure ? null : (
        <Text color={theme.text.muted}>
          {isAnswerRefused ? `refused answer ${rounds.length}:` : `answer ${rounds.length + 1}:`}
        </Text>
      )}
      {tail.map((line, i) => (
        <Text key={`t${i}`} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </PaneFrame>
  );
}

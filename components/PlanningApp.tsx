import { Box, Text, useInput } from 'ink';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/shallow';

import type { PlanningStore } from '../src/state/planning-store.js';
import type { Theme } from '../themes/index.js';
import { PlanningView } from './PlanningView.js';
import { PlanReview } from './PlanReview.js';
import { truncate } from './text-fit.js';

/** What a key on the planning screen asks the CLI to do. */
export type PlanningKey = 'approve' | 'reject' | 'edit' | 'quit';

/** Props of {@link PlanningApp}. */
export interface PlanningAppProps {
  readonly store: PlanningStore;
  /** Called once per accepted key; the CLI's planning session acts on it. */
  readonly onKey: (key: PlanningKey) => void;
  readonly theme: Theme;
}

/** The keys each phase takes, with their hints (one table: keys and hints never disagree). */
const KEYS = {
  planning: [{ key: 'q', action: 'quit', does: 'quit' }],
  review: [
    { key: 'a', action: 'approve and run', does: 'approve' },
    { key: 'e', action: 'edit in $EDITOR', does: 'edit' },
    { key: 'r', action: 'reject', does: 'reject' },
  ],
  invalid: [
    { key: 'e', action: 'edit again', does: 'edit' },
    { key: 'r', action: 'reject', does: 'reject' },
  ],
  failed: [{ key: 'q', action: 'quit', does: 'quit' }],
} as const satisfies Record<string, readonly { key: string; action: string; does: PlanningKey }[]>;

/**
 * The screen of `haco-tui "REQUEST"` before the run exists: the planning as it streams, then the
 * plan for approval (`a` approve, `e` edit, `r` reject), the validation lines of a refused edit,
 * or the failure line (`q` quits). Root height is rows − 1 (FIELD-NOTES.md, Ink 6.8).
 */
export function PlanningApp({ store, onKey, theme }: PlanningAppProps) {
  const s = useStore(
    store,
    useShallow((st) => ({
      phase: st.phase,
      request: st.request,
      supervisor: st.supervisor,
      streamed: st.streamed,
      isAnswerDone: st.isAnswerDone,
      rounds: st.rounds,
      review: st.review,
      problems: st.problems,
      failure: st.failure,
      cols: st.cols,
      rows: st.rows,
    })),
  );
  const keys = KEYS[s.phase];
  useInput((input, key) => {
    if (key.ctrl) {
      if (input === 'c') onKey(s.phase === 'review' || s.phase === 'invalid' ? 'reject' : 'quit');
      return;
    }
    // Keys typed quickly can arrive as one chunk ("aq"): each counts.
    for (const char of input) {
      const hit = keys.find((k) => k.key === char);
      if (hit) onKey(hit.does);
    }
  });
  const height = Math.max(3, s.rows - 1);
  const problems = s.phase === 'invalid' ? s.problems : [];
  const shownProblems = problems.slice(0, Math.max(0, Math.floor(height / 3)));
  const bodyHeight = Math.max(3, height - 1 - (problems.length ? shownProblems.length + 1 : 0));
  const hints = keys.map((k) => `${k.key} ${k.action}`).join(' · ');
  return (
    <Box flexDirection="column" width={s.cols} height={height}>
      {(s.phase === 'review' || s.phase === 'invalid') && s.review ? (
        <PlanReview view={s.review} width={s.cols} height={bodyHeight} theme={theme} />
      ) : (
        <PlanningView
          request={s.request}
          supervisor={s.supervisor}
          streamed={s.streamed}
          rounds={s.rounds}
          isAnswerRefused={s.isAnswerDone}
          failure={s.failure}
          width={s.cols}
          height={bodyHeight}
          theme={theme}
        />
      )}
      {problems.length ? (
        <Text color={theme.status.failed} wrap="truncate-end">
          {truncate(
            `the edited plan is not valid (${problems.length} problem(s)); a stays off until it is:`,
            s.cols,
          )}
        </Text>
      ) : null}
      {shownProblems.map((p, i) => (
        <Text key={i} color={theme.status.failed} wrap="truncate-end">
          {truncate(`  ${p}`, s.cols)}
        </Text>
      ))}
      <Text color={theme.text.key} wrap="truncate-end">
        {truncate(hints, s.cols)}
      </Text>
    </Box>
  );
}

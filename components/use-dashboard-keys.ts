import { useInput } from 'ink';

import type { Command } from '../src/state/bridge.js';
import {
  ANSWER_KEYS,
  answerHints,
  selectBreakpointBar,
  selectFocusOrder,
  selectHasRunningAgents,
} from '../src/state/selectors.js';
import type { DashboardStore } from '../src/state/store.js';

/**
 * The dashboard's keys (DESIGN.md, "TUI"): `a` / `r` / `m` answer the selected breakpoint with
 * approve / reject / keep (only the answers it takes; an ownership violation: grant / revert /
 * keep as mine), `[` `]`
 * select another, tab / shift-tab and 1–9 focus a worker (and so the diff pane's task), `d` shows
 * or hides the diff pane, `,` `.` select the previous / next changed file in it, `q` (or ctrl-c)
 * quits — after a y/n question while agents run. Reads the store at key time and changes it
 * through actions; core work goes out as commands.
 */
export function useDashboardKeys(store: DashboardStore, dispatch: (command: Command) => void): void {
  useInput((input, key) => {
    const s = store.getState();
    if (s.ui.isQuitting) return;
    if (s.ui.confirmQuit) {
      if (input === 'y' || input === 'Y') dispatch({ type: 'app/quit' });
      else if (input === 'n' || input === 'N' || input === 'q' || key.escape) s.cancelQuit();
      return;
    }
    if (s.ui.notice) s.notify(undefined);
    if (input === 'q' || (key.ctrl && input === 'c')) {
      if (selectHasRunningAgents(s)) s.askQuit();
      else dispatch({ type: 'app/quit' });
      return;
    }
    if (Object.values(ANSWER_KEYS).includes(input)) {
      const bar = selectBreakpointBar(s);
      const hint = bar ? answerHints(bar).find((a) => a.key === input) : undefined;
      if (bar && hint) dispatch({ type: 'breakpoint/answer', id: bar.id, answer: hint.answer });
      return;
    }
    if (input === '[' || input === ']') {
      s.selectBreakpoint(input === '[' ? -1 : 1);
      return;
    }
    if (input === 'd') {
      s.toggleDiff();
      return;
    }
    if (input === ',' || input === '.') {
      s.selectDiffFile(input === ',' ? -1 : 1);
      return;
    }
    if (key.tab) {
      const order = selectFocusOrder(s);
      if (order.length === 0) return;
      const at = s.ui.focusedTaskId === undefined ? -1 : order.indexOf(s.ui.focusedTaskId);
      const step = key.shift ? -1 : 1;
      s.focusTask(order[(((at + step) % order.length) + order.length) % order.length]);
      return;
    }
    if (/^[1-9]$/.test(input)) {
      const task = s.tasks[Number(input) - 1];
      if (task && (task.startedAt !== null || task.attempts > 0)) s.focusTask(task.id);
    }
  });
}

import type { TaskStatus } from '../src/orchestrator/types.js';

/** Braille spinner frames ("dots", as in cli-spinners); stepped by the store's `tick`, not a timer. */
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

const GLYPHS: Readonly<Record<TaskStatus, string>> = {
  pending: '◌',
  ready: '○',
  running: '',
  verifying: '',
  reviewing: '',
  done: '✔',
  failed: '✖',
  skipped: '⊘',
  rolled_back: '↺',
};

/**
 * The one-cell glyph of a task status; running states spin with `tick`. One clock for every
 * spinner keeps the frame rate at the bridge's (ink-spinner would add a timer per spinner).
 */
export function statusGlyph(status: TaskStatus, tick: number): string {
  return GLYPHS[status] || (SPINNER[tick % SPINNER.length] ?? '⠋');
}

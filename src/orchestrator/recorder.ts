import type { StateDb } from '../db/state-db.js';
import type { TypedEmitter } from '../lib/typed-emitter.js';
import type { CoreEvents } from './events.js';
import type { BreakpointAnswer, BreakpointKind, BreakpointRow, RunStatus, TaskStatus } from './types.js';

/**
 * Every state change of a run goes through here: written to the state database (and its event
 * log) first, then emitted as a {@link CoreEvents} event.
 */
export class RunRecorder {
  constructor(
    readonly db: StateDb,
    readonly events: TypedEmitter<CoreEvents>,
    readonly now: () => number,
  ) {}

  runStatus(runId: string, status: RunStatus): void {
    this.db.setRunStatus(runId, status, this.now());
    this.db.addEvent(runId, 'run:status-changed', null, { status }, this.now());
    this.events.emit('run:status-changed', { runId, status });
  }

  taskStatus(
    runId: string,
    taskId: string,
    status: TaskStatus,
    extra: { commitSha?: string | null; error?: string } = {},
  ): void {
    this.db.setTaskStatus(runId, taskId, status, this.now(), extra);
    this.db.addEvent(runId, 'task:status-changed', taskId, { status, ...extra }, this.now());
    this.events.emit('task:status-changed', {
      runId,
      taskId,
      status,
      ...(extra.error === undefined ? {} : { error: extra.error }),
    });
  }

  /** A short human line for `haco logs` and the dashboard. */
  log(runId: string, taskId: string | null, message: string): void {
    this.db.addEvent(runId, 'run:logged', taskId, { message }, this.now());
    this.events.emit('run:logged', { runId, taskId, message });
  }

  /**
   * Opens a pending breakpoint answered with `answers` (default approve / reject); `details` are
   * kind-specific facts.
   */
  openBreakpoint(
    runId: string,
    taskId: string | null,
    kind: BreakpointKind,
    message: string,
    details?: unknown,
    answers: readonly BreakpointAnswer[] = ['approve', 'reject'],
  ): BreakpointRow {
    const id = this.db.openBreakpoint({
      runId,
      taskId,
      kind,
      message,
      answers: [...answers],
      now: this.now(),
      details,
    });
    const row = this.db.getBreakpoints(runId).find((b) => b.id === id);
    if (!row) throw new Error(`breakpoint ${id} vanished`);
    this.log(runId, taskId, `breakpoint ${id} (${kind}): ${message}`);
    this.events.emit('breakpoint:opened', row);
    return row;
  }
}

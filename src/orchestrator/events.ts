import type { AttemptStatus, BreakpointRow, RunStatus, TaskStatus } from './types.js';

/**
 * Every event the core reports, by name (`noun:past-verb`) with its argument tuple. Each is emitted
 * only after the change it reports is written to the state database.
 */
export type CoreEvents = {
  'run:status-changed': [{ readonly runId: string; readonly status: RunStatus }];
  'task:status-changed': [
    { readonly runId: string; readonly taskId: string; readonly status: TaskStatus; readonly error?: string },
  ];
  'attempt:started': [
    {
      readonly runId: string;
      readonly taskId: string;
      readonly attempt: number;
      /** The worker's process id; absent for a worker without a process. */
      readonly pid?: number;
    },
  ];
  'attempt:ended': [
    {
      readonly runId: string;
      readonly taskId: string;
      readonly attempt: number;
      readonly status: AttemptStatus;
      readonly error?: string;
    },
  ];
  /** A running task changed one of its own paths (the watcher saw it). */
  'task:files-changed': [{ readonly runId: string; readonly taskId: string; readonly path: string }];
  'breakpoint:opened': [BreakpointRow];
  'breakpoint:answered': [BreakpointRow];
  /** A short human line for logs and the status line. */
  'run:logged': [{ readonly runId: string; readonly taskId: string | null; readonly message: string }];
};

/**
 * The worker-session port: what the core (src/orchestrator/, src/state/) and the dashboard use of a
 * running worker. A pty session (pty-session.ts) is one implementation; a worker without a process
 * (a model streamed into the pane) or on another host implements the same interface.
 */

/** A pane's picture of a session at one moment. */
export interface ScreenSnapshot {
  /** Exactly `rows` strings, each exactly `cols` cells wide, SGR colours only. */
  readonly lines: readonly string[];
  readonly cols: number;
  readonly rows: number;
  /** Increases on every change. */
  readonly seq: number;
}

/** How the worker ended. */
export interface SessionExit {
  /** Exit code; 128 + the signal number when a signal ended it (never 0 then). */
  readonly exitCode: number;
  /** The signal number that ended it (9 = SIGKILL), or null when it exited by itself. */
  readonly signal: number | null;
}

/** One worker as the core and the panes see it. */
export interface WorkerSession {
  /**
   * The worker's process id, which leads its process group (the core holds and kills the group);
   * undefined for a worker without a local process: nothing to signal then.
   */
  readonly pid: number | undefined;
  /**
   * Resolves once the worker has ended and all its output was read (transcript, line handler,
   * screen hold everything it printed).
   */
  readonly exited: Promise<SessionExit>;
  /** Whether the worker has ended. */
  readonly isExited: boolean;
  /** Shows text in the pane; `\n` starts a new line. */
  display(text: string): void;
  /** Sends keystrokes or raw data to the worker (attach). */
  write(data: string): void;
  /**
   * Sends one protocol line (a newline is added) on the worker's input channel (an agent's stdin
   * protocol); does nothing once the worker has ended or its input was closed.
   * @throws Error when the worker has no input channel
   */
  writeInput(line: string): void;
  /** Ends the input channel after what was written (the agent reads end-of-file). Idempotent. */
  closeInput(): void;
  /** Sets the screen size, cells. */
  resize(cols: number, rows: number): void;
  /** Called (without arguments) whenever the screen changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** The visible rows as plain text (tests, screen detectors). */
  text(): string[];
  /** The current screen when it changed since the last call, else undefined (the frame loop pulls this). */
  takeSnapshot(): ScreenSnapshot | undefined;
  /**
   * The last non-empty output lines as plain text, for failure messages: at most `maxLines` lines
   * and `maxBytes` bytes (UTF-8). Complete once `exited` has resolved.
   */
  tail(maxLines?: number, maxBytes?: number): string[];
  /** Called once the transcript cannot be written (disk full, …), at once if that happened already. */
  onTranscriptError(listener: (error: Error) => void): void;
  /**
   * Ends the worker (a process: its whole group, SIGTERM then SIGKILL after `graceMs`).
   * @returns once it is gone
   */
  kill(graceMs?: number): Promise<void>;
  /** Frees the screen; call after the worker has ended and the final screen was taken. */
  dispose(): void;
}

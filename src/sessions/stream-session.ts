import xterm from '@xterm/headless';

import { bufferTail, viewportToAnsi, viewportToText } from './ansi-lines.js';
import type { ScreenSnapshot, SessionExit, WorkerSession } from './worker-session.js';

// @xterm/headless is a CJS bundle: only the default import works in Node ESM (FIELD-NOTES.md).
const { Terminal } = xterm;

/** The end a stream session reports when it was killed: as if by SIGTERM (15). */
const KILLED: SessionExit = { exitCode: 128 + 15, signal: 15 };

/** Options of a {@link StreamSession}. */
export interface StreamSessionOptions {
  /** Screen size, cells (default 100 × 30, like a pty session). */
  readonly cols?: number;
  readonly rows?: number;
  /**
   * Called once when the core kills the session (timeout, interrupt): the producer stops
   * streaming (e.g. aborts its HTTP request). The session then ends as if by SIGTERM.
   */
  readonly onKill?: () => void;
}

/**
 * A worker without a process: whatever produces its output (a model's reply streamed over HTTP)
 * writes it with `display`, and says when it is finished with `end`. The screen is a headless
 * xterm (@xterm/headless 6) like a pty session's, so panes, the frame loop and failure messages
 * treat both alike. There is no pid (nothing to hold or signal), keystrokes are ignored, and there
 * is no input channel.
 */
export class StreamSession implements WorkerSession {
  readonly pid = undefined;
  readonly exited: Promise<SessionExit>;
  private readonly term: InstanceType<typeof Terminal>;
  private resolveExit: (exit: SessionExit) => void = () => undefined;
  private hasExited = false;
  private isDisposed = false;
  private dirty = true;
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: StreamSessionOptions = {}) {
    this.term = new Terminal({
      cols: options.cols ?? 100,
      rows: options.rows ?? 30,
      scrollback: 2000,
      allowProposedApi: true,
      logLevel: 'off',
    });
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get isExited(): boolean {
    return this.hasExited;
  }

  /** Shows text in the pane; `\n` starts a new line. Ignored once the session has ended. */
  display(text: string): void {
    if (this.hasExited || this.isDisposed) return;
    this.term.write(text.replace(/\r?\n/g, '\r\n'), () => this.markDirty());
  }

  /** Keystrokes have nowhere to go: ignored. */
  write(_data: string): void {
    // no process to type into
  }

  /** @throws Error always: a stream session has no input channel */
  writeInput(_line: string): void {
    throw new Error('this worker has no input channel');
  }

  closeInput(): void {
    // no input channel to close
  }

  resize(cols: number, rows: number): void {
    if (this.isDisposed || (cols === this.term.cols && rows === this.term.rows)) return;
    this.term.resize(cols, rows);
    this.markDirty();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  text(): string[] {
    return viewportToText(this.term);
  }

  takeSnapshot(): ScreenSnapshot | undefined {
    if (!this.dirty || this.isDisposed) return undefined;
    this.dirty = false;
    return { lines: viewportToAnsi(this.term), cols: this.term.cols, rows: this.term.rows, seq: this.seq };
  }

  tail(maxLines?: number, maxBytes?: number): string[] {
    return bufferTail(this.term, maxLines, maxBytes);
  }

  /** A stream session keeps no transcript file of its own: nothing can fail to be written. */
  onTranscriptError(_listener: (error: Error) => void): void {
    // no transcript
  }

  /**
   * The producer is finished: `exited` resolves with `exit` (default code 0) once everything
   * displayed so far is on the screen. Later calls do nothing.
   */
  end(exit: SessionExit = { exitCode: 0, signal: null }): void {
    if (this.hasExited) return;
    this.hasExited = true;
    // An empty write's callback runs after every earlier write was parsed.
    if (this.isDisposed) this.resolveExit(exit);
    else this.term.write('', () => this.resolveExit(exit));
  }

  /** Tells the producer to stop (`onKill`) and ends the session as if by SIGTERM. */
  kill(_graceMs?: number): Promise<void> {
    if (!this.hasExited) {
      this.options.onKill?.();
      this.end(KILLED);
    }
    return this.exited.then(() => undefined);
  }

  dispose(): void {
    this.isDisposed = true;
    this.term.dispose();
    this.listeners.clear();
  }

  private markDirty(): void {
    this.dirty = true;
    this.seq += 1;
    for (const listener of this.listeners) listener();
  }
}

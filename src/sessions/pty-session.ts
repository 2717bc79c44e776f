import { execFileSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, openSync, rmSync, type WriteStream } from 'node:fs';

import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

import { childEnv } from './child-env.js';
import { viewportToAnsi, viewportToText } from './ansi-lines.js';
import { killProcessGroup } from './process-group.js';

// @xterm/headless is a CJS bundle: only the default import works in Node ESM (FIELD-NOTES.md).
const { Terminal } = xterm;

/** Output quiet time after the exit before a session counts as finished, ms. */
const DRAIN_QUIET_MS = 30;
/** Longest wait for late output after the exit, ms. */
const DRAIN_MAX_MS = 500;

/** How a session's output reaches its pane. */
export type OutputMode =
  /** Raw pty bytes are the screen (any TUI or plain program). */
  | { kind: 'screen' }
  /** The program prints protocol lines (e.g. stream-json); `onLine` sees each, and the pane shows what `display()` writes. */
  | { kind: 'lines'; onLine: (line: string) => void };

export interface PtySessionOptions {
  /** Executable (resolved on PATH by the pty). */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the parent's environment (see childEnv). */
  readonly env: Readonly<Record<string, string>>;
  readonly cols?: number;
  readonly rows?: number;
  readonly output: OutputMode;
  /** Raw pty output is appended here (the attempt's transcript). */
  readonly transcriptFile?: string;
  /**
   * Give the process this FIFO as stdin instead of the pty (its stdout and stderr stay on the pty),
   * for programs that ignore a terminal stdin, like `claude -p --input-format stream-json`. The
   * FIFO is made here (replacing whatever is at the path), fed by `writeInput`, ended by
   * `closeInput`, and removed when the process exits.
   */
  readonly stdinFifo?: string;
}

/**
 * `sh -c` script that redirects stdin from the FIFO in `$1` and execs the real command (the rest of
 * argv, passed as separate arguments, so nothing is re-parsed by the shell). `exec` keeps the pid,
 * so the pty child is still the process-group leader.
 */
const FIFO_STDIN_SCRIPT = 'fifo=$1; shift; exec "$@" < "$fifo"';

/** A pane's picture of a session at one moment. */
export interface ScreenSnapshot {
  /** Exactly `rows` strings, each exactly `cols` cells wide, SGR colours only. */
  readonly lines: readonly string[];
  readonly cols: number;
  readonly rows: number;
  /** Increases on every change. */
  readonly seq: number;
}

/** How the process ended. */
export interface SessionExit {
  readonly exitCode: number;
  readonly signal: number | null;
}

/**
 * One agent process in a pseudo-terminal (@lydell/node-pty 1.1), mirrored into a headless xterm
 * (@xterm/headless 6) so a pane can show its screen. Terminal queries (cursor position, device
 * attributes) are answered by the emulator and written back to the pty.
 */
export class PtySession {
  readonly pid: number;
  /** Resolves when the process exits. */
  readonly exited: Promise<SessionExit>;
  private readonly term: InstanceType<typeof Terminal>;
  private readonly proc: pty.IPty;
  private readonly transcript: WriteStream | undefined;
  private dirty = true;
  private seq = 0;
  private pendingLine = '';
  private hasExited = false;
  /** Epoch ms of the last pty output. */
  private lastDataAt = 0;
  private readonly listeners = new Set<() => void>();
  /** The stdin FIFO's writing end; undefined when stdin is the pty, or once the process has exited. */
  private input: WriteStream | undefined;

  /** @throws Error when the executable cannot be started */
  constructor(private readonly options: PtySessionOptions) {
    const cols = options.cols ?? 100;
    const rows = options.rows ?? 30;
    this.term = new Terminal({ cols, rows, scrollback: 2000, allowProposedApi: true, logLevel: 'off' });
    this.transcript = options.transcriptFile
      ? createWriteStream(options.transcriptFile, { flags: 'a' })
      : undefined;
    const fifo = options.stdinFifo;
    if (fifo !== undefined) makeFifo(fifo);
    const [command, args] =
      fifo === undefined
        ? [options.command, [...options.args]]
        : ['/bin/sh', ['-c', FIFO_STDIN_SCRIPT, 'haco-stdin', fifo, options.command, ...options.args]];
    try {
      this.proc = pty.spawn(command, args, {
        name: 'xterm-256color',
        cols,
        rows,
        cwd: options.cwd,
        env: childEnv(options.env),
      });
    } catch (error) {
      if (fifo !== undefined) rmSync(fifo, { force: true });
      throw error;
    }
    this.pid = this.proc.pid;
    if (fifo !== undefined) {
      // Opening a FIFO for writing blocks (in libuv's thread pool) until the reader opens it: the
      // shell does so before it execs the command. Writes made meanwhile are buffered.
      this.input = createWriteStream(fifo, { flags: 'w' });
      this.input.on('error', (error: NodeJS.ErrnoException) => {
        // EPIPE: the reader has exited, so there is nobody left to tell.
        if (error.code === 'EPIPE' || this.hasExited) return;
        // Without its stdin the program would wait forever: show why and end it.
        this.display(`haco: cannot write to the program's stdin: ${error.message}\n`);
        void this.kill();
      });
    }
    this.term.onData((reply) => {
      if (!this.hasExited) this.proc.write(reply);
    });
    this.proc.onData((data) => {
      this.lastDataAt = Date.now();
      if (!this.transcript?.writableEnded) this.transcript?.write(data);
      if (options.output.kind === 'screen') this.writeScreen(data);
      else this.splitLines(data, options.output.onLine);
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.hasExited = true;
        if (fifo !== undefined) this.releaseFifo(fifo);
        // node-pty may report the exit before the last output has been read: wait until the
        // output has been quiet for DRAIN_QUIET_MS (at most DRAIN_MAX_MS) before finishing.
        const exitedAt = Date.now();
        const finish = (): void => {
          const quietFor = Date.now() - this.lastDataAt;
          if (quietFor < DRAIN_QUIET_MS && Date.now() - exitedAt < DRAIN_MAX_MS) {
            setTimeout(finish, DRAIN_QUIET_MS - quietFor);
            return;
          }
          if (options.output.kind === 'lines' && this.pendingLine) options.output.onLine(this.pendingLine);
          this.pendingLine = '';
          this.transcript?.end();
          this.markDirty();
          resolve({ exitCode, signal: signal ?? null });
        };
        setTimeout(finish, DRAIN_QUIET_MS);
      });
    });
  }

  /** Shows text in the pane (used in `lines` mode); `\n` becomes a new line. */
  display(text: string): void {
    this.writeScreen(text.replace(/\r?\n/g, '\r\n'));
  }

  /** Sends keystrokes or data to the process. */
  write(data: string): void {
    if (!this.hasExited) this.proc.write(data);
  }

  /**
   * Writes one line (a newline is added) to the process's stdin FIFO (`stdinFifo`); does nothing
   * once the process has exited or stdin was closed.
   * @throws Error when the session was started without `stdinFifo`
   */
  writeInput(line: string): void {
    if (this.options.stdinFifo === undefined)
      throw new Error('this session reads its stdin from the pty; use write()');
    if (this.hasExited || !this.input || this.input.destroyed || this.input.writableEnded) return;
    this.input.write(`${line}\n`);
  }

  /** Closes the stdin FIFO after what was written: the process reads end-of-file. Idempotent. */
  closeInput(): void {
    if (this.input && !this.input.writableEnded) this.input.end();
  }

  /** Resizes the emulator and the pty together. */
  resize(cols: number, rows: number): void {
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.term.resize(cols, rows);
    if (!this.hasExited) {
      try {
        this.proc.resize(cols, rows);
      } catch {
        // the process may exit between the check and the call
      }
    }
    this.markDirty();
  }

  /** Called (without arguments) whenever the screen changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current screen when it changed since the last call, else undefined (the frame loop pulls this). */
  takeSnapshot(): ScreenSnapshot | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    return { lines: viewportToAnsi(this.term), cols: this.term.cols, rows: this.term.rows, seq: this.seq };
  }

  /** The visible rows as plain text (tests, detectors). */
  text(): string[] {
    return viewportToText(this.term);
  }

  /** Whether the process has exited. */
  get isExited(): boolean {
    return this.hasExited;
  }

  /**
   * Kills the process and its whole process group: SIGTERM, then SIGKILL after `graceMs`.
   * @returns once the group is gone
   */
  async kill(graceMs = 1000): Promise<void> {
    await killProcessGroup(this.pid, graceMs);
  }

  /** Frees the emulator; call after the process has exited and the final screen was taken. */
  dispose(): void {
    this.term.dispose();
    this.listeners.clear();
  }

  /**
   * At exit: a writer still waiting for a reader (the process died before the shell opened the
   * FIFO) would block a thread-pool thread forever, so open the reading end once, without
   * blocking, to release it; then drop the stream and the FIFO itself.
   */
  private releaseFifo(fifo: string): void {
    if (this.input?.pending) {
      try {
        closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
      } catch {
        // the FIFO is gone already: nothing can be waiting on it
      }
    }
    this.input?.destroy();
    this.input = undefined;
    rmSync(fifo, { force: true });
  }

  private writeScreen(data: string): void {
    this.term.write(data, () => this.markDirty());
  }

  private markDirty(): void {
    this.dirty = true;
    this.seq += 1;
    for (const listener of this.listeners) listener();
  }

  private splitLines(data: string, onLine: (line: string) => void): void {
    const parts = (this.pendingLine + data).split('\n');
    this.pendingLine = parts.pop() ?? '';
    for (const part of parts) onLine(part.replace(/\r$/, ''));
  }
}

/** Makes a FIFO at `path` (mode 600), replacing a stale one a crashed run left behind. */
function makeFifo(path: string): void {
  rmSync(path, { force: true });
  // Node has no mkfifo(3) binding; mkfifo(1) is POSIX.
  execFileSync('mkfifo', ['-m', '600', path]);
}

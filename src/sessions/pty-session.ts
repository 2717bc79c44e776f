import { execFileSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, openSync, rmSync, type WriteStream } from 'node:fs';

import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';

import { childEnv } from './child-env.js';
import { bufferTail, TAIL_BYTES, TAIL_LINES, viewportToAnsi, viewportToText } from './ansi-lines.js';
import { wrapCommand, type SentinelFilter, type WrappedExit } from './exit-wrapper.js';
import { killProcessGroup } from './process-group.js';
import type { ScreenSnapshot, SessionExit, WorkerSession } from './worker-session.js';

export type { ScreenSnapshot, SessionExit } from './worker-session.js';

// @xterm/headless is a CJS bundle: only the default import works in Node ESM (FIELD-NOTES.md).
const { Terminal } = xterm;

/**
 * Without the exit wrapper's sentinel (no Perl, or the wrapper was killed): output quiet time after
 * the exit before a session counts as finished, ms.
 */
const DRAIN_QUIET_MS = 30;
/** Longest wait for late output after the exit without the sentinel, ms. */
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
  /** Set over the minimal environment (see childEnv): the basics plus `envPassthrough`. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables of haco's environment to pass on besides the basics: names or `PREFIX_*`. */
  readonly envPassthrough?: readonly string[];
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
 * Without Perl (see exit-wrapper.ts): `sh -c` script that redirects stdin from the FIFO in `$1` and
 * execs the real command (the rest of argv, passed as separate arguments, so nothing is re-parsed
 * by the shell). `exec` keeps the pid, so the pty child is still the process-group leader.
 */
const FIFO_STDIN_SCRIPT = 'fifo=$1; shift; exec "$@" < "$fifo"';

/**
 * One agent process in a pseudo-terminal (@lydell/node-pty 1.1), mirrored into a headless xterm
 * (@xterm/headless 6) so a pane can show its screen. Terminal queries (cursor position, device
 * attributes) are answered by the emulator and written back to the pty.
 *
 * The command runs under a small exit wrapper (exit-wrapper.ts) that reports its end in-band, so
 * `exited` resolves only after every byte the command printed has reached the transcript, the
 * line handler and the screen, with the command's own exit code or signal. The wrapper is the pty
 * child: `pid` is the process-group leader, and the command is a member of that group.
 * The pty implementation of the {@link WorkerSession} port.
 */
export class PtySession implements WorkerSession {
  readonly pid: number;
  /**
   * Resolves when the process has exited and its output has been read: everything it printed is
   * in the transcript file, the line handler and the screen.
   */
  readonly exited: Promise<SessionExit>;
  private readonly term: InstanceType<typeof Terminal>;
  private readonly proc: pty.IPty;
  private readonly transcript: WriteStream | undefined;
  /** Strips the exit wrapper's sentinel from the output; undefined when running without it. */
  private readonly endFilter: SentinelFilter | undefined;
  private isEndAcked = false;
  /** Resolves when {@link dispose} is called (a disposed emulator parses nothing more). */
  private readonly disposed: Promise<void>;
  private markDisposed: () => void = () => undefined;
  private transcriptError: Error | undefined;
  private readonly transcriptErrorListeners = new Set<(error: Error) => void>();
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
    this.disposed = new Promise((resolve) => (this.markDisposed = resolve));
    this.term = new Terminal({ cols, rows, scrollback: 2000, allowProposedApi: true, logLevel: 'off' });
    this.transcript = options.transcriptFile
      ? createWriteStream(options.transcriptFile, { flags: 'a', mode: 0o600 })
      : undefined;
    // A full or read-only disk: the transcript stops (never an unhandled 'error') and whoever
    // listens (the attempt) stops the run.
    this.transcript?.on('error', (error) => {
      this.transcriptError ??= error;
      for (const listener of this.transcriptErrorListeners) listener(error);
    });
    const fifo = options.stdinFifo;
    if (fifo !== undefined) makeFifo(fifo);
    const env = childEnv(options.env, options.envPassthrough);
    const wrapped = wrapCommand(options.command, options.args, env, fifo);
    this.endFilter = wrapped?.filter;
    const [command, args] = wrapped
      ? [wrapped.command, wrapped.args]
      : fifo === undefined
        ? [options.command, [...options.args]]
        : ['/bin/sh', ['-c', FIFO_STDIN_SCRIPT, 'haco-stdin', fifo, options.command, ...options.args]];
    try {
      this.proc = pty.spawn(command, args, {
        name: 'xterm-256color',
        cols,
        rows,
        cwd: options.cwd,
        env: wrapped?.env ?? env,
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
      this.output(this.endFilter ? this.endFilter.push(data) : data);
      if (this.endFilter?.ended) this.ackEnd();
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.hasExited = true;
        if (fifo !== undefined) this.releaseFifo(fifo);
        // The sentinel came behind the last output: nothing is missing. Without it (no wrapper,
        // or the wrapper was killed), node-pty may report the exit before the last output was
        // read: wait until the output has been quiet for DRAIN_QUIET_MS (at most DRAIN_MAX_MS).
        const exitedAt = Date.now();
        const finish = (): void => {
          const quietFor = Date.now() - this.lastDataAt;
          const isDrained =
            this.endFilter?.ended !== undefined ||
            quietFor >= DRAIN_QUIET_MS ||
            Date.now() - exitedAt >= DRAIN_MAX_MS;
          if (!isDrained) {
            setTimeout(finish, DRAIN_QUIET_MS - quietFor);
            return;
          }
          void this.finish(this.endFilter?.ended ?? ptyExit(exitCode, signal)).then(resolve);
        };
        if (this.endFilter?.ended) finish();
        else setTimeout(finish, DRAIN_QUIET_MS);
      });
    });
  }

  /**
   * Called once the transcript file cannot be written (ENOSPC, EROFS, …; the session goes on
   * without it), at once when that has happened already.
   */
  onTranscriptError(listener: (error: Error) => void): void {
    this.transcriptErrorListeners.add(listener);
    if (this.transcriptError) listener(this.transcriptError);
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

  /**
   * The last non-empty lines of the session's screen and scrollback as plain text (no ANSI), for
   * failure messages: at most `maxLines` lines and `maxBytes` bytes (UTF-8; the oldest lines go
   * first), each line at most 300 characters. Complete once `exited` has resolved.
   * @param maxLines default 10
   * @param maxBytes default 2000
   */
  tail(maxLines = TAIL_LINES, maxBytes = TAIL_BYTES): string[] {
    return bufferTail(this.term, maxLines, maxBytes);
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
    this.markDisposed();
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

  /** One chunk of the program's output (sentinel removed) to the transcript and the pane. */
  private output(data: string): void {
    if (!data) return;
    if (this.transcript && !this.transcript.writableEnded && !this.transcript.destroyed)
      this.transcript.write(data);
    if (this.options.output.kind === 'screen') this.writeScreen(data);
    else this.splitLines(data, this.options.output.onLine);
  }

  /** The wrapper waits until its sentinel was read (exit-wrapper.ts): let it exit. */
  private ackEnd(): void {
    if (this.isEndAcked || this.hasExited) return;
    this.isEndAcked = true;
    try {
      process.kill(this.pid, 'SIGUSR1');
    } catch {
      // it has exited meanwhile (it waits for this at most WRAPPER_ACK_WAIT_S)
    }
  }

  /**
   * After the exit: the last partial line, the transcript flushed to its file and the screen
   * parsed, so the transcript, the pane and {@link tail} hold everything once `exited` resolves.
   */
  private async finish(exit: SessionExit): Promise<SessionExit> {
    this.output(this.endFilter?.flush() ?? '');
    if (this.options.output.kind === 'lines' && this.pendingLine)
      this.options.output.onLine(this.pendingLine);
    this.pendingLine = '';
    const transcript = this.transcript;
    if (transcript && !transcript.destroyed && !transcript.writableEnded)
      await new Promise<void>((resolve) => {
        transcript.once('error', () => resolve());
        transcript.end(resolve);
      });
    await Promise.race([new Promise<void>((resolve) => this.term.write('', resolve)), this.disposed]);
    this.markDirty();
    return exit;
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

/**
 * node-pty's report of the pty child's end as a {@link SessionExit}: it gives `signal: 0` for a
 * normal exit and `exitCode: 0` for a signal death (so a killed process would look successful).
 */
function ptyExit(exitCode: number, signal: number | undefined): WrappedExit {
  return signal ? { exitCode: 128 + signal, signal } : { exitCode, signal: null };
}

/** Makes a FIFO at `path` (mode 600), replacing a stale one a crashed run left behind. */
function makeFifo(path: string): void {
  rmSync(path, { force: true });
  // Node has no mkfifo(3) binding; mkfifo(1) is POSIX.
  execFileSync('mkfifo', ['-m', '600', path]);
}

/**
 * Starts a worker in a pty: the process implementation of the worker-session port.
 * @throws Error when the executable cannot be started
 */
export function startPtySession(options: PtySessionOptions): WorkerSession {
  return new PtySession(options);
}

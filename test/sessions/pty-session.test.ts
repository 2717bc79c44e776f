import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { groupAlive } from '../../src/sessions/process-group.js';
import { PtySession } from '../../src/sessions/pty-session.js';
import { runningInGroup } from '../helpers/processes.js';
import { screenUntil } from '../helpers/tui.js';

const sessions: PtySession[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) {
    await s.kill(100);
    s.dispose();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A session in `lines` mode whose stdin is a FIFO in a fresh temp dir. */
function startWithFifo(
  command: string,
  args: string[],
): { session: PtySession; lines: string[]; fifo: string } {
  const dir = mkdtempSync(join(tmpdir(), 'haco-fifo-'));
  dirs.push(dir);
  const fifo = join(dir, 'stdin.fifo');
  const lines: string[] = [];
  const session = new PtySession({
    command,
    args,
    cwd: dir,
    env: {},
    stdinFifo: fifo,
    output: { kind: 'lines', onLine: (line) => lines.push(line) },
  });
  sessions.push(session);
  return { session, lines, fifo };
}

/** Waits until `test` holds, polling; fails after `ms`. */
async function waitFor(test: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(script: string, cols = 40, rows = 6): PtySession {
  const session = new PtySession({
    command: 'bash',
    args: ['-c', script],
    cwd: process.cwd(),
    env: {},
    cols,
    rows,
    output: { kind: 'screen' },
  });
  sessions.push(session);
  return session;
}

/** Waits until the screen satisfies `test` (5 s at most). */
const waitForScreen = (session: PtySession, test: (text: string) => boolean): Promise<string> =>
  screenUntil(session, test, 'the expected text', 5000);

describe('PtySession', () => {
  it('answers the cursor-position query a TUI sends (Codex dies without it)', async () => {
    const s = start('printf "\\033[6n"; read -t 2 -s -d R reply; echo "got:${reply#*[}"');
    await waitForScreen(s, (t) => t.includes('got:1;1'));
  });

  it('renders rows as exact-width ANSI lines, colours and wide characters kept', async () => {
    const s = start('printf "\\033[31mred\\033[0m 漢字 end\\n"; sleep 5');
    await waitForScreen(s, (t) => t.includes('end'));
    const snap = s.takeSnapshot();
    expect(snap?.lines).toHaveLength(6);
    const first = snap!.lines[0]!;
    expect(first).toContain('\x1b[0;31mred');
    // eslint-disable-next-line no-control-regex -- stripping SGR sequences
    expect(first.replace(/\x1b\[[0-9;]*m/g, '')).toBe(`red 漢字 end${' '.repeat(40 - 12)}`);
    expect(s.takeSnapshot()).toBeUndefined();
  });

  it('resizes the emulator and the program together', async () => {
    const s = start('trap "echo size:\\$(stty size)" WINCH; echo ready; while true; do sleep 0.05; done');
    await waitForScreen(s, (t) => t.includes('ready'));
    s.resize(50, 8);
    await waitForScreen(s, (t) => t.includes('size:8 50'));
    expect(s.takeSnapshot()?.lines[0]).toHaveLength(50);
  });

  it('kills the whole process group, background children included', async () => {
    const s = start('sleep 300 & sleep 300 & echo up; wait');
    await waitForScreen(s, (t) => t.includes('up'));
    expect(groupAlive(s.pid)).toBe(true);
    expect(
      runningInGroup(s.pid)
        .map((p) => p.comm)
        .sort(),
      // perl: haco's exit wrapper (src/sessions/exit-wrapper.ts), the pty child and group leader
    ).toEqual(['bash', 'perl', 'sleep', 'sleep']);
    await s.kill(200);
    expect(runningInGroup(s.pid)).toEqual([]);
    expect(groupAlive(s.pid)).toBe(false);
    await expect(s.exited).resolves.toMatchObject({ signal: expect.any(Number) });
  });

  it('splits protocol output into lines and shows what is displayed', async () => {
    const lines: string[] = [];
    const session = new PtySession({
      command: 'bash',
      args: ['-c', 'echo \'{"a":1}\'; printf "partial"; sleep 0.1; echo " line"'],
      cwd: process.cwd(),
      env: {},
      output: { kind: 'lines', onLine: (line) => lines.push(line) },
    });
    sessions.push(session);
    await session.exited;
    expect(lines).toEqual(['{"a":1}', 'partial line']);
    session.display('shown\n');
    await waitForScreen(session, (t) => t.startsWith('shown'));
  });

  describe('with a FIFO as stdin', () => {
    it('feeds lines to the program, which reads end-of-file after closeInput; the FIFO is removed at exit', async () => {
      const { session, lines, fifo } = startWithFifo('bash', [
        '-c',
        'while IFS= read -r l; do echo "got:$l"; done; echo "eof"; [ -t 0 ] || echo "stdin is no tty"',
      ]);
      expect(statSync(fifo).isFIFO()).toBe(true);
      session.writeInput('{"type":"user"}');
      await waitFor(() => lines.includes('got:{"type":"user"}'), 'the first line');
      session.writeInput('second line');
      await waitFor(() => lines.includes('got:second line'), 'the second line');
      expect(lines).not.toContain('eof');
      session.closeInput();
      session.closeInput();
      await expect(session.exited).resolves.toMatchObject({ exitCode: 0 });
      expect(lines.slice(-2)).toEqual(['eof', 'stdin is no tty']);
      expect(existsSync(fifo)).toBe(false);
      session.writeInput('after exit is ignored');
    });

    it('passes arguments through the shell wrapper untouched', async () => {
      const args = ['%s|', 'a b', "it's", '$HOME', '"q"', '*', '$(echo no)', ''];
      const { session, lines } = startWithFifo('printf', args);
      session.closeInput();
      await session.exited;
      expect(lines.join('')).toBe(`a b|it's|$HOME|"q"|*|$(echo no)||`);
    });

    it('runs the program in the process group session.pid leads (a group kill reaches it)', async () => {
      const { session, lines } = startWithFifo('bash', [
        '-c',
        'echo "pgid:$(ps -o pgid= -p $$ | tr -d " ")"; read -r _',
      ]);
      await waitFor(() => lines.some((l) => l.startsWith('pgid:')), 'the pgid line');
      expect(lines).toContain(`pgid:${session.pid}`);
      session.closeInput();
      await session.exited;
    });

    it('does not hang when the program exits without reading, or cannot be started', async () => {
      const quits = startWithFifo('true', []);
      quits.session.writeInput('nobody reads this');
      await expect(quits.session.exited).resolves.toMatchObject({ exitCode: 0 });
      expect(existsSync(quits.fifo)).toBe(false);

      const missing = startWithFifo('haco-no-such-program', []);
      missing.session.writeInput('nobody reads this either');
      await expect(missing.session.exited).resolves.toMatchObject({ exitCode: 127 });
      expect(missing.lines.join('\n')).toContain('haco-no-such-program');
      expect(existsSync(missing.fifo)).toBe(false);
    });

    it('refuses writeInput on a session whose stdin is the pty', () => {
      expect(() => start('true').writeInput('x')).toThrow(/stdin from the pty/);
    });
  });
});

describe('PtySession, how a program ends', () => {
  /** Runs `sh -c script` in a fresh temp dir (`lines` or `screen` mode) with a transcript file. */
  function run(script: string, mode: 'lines' | 'screen', rows = 6) {
    const dir = mkdtempSync(join(tmpdir(), 'haco-end-'));
    dirs.push(dir);
    const transcriptFile = join(dir, 'transcript.log');
    const lines: string[] = [];
    const session = new PtySession({
      command: 'sh',
      args: ['-c', script],
      cwd: dir,
      env: {},
      cols: 60,
      rows,
      transcriptFile,
      output: mode === 'lines' ? { kind: 'lines', onLine: (line) => lines.push(line) } : { kind: 'screen' },
    });
    sessions.push(session);
    return { session, lines, transcriptFile };
  }

  it('keeps the last line of a program that prints and exits at once, 200 runs of 200', async () => {
    // Without the exit wrapper, node-pty drops the tail after ~9 KB of output in most runs.
    const shapes = [
      "printf 'last line\\n'; exit 0",
      "seq 1 2000; printf 'last line\\n'; exit 0",
      "seq 1 2000; printf 'last line'",
    ];
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const shape = shapes[(round * 10 + i) % shapes.length] ?? '';
          const mode = i % 2 === 0 ? 'lines' : 'screen';
          const { session, lines, transcriptFile } = run(shape, mode, 4);
          const exit = await session.exited;
          const transcript = readFileSync(transcriptFile, 'utf8');
          const kept =
            exit.exitCode === 0 &&
            exit.signal === null &&
            transcript.trimEnd().endsWith('last line') &&
            !transcript.includes('\x1b]7770') &&
            (mode === 'lines'
              ? lines.at(-1) === 'last line'
              : session.text().some((row) => row === 'last line') && session.tail(1)[0] === 'last line');
          if (!kept) failures.push(`${mode} · ${shape} · ${JSON.stringify(exit)} · ${lines.at(-1)}`);
          await session.kill(100);
          session.dispose();
          sessions.splice(sessions.indexOf(session), 1);
        }),
      );
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it('reports a signal death with its signal, never as exit code 0, and keeps what it printed', async () => {
    const killed = run("printf 'half written\\n'; kill -9 $$", 'lines');
    await expect(killed.session.exited).resolves.toEqual({ exitCode: 137, signal: 9 });
    expect(killed.lines).toEqual(['half written']);

    const crashed = run("printf 'about to crash\\n'; kill -SEGV $$", 'screen');
    await expect(crashed.session.exited).resolves.toEqual({ exitCode: 139, signal: 11 });
    expect(crashed.session.tail()).toEqual(['about to crash']);

    const failed = run('echo failing >&2; exit 3', 'lines');
    await expect(failed.session.exited).resolves.toEqual({ exitCode: 3, signal: null });
    expect(failed.lines).toEqual(['failing']);
  });

  it('reports the signal of a group kill, and the wrapper does not outlive the program', async () => {
    const { session } = run("trap '' TERM; echo up; while :; do sleep 0.05; done", 'screen');
    await waitForScreen(session, (t) => t.includes('up'));
    await session.kill(300);
    await expect(session.exited).resolves.toEqual({ exitCode: 137, signal: 9 });
    expect(runningInGroup(session.pid)).toEqual([]);
  });

  it('keeps no sentinel look-alike out of the output unless it carries the session nonce', async () => {
    const fake = "printf 'a\\033]7770;haco-end;0000;0;0\\007b\\n'; exit 4";
    const { session, transcriptFile } = run(fake, 'screen');
    await expect(session.exited).resolves.toEqual({ exitCode: 4, signal: null });
    expect(readFileSync(transcriptFile, 'utf8')).toContain('\x1b]7770;haco-end;0000;0;0\x07b');
  });

  it('gives the last non-empty lines of the screen and scrollback as plain text, capped', async () => {
    const script = [
      'i=1; while [ $i -le 30 ]; do printf "\\033[31mline %d\\033[0m\\n\\n" $i; i=$((i+1)); done',
      "printf '%0400d\\n' 0",
      'exit 1',
    ].join('; ');
    const { session } = run(script, 'screen', 5);
    await session.exited;
    const tail = session.tail();
    expect(tail).toHaveLength(10);
    expect(tail.slice(0, 9)).toEqual(Array.from({ length: 9 }, (_, i) => `line ${22 + i}`));
    // 400 characters wrapped over 7 rows of 60 are one line, cut to 300 characters.
    expect(tail[9]).toBe(`${'0'.repeat(299)}…`);
    expect(session.tail(3, 315)).toEqual(['line 30', `${'0'.repeat(299)}…`]);
    const [cut, ...rest] = session.tail(3, 40);
    expect(rest).toEqual([]);
    expect(cut).toMatch(/^0+…$/);
    expect(Buffer.byteLength(cut ?? '') + 1).toBeLessThanOrEqual(40);
  });
});

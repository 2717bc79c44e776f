import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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
    ).toEqual(['bash', 'sleep', 'sleep']);
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

    it('keeps the pid of the program (the shell execs it)', async () => {
      const { session, lines } = startWithFifo('bash', ['-c', 'echo "pid:$$"; read -r _']);
      await waitFor(() => lines.some((l) => l.startsWith('pid:')), 'the pid line');
      expect(lines).toContain(`pid:${session.pid}`);
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

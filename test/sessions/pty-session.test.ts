import { afterEach, describe, expect, it } from 'vitest';

import { groupAlive } from '../../src/sessions/process-group.js';
import { PtySession } from '../../src/sessions/pty-session.js';
import { runningInGroup } from '../helpers/processes.js';

const sessions: PtySession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) {
    await s.kill(100);
    s.dispose();
  }
});

function start(script: string, cols = 40, rows = 6): PtySession {
  const session = new PtySession({ command: 'bash', args: ['-c', script], cwd: process.cwd(), env: {}, cols, rows, output: { kind: 'screen' } });
  sessions.push(session);
  return session;
}

/** Waits until the screen satisfies `test`, polling; fails after `ms`. */
async function waitForScreen(session: PtySession, test: (text: string) => boolean, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = session.text().join('\n');
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`screen never matched; last:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
    expect(runningInGroup(s.pid).map((p) => p.comm).sort()).toEqual(['bash', 'sleep', 'sleep']);
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
});

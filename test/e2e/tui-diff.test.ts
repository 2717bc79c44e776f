/**
 * End-to-end: the diff pane of the built `haco-tui` bin in a real pty (120×40). A fake `command`
 * agent appends to its owned file in three steps; before steps 2 and 3 it waits for a marker file
 * that the test creates only after the screen showed the previous step's diff, so every step is
 * asserted on screen without sleeping.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { PtySession } from '../../src/sessions/pty-session.js';

const BIN = fileURLToPath(new URL('../../dist/src/cli/haco-tui.js', import.meta.url));
const STEP_MS = 20_000;

/**
 * Appends one line per step to notes.txt. Before steps 2 and 3 it polls for `.step2` / `.step3`
 * (git-ignored, so not an ownership violation); it gives up after about 30 s so a failed test
 * leaves no agent behind.
 */
const FAKE_AGENT = `#!/bin/sh
wait_for() {
  n=0
  while [ ! -f "$1" ]; do
    n=$((n + 1))
    [ "$n" -gt 600 ] && { echo "gave up waiting for $1"; exit 1; }
    sleep 0.05
  done
}
echo "step one line" >> notes.txt; echo "wrote step 1"
wait_for .step2
echo "step two line" >> notes.txt; echo "wrote step 2"
wait_for .step3
echo "step three line" >> notes.txt; echo "wrote step 3"
`;

const PLAN = `version: 1
goal: grow the notes
tasks:
  - id: notes
    title: write notes
    agent: fake
    files: [notes.txt]
    depends_on: []
    prompt: Add three lines to notes.txt.
    verify: ["grep -q 'step three line' notes.txt"]
`;

/** Resolves once the screen satisfies `test`; fails with the screen after `ms`. */
async function screenUntil(
  session: PtySession,
  test: (screen: string) => boolean,
  what: string,
  ms = STEP_MS,
): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = session.text().join('\n');
    if (test(screen)) return screen;
    if (Date.now() > deadline)
      throw new Error(`screen never showed ${what} within ${ms} ms; it shows:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('haco-tui diff pane', () => {
  let root: string;
  let session: PtySession | undefined;

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build before the e2e tests`);
  });

  afterEach(async () => {
    if (session && !session.isExited) await session.kill(200);
    session?.dispose();
    session = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  function makeRepo(): string {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'haco-tui-diff-')));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    mkdirSync(join(root, 'home'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo });
    git('init', '-q');
    git('config', 'user.name', 'test');
    git('config', 'user.email', 'test@example.com');
    writeFileSync(join(repo, 'fake-agent.sh'), FAKE_AGENT);
    chmodSync(join(repo, 'fake-agent.sh'), 0o755);
    writeFileSync(
      join(repo, 'cfg.yaml'),
      'agents:\n  fake:\n    type: command\n    command: ./fake-agent.sh\ndefaults:\n  agent: fake\n',
    );
    writeFileSync(join(repo, 'plan.yaml'), PLAN);
    writeFileSync(join(repo, 'notes.txt'), '# notes\n');
    writeFileSync(join(repo, '.gitignore'), '.step*\n');
    git('add', '.');
    git('commit', '-qm', 'initial');
    return repo;
  }

  it('shows the growing diff of a fake agent that writes one file in 3 steps', async () => {
    const repo = makeRepo();
    session = new PtySession({
      command: process.execPath,
      args: [BIN, '--plan', 'plan.yaml', '--config', 'cfg.yaml', '--theme', 'dark'],
      cwd: repo,
      env: { HOME: join(root, 'home') },
      cols: 120,
      rows: 40,
      output: { kind: 'screen' },
    });
    await screenUntil(session, (s) => s.includes('BREAKPOINT 1 of 1'), 'the plan-approval breakpoint');
    session.write('a');

    let screen = await screenUntil(
      session,
      (s) => s.includes('Diff · notes · notes.txt +1 −0'),
      'the diff after step 1',
    );
    expect(screen).toMatch(/│▸ notes\.txt {2}\+1 −0 +│/);
    expect(screen).toContain('│@@ -1,1 +1,2 @@');
    expect(screen).toContain('│ # notes');
    expect(screen).toContain('│+step one line');
    expect(screen).not.toContain('step two line');
    expect(screen).toContain('d diff');

    writeFileSync(join(repo, '.step2'), '');
    screen = await screenUntil(
      session,
      (s) => s.includes('Diff · notes · notes.txt +2 −0'),
      'the diff after step 2',
    );
    expect(screen).toContain('│+step one line');
    expect(screen).toContain('│+step two line');
    expect(screen).not.toContain('step three line');

    writeFileSync(join(repo, '.step3'), '');
    screen = await screenUntil(
      session,
      (s) => s.includes('Diff · notes · notes.txt +3 −0'),
      'the diff after step 3',
    );
    expect(screen).toContain('│@@ -1,1 +1,4 @@');
    expect(screen).toContain('│+step one line');
    expect(screen).toContain('│+step two line');
    expect(screen).toContain('│+step three line');
    expect(screen).not.toContain('BREAKPOINT'); // the markers are git-ignored: no ownership violation

    // Once the run is over the pane still shows what the task changed; d hides and shows it.
    screen = await screenUntil(session, (s) => s.includes('run completed'), '"run completed"');
    expect(screen).toContain('Diff · notes · notes.txt +3 −0');
    session.write('d');
    await screenUntil(session, (s) => !s.includes('Diff ·'), 'the diff pane hidden');
    session.write('d');
    await screenUntil(session, (s) => s.includes('Diff · notes · notes.txt +3 −0'), 'the diff pane again');

    session.write('q');
    expect((await session.exited).exitCode).toBe(0);
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: repo, encoding: 'utf8' });
    expect(log).toContain('haco(notes): write notes');
  });
});

/**
 * End-to-end: the diff pane of the built `haco-tui` bin in a real pty (120×40). A fake `command`
 * agent appends to its owned file in three steps; before steps 2 and 3 it waits for a marker file
 * that the test creates only after the screen showed the previous step's diff, so every step is
 * asserted on screen without sleeping.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { PtySession } from '../../src/sessions/pty-session.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { FAKE_AGENT_CONFIG, screenUntil, startTui } from '../helpers/tui.js';

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

describe('haco-tui diff pane', () => {
  let repo: TempRepo | undefined;
  let session: PtySession | undefined;

  afterEach(async () => {
    if (session && !session.isExited) await session.kill(200);
    session?.dispose();
    session = undefined;
    repo?.dispose();
  });

  function setup(): TempRepo {
    repo = makeRepo({
      files: {
        'fake-agent.sh': FAKE_AGENT,
        'cfg.yaml': FAKE_AGENT_CONFIG,
        'plan.yaml': PLAN,
        'notes.txt': '# notes\n',
        '.gitignore': '.step*\n',
      },
      executables: ['fake-agent.sh'],
    });
    return repo;
  }

  it('shows the growing diff of a fake agent that writes one file in 3 steps', async () => {
    const repo = setup();
    session = startTui(repo, ['--plan', 'plan.yaml', '--config', 'cfg.yaml', '--theme', 'dark']);
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

    repo.write('.step2', '');
    screen = await screenUntil(
      session,
      (s) => s.includes('Diff · notes · notes.txt +2 −0'),
      'the diff after step 2',
    );
    expect(screen).toContain('│+step one line');
    expect(screen).toContain('│+step two line');
    expect(screen).not.toContain('step three line');

    repo.write('.step3', '');
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
    const log = repo.git('log', '--format=%s');
    expect(log).toContain('haco(notes): write notes');
  });
});

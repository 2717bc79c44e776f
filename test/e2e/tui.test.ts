/**
 * End-to-end: the built `haco-tui` bin in a real pty (the project's own PtySession, 120×40), on a
 * temp git repo with a fake `command` agent, driven by keystrokes like a user.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { PtySession } from '../../src/sessions/pty-session.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { FAKE_AGENT_CONFIG, screenUntil, startTui } from '../helpers/tui.js';

/** Prints a few lines slowly, then writes each owned file (HACO_OWNED_FILES, one per line). */
const FAKE_AGENT = `#!/bin/sh
for i in 1 2 3; do echo "working $HACO_TASK_ID $i"; sleep 0.3; done
printf '%s\\n' "$HACO_OWNED_FILES" | while read -r f; do echo "written by $HACO_TASK_ID" > "$f"; done
`;

const PLAN = `version: 1
goal: write two files
tasks:
  - id: alpha
    title: write alpha
    agent: fake
    files: [alpha.txt]
    depends_on: []
    prompt: Write alpha.txt.
    verify: ["test -f alpha.txt"]
  - id: beta
    title: write beta
    agent: fake
    files: [beta.txt]
    depends_on: []
    prompt: Write beta.txt.
    verify: ["test -f beta.txt"]
`;

describe('haco-tui in a terminal', () => {
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
      files: { 'fake-agent.sh': FAKE_AGENT, 'cfg.yaml': FAKE_AGENT_CONFIG, 'plan.yaml': PLAN },
      executables: ['fake-agent.sh'],
    });
    return repo;
  }

  it('shows the plan, waits for approval, streams both workers, and exits 0 after the run completed', async () => {
    const repo = setup();
    // CI=1 on purpose: the dashboard must still draw live frames (Ink 6.8 reads CI at import).
    session = startTui(repo, ['--plan', 'plan.yaml', '--config', 'cfg.yaml']);

    let screen = await screenUntil(
      session,
      (s) => s.includes('BREAKPOINT 1 of 1'),
      'the plan-approval breakpoint',
    );
    expect(screen).toContain('approve the plan "write two files": 2 task(s)');
    expect(screen).toMatch(/1 alpha +fake/);
    expect(screen).toMatch(/2 beta +fake/);
    expect(screen).toContain('a approve · r reject');
    expect(screen).not.toContain('working alpha');

    session.write('a');
    screen = await screenUntil(
      session,
      (s) => /│working alpha \d/.test(s) && /│working beta \d/.test(s),
      'live output of both workers',
    );
    expect(screen).toMatch(/1 alpha · fake · \d+s/);
    expect(screen).toMatch(/2 beta · fake · \d+s/);
    expect(screen).not.toContain('BREAKPOINT');

    screen = await screenUntil(session, (s) => s.includes('run completed'), '"run completed"');
    expect(screen).toContain('2/2 done');
    expect(screen).toContain('working alpha 3');
    expect(screen).toContain('working beta 3');
    expect(screen.split('\n')).toHaveLength(40);

    session.write('q');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(0);
    const log = repo.git('log', '--format=%s');
    expect(log).toContain('haco(alpha): write alpha');
    expect(log).toContain('haco(beta): write beta');
  });
});

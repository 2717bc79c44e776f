/**
 * End-to-end: the built `haco-tui` bin in a real pty (the project's own PtySession, 120×40), on a
 * temp git repo with a fake `command` agent, driven by keystrokes like a user.
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

describe('haco-tui in a terminal', () => {
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
    root = realpathSync(mkdtempSync(join(tmpdir(), 'haco-tui-e2e-')));
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
    git('add', '.');
    git('commit', '-qm', 'initial');
    return repo;
  }

  it('shows the plan, waits for approval, streams both workers, and exits 0 after the run completed', async () => {
    const repo = makeRepo();
    // CI=1 on purpose: the dashboard must still draw live frames (Ink 6.8 reads CI at import).
    session = new PtySession({
      command: '/bin/sh',
      args: [
        '-c',
        'CI=1 exec "$0" "$@"',
        process.execPath,
        BIN,
        '--plan',
        'plan.yaml',
        '--config',
        'cfg.yaml',
      ],
      cwd: repo,
      env: { HOME: join(root, 'home') },
      cols: 120,
      rows: 40,
      output: { kind: 'screen' },
    });

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
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: repo, encoding: 'utf8' });
    expect(log).toContain('haco(alpha): write alpha');
    expect(log).toContain('haco(beta): write beta');
  });
});

/**
 * End-to-end: `haco-tui "REQUEST"` in a real pty (the project's own PtySession, 120×40) plans with
 * the anthropic supervisor against the scripted model server, shows the planning as it streams
 * (a refused first answer and its repair round), the plan for approval, an edit in a real
 * `$EDITOR` (a script), and the run after `a`, with `command` agents.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { PtySession } from '../../src/sessions/pty-session.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { screenUntil, TUI_BIN } from '../helpers/tui.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';

const AGENT = '#!/bin/sh\nmkdir -p out && echo "$HACO_TASK_ID" > "out/$HACO_TASK_ID.txt"\n';

const TASKS = [
  {
    id: 'api',
    title: 'write the api',
    files: ['out/api.txt'],
    prompt: 'write the api',
    verify: ['test -f out/api.txt'],
  },
  {
    id: 'ui',
    title: 'write the page',
    files: ['out/ui.txt'],
    depends_on: ['api'],
    prompt: 'write the page',
    verify: ['test -f out/ui.txt'],
  },
];
const GOOD_PLAN = { version: 1, goal: 'add a greeting API and its page', tasks: TASKS };
/** Both tasks own `out/` with no dependency between them: refused as overlapping ownership. */
const OVERLAP_PLAN = {
  ...GOOD_PLAN,
  tasks: TASKS.map((t) => ({ ...t, files: ['out/'], depends_on: [] })),
};

/** The `$EDITOR`: edits the file it is given with the sed script the test left in `$HOME/edit.sed`. */
const EDITOR = `#!/bin/sh\nsed -i -f "$HOME/edit.sed" "$1"\n`;
/** Changes the ui task's verify command. */
const EDIT_VERIFY = 's#test -f out/ui.txt#test -s out/ui.txt#\n';

describe('haco-tui "REQUEST" in a terminal', () => {
  let repo: TempRepo | undefined;
  let server: ModelServer | undefined;
  let session: PtySession | undefined;

  afterEach(async () => {
    if (session && !session.isExited) await session.kill(200);
    session?.dispose();
    session = undefined;
    await server?.close();
    repo?.dispose();
  });

  /** A repo with the fake agent, the server playing `turns`, and `haco-tui ARGS` started in a pty. */
  async function start(turns: { text: string; delayMs?: number }[], args: (config: string) => string[]) {
    repo = makeRepo({
      files: { 'README.md': '# greeter\n', 'tools/agent.sh': AGENT, 'plan.yaml': JSON.stringify(GOOD_PLAN) },
      executables: ['tools/agent.sh'],
    });
    server = await startModelServer({ root: repo.root, sequential: true, anthropic: turns });
    const config = join(repo.home, 'cfg.yaml');
    writeFileSync(
      config,
      [
        'agents:',
        '  fake: {type: command, command: ./tools/agent.sh, price: {input_per_mtok: 1, output_per_mtok: 5}}',
        'defaults: {agent: fake}',
        `supervisor: {provider: anthropic, base_url: "${server.url}", api_key_env: HACO_TEST_KEY, price: {input_per_mtok: 3, output_per_mtok: 15}}`,
        '',
      ].join('\n'),
    );
    const editor = join(repo.home, 'editor.sh');
    writeFileSync(editor, EDITOR);
    chmodSync(editor, 0o755);
    session = new PtySession({
      command: '/bin/sh',
      args: ['-c', 'CI=1 exec "$0" "$@"', process.execPath, TUI_BIN, ...args(config)],
      cwd: repo.root,
      env: { HOME: repo.home, HACO_TEST_KEY: 'sk-test', EDITOR: editor },
      cols: 120,
      rows: 40,
      output: { kind: 'screen' },
    });
    return { repo, server, session };
  }

  it('streams the planning, shows the plan, edits it in $EDITOR, and runs it after a', async () => {
    const { repo, server, session } = await start(
      [
        { text: JSON.stringify(OVERLAP_PLAN) },
        // The scripted server waits before the repaired answer, so the repair round stays on screen.
        { text: JSON.stringify(GOOD_PLAN), delayMs: 1500 },
      ],
      (config) => ['add a greeting API and its page', '--config', config],
    );
    let screen = await screenUntil(session, (s) => s.includes('repair round 1'), 'the repair round');
    expect(screen).toContain('request: add a greeting API and its page');
    expect(screen).toContain('supervisor: anthropic (claude-sonnet-4-5)');
    expect(screen).toMatch(/overlap/i);
    // the refused answer as it streamed
    expect(screen).toContain('refused answer 1:');
    expect(screen).toContain('"files":["out/"]');

    screen = await screenUntil(session, (s) => s.includes('Plan for approval'), 'the plan for approval');
    expect(screen).toContain('Plan for approval · add a greeting API and its page');
    expect(screen).toMatch(
      /estimate ≈ [\d.k]+\/[\d.k]+ tok · ≈ \$\d+\.\d\d · planning 2 calls [\d.k]+\/[\d.k]+ tok \$\d+\.\d\d/,
    );
    expect(screen).toContain('│api → fake · defaults.agent · ≈ $0.02');
    expect(screen).toContain('│└─ ui → fake');
    expect(screen).toContain('  files  out/ui.txt');
    expect(screen).toContain('  verify test -f out/ui.txt');
    expect(screen).toContain('a approve and run · e edit in $EDITOR · r reject');

    writeFileSync(join(repo.home, 'edit.sed'), EDIT_VERIFY);
    session.write('e');
    screen = await screenUntil(
      session,
      (s) => s.includes('verify test -s out/ui.txt'),
      'the edited verify command',
    );
    expect(screen).not.toContain('verify test -f out/ui.txt');
    expect(screen).toContain('Plan for approval');

    session.write('a');
    screen = await screenUntil(session, (s) => s.includes('run completed'), '"run completed"');
    expect(screen).toContain('2/2 done');
    session.write('q');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(0);

    const log = repo.git('log', '--format=%s');
    expect(log).toContain('haco(api): write the api');
    expect(log).toContain('haco(ui): write the page');
    expect(repo.git('status', '--porcelain')).toBe('');
    const plans = readdirSync(join(repo.root, '.haco', 'plans'));
    expect(plans).toHaveLength(1);
    const saved = readFileSync(join(repo.root, '.haco', 'plans', plans[0] ?? ''), 'utf8');
    expect(saved).toContain('test -s out/ui.txt');
    expect(server.turnsOf('anthropic')).toHaveLength(2);
  });

  it('ends persistently refused planning with the one line naming the saved answers; q exits 2', async () => {
    const bad = { text: JSON.stringify(OVERLAP_PLAN) };
    const { repo, session } = await start([bad, bad, bad], (config) => [
      'add a greeting',
      '--config',
      config,
    ]);
    const screen = await screenUntil(session, (s) => s.includes('Planning failed'), 'the planning failure');
    expect(screen).toContain('repair round 2: the answer was refused');
    expect(screen.replace(/│\n│/g, '')).toMatch(
      /no valid plan after 2 repair rounds .*answers saved in \.haco\/supervisor\/plan-/,
    );
    session.write('a');
    session.write('q');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(2);
    expect(session.text().join('\n')).toMatch(/haco-tui: supervisor \(anthropic\): no valid plan/);
    // only the refused answers were written
    expect(readdirSync(join(repo.root, '.haco')).sort()).toEqual(['supervisor']);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('refuses an edit that breaks the plan with its validation lines, and takes the next edit', async () => {
    const { repo, session } = await start([{ text: JSON.stringify(GOOD_PLAN) }], (config) => [
      'add a greeting',
      '--config',
      config,
    ]);
    await screenUntil(session, (s) => s.includes('Plan for approval'), 'the plan for approval');
    writeFileSync(join(repo.home, 'edit.sed'), 's#- api$#- nope#\n');
    session.write('e');
    let screen = await screenUntil(
      session,
      (s) => s.includes('the edited plan is not valid'),
      'the refused edit',
    );
    expect(screen).toContain('tasks[1].depends_on[0]: unknown task "nope"');
    expect(screen).toContain('e edit again · r reject');
    session.write('a'); // off while the plan is invalid
    writeFileSync(join(repo.home, 'edit.sed'), 's#- nope$#- api#\n' + EDIT_VERIFY);
    session.write('e');
    // The whole frame: the edited plan and the keys under it (a frame can be caught half drawn).
    screen = await screenUntil(
      session,
      (s) => s.includes('verify test -s out/ui.txt') && s.includes('a approve and run'),
      'the fixed edit',
    );
    expect(screen).not.toContain('the edited plan is not valid');
    expect(screen).toContain('a approve and run');
    session.write('r');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(1);
    expect(session.text().join('\n')).toContain('plan rejected · nothing was run');
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
    expect(existsSync(join(repo.root, 'out'))).toBe(false);
  });

  it('stops planning on q while the supervisor answers: exit 130, nothing written', async () => {
    const { repo, server, session } = await start(
      [{ text: JSON.stringify(GOOD_PLAN), delayMs: 30_000 }],
      (config) => ['add a greeting', '--config', config],
    );
    await screenUntil(session, (s) => s.includes('answer 1:'), 'the planning screen');
    await vi.waitFor(() => expect(server.turnsOf('anthropic')).toHaveLength(1), { timeout: 10_000 });
    session.write('q');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(130);
    expect(session.text().join('\n')).toContain('planning interrupted · nothing was run');
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
  });

  it('shows the same plan view for a plan file named as the argument; r rejects it', async () => {
    const { repo, server, session } = await start([], (config) => ['plan.yaml', '--config', config]);
    const screen = await screenUntil(
      session,
      (s) => s.includes('BREAKPOINT 1 of 1'),
      'the plan-approval breakpoint',
    );
    expect(screen).toContain('Plan for approval · add a greeting API and its page');
    expect(screen).toMatch(/│estimate ≈ [\d.k]+\/[\d.k]+ tok · ≈ \$0\.04 +│/);
    expect(screen).not.toContain('planning');
    expect(screen).toContain('└─ ui → fake · defaults.agent');
    expect(screen).toContain('  verify test -f out/ui.txt');
    session.write('r');
    const after = await screenUntil(session, (s) => s.includes('run cancelled'), '"run cancelled"');
    expect(after).not.toContain('Plan for approval');
    session.write('q');
    const exit = await session.exited;
    expect(exit.exitCode).toBe(1);
    expect(existsSync(join(repo.root, 'out'))).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { OPENCODE_BIN } from '../support/cli-env.js';
import { startModelServer, type ModelServer, type Turn } from '../support/model-server.js';

/** A repo with a config naming the real opencode against `server`, and a one-task plan owning `files`. */
async function setUp(
  context: TestContext,
  turns: (root: string) => Turn[],
  files: string[],
  permissions?: { outside_write: 'deny' | 'breakpoint' },
): Promise<{ repo: TempRepo; server: ModelServer }> {
  const repo = makeRepo({ files: { 'README.md': '# demo\n' } });
  context.onTestFinished(() => repo.dispose());
  const server = await startModelServer({ root: repo.root, chat: turns(repo.root) });
  context.onTestFinished(() => server.close());
  writeFileSync(
    join(repo.root, 'haco-config.yaml'),
    stringify({
      agents: {
        oc: {
          type: 'opencode',
          command: OPENCODE_BIN,
          model: 'stub/stub-model',
          base_url: `${server.url}/v1`,
          price: { input_per_mtok: 3, output_per_mtok: 15 },
        },
      },
      defaults: { agent: 'oc', timeout: '2m' },
      ...(permissions ? { permissions } : {}),
    }),
  );
  writeFileSync(
    join(repo.root, 'plan.yaml'),
    stringify({
      version: 1,
      goal: 'opencode',
      tasks: [{ id: 'mine', title: 'mine', files, prompt: 'write your files' }],
    }),
  );
  // The plan and config are the user's own files, committed before the run.
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'plan');
  return { repo, server };
}

const run = (repo: TempRepo) =>
  runHaco(['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });

describe('opencode worker (the real opencode 1.18 against the scripted server)', { timeout: 240_000 }, () => {
  it('writes inside the task’s files, is refused outside before the write, and records tokens and cost', async (context) => {
    const { repo, server } = await setUp(
      context,
      () => [
        { write: { path: 'src/mine/a.txt', content: 'mine\n' } },
        { write: { path: 'src/other.txt', content: 'not mine\n' } },
        { text: 'Wrote src/mine/a.txt' },
      ],
      ['src/mine/'],
    );
    const result = await run(repo);
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    const task = summary.tasks.find((t) => t.id === 'mine');
    expect(task?.status).toBe('done');

    // Inside: written and committed alone.
    expect(readFileSync(join(repo.root, 'src/mine/a.txt'), 'utf8')).toBe('mine\n');
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').split('\n')).toEqual(['src/mine/a.txt']);
    // Outside: never on disk; haco's plugin refused it before the write, naming the owned path.
    expect(existsSync(join(repo.root, 'src/other.txt'))).toBe(false);
    const results = server.turnsOf('chat').flatMap((r) => r.toolResults);
    expect(results.map((r) => r.content)).toContain(
      "haco: src/other.txt is outside this task's files; you own: src/mine/**. Change only those.",
    );
    // opencode's project id in .git/ is not a violation, and nothing else is left in the work tree.
    expect(repo.git('status', '--porcelain')).toBe('');

    // Tokens summed over the steps, and opencode's own cost (priced from the config's price).
    expect(task?.tokens.input).toBeGreaterThan(0);
    expect(task?.tokens.output).toBeGreaterThan(0);
    expect(task?.cost_usd).toBeGreaterThan(0);
    const status = await runHaco(['status', '--json'], { cwd: repo.root, env: { HOME: repo.home } });
    const statusTask = (JSON.parse(status.stdout) as RunSummary).tasks[0];
    expect(statusTask).toMatchObject({ tokens: task?.tokens, cost_usd: task?.cost_usd });
  });

  it('with outside_write: breakpoint the run pauses (exit 3) before the write; reject + resume completes it', async (context) => {
    const { repo } = await setUp(
      context,
      () => [
        { write: { path: 'src/other.txt', content: 'not mine\n' } },
        { write: { path: 'src/mine/a.txt', content: 'mine\n' } },
        { text: 'Wrote src/mine/a.txt' },
      ],
      ['src/mine/'],
      { outside_write: 'breakpoint' },
    );
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await run(repo);
    expect(paused.exitCode, `${paused.stderr}\n${paused.stdout}`).toBe(3);
    expect(existsSync(join(repo.root, 'src/other.txt'))).toBe(false);
    const summary = JSON.parse(paused.stdout) as RunSummary;
    const asked = summary.breakpoints.find((b) => b.kind === 'agent_permission');
    expect(asked).toMatchObject({
      task: 'mine',
      status: 'pending',
      message: expect.stringContaining('src/other.txt'),
    });

    expect((await runHaco(['reject', summary.run_id, String(asked!.id)], opts)).exitCode).toBe(0);
    const resumed = await runHaco(['resume', summary.run_id, '--json'], opts);
    expect(resumed.exitCode, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    const done = JSON.parse(resumed.stdout) as RunSummary;
    expect(done.tasks[0]).toMatchObject({ id: 'mine', status: 'done' });
    expect(existsSync(join(repo.root, 'src/other.txt'))).toBe(false);
    expect(
      repo.git('show', '--name-only', '--format=', done.tasks[0]!.commit!).split('\n').filter(Boolean),
    ).toEqual(['src/mine/a.txt']);
  });
});

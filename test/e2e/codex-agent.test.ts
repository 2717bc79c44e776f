/**
 * End-to-end: the real codex CLI (@openai/codex 0.171) as a `codex` agent, through the built
 * `haco run --yes --json`, against the scripted model server's Responses dialect. No network
 * beyond 127.0.0.1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';
import { CODEX_BIN, CODEX_MODEL } from '../support/cli-env.js';
import { startModelServer, type ModelServer, type Turn } from '../support/model-server.js';

async function setUp(
  context: TestContext,
  turns: Turn[],
  task: { id: string; files: string[] },
  permissions?: { outside_write?: 'deny' | 'breakpoint' },
): Promise<{ repo: TempRepo; server: ModelServer }> {
  const repo = makeRepo({ files: { 'README.md': '# demo\n' } });
  context.onTestFinished(() => repo.dispose());
  const server = await startModelServer({ root: repo.root, responses: turns });
  context.onTestFinished(() => server.close());
  writeFileSync(
    join(repo.root, 'haco-config.yaml'),
    stringify({
      agents: {
        codex: { type: 'codex', command: CODEX_BIN, model: CODEX_MODEL, base_url: `${server.url}/v1` },
      },
      defaults: { agent: 'codex', timeout: '2m' },
      ...(permissions ? { permissions } : {}),
    }),
  );
  writeFileSync(
    join(repo.root, 'plan.yaml'),
    stringify({
      version: 1,
      goal: 'codex',
      tasks: [{ id: task.id, title: task.id, files: task.files, prompt: `write ${task.files.join(', ')}` }],
    }),
  );
  return { repo, server };
}

const runPlan = (repo: TempRepo) =>
  runHaco(['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });

describe('codex agent', () => {
  it('a write inside the task’s files completes and is committed alone, with codex’s tokens', async (context) => {
    const { repo, server } = await setUp(
      context,
      [{ write: { path: 'src/hello.txt', content: 'hello from codex\n' } }, { text: 'Wrote it.' }],
      { id: 'hello', files: ['src/**'] },
    );
    const run = await runPlan(repo);
    expect(run.stderr).not.toContain('internal error');
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    const task = summary.tasks.find((t) => t.id === 'hello')!;
    expect(task).toMatchObject({ status: 'done', attempts: 1 });
    expect(readFileSync(join(repo.root, 'src/hello.txt'), 'utf8')).toBe('hello from codex\n');
    expect(repo.git('show', '--name-only', '--format=', task.commit!).split('\n').filter(Boolean)).toEqual([
      'src/hello.txt',
    ]);
    // The patch was allowed by the hook: its result reached the model as a success.
    const results = server.turnsOf('responses').at(-1)?.toolResults ?? [];
    expect(results.map((r) => r.content).join('\n')).toContain('Success');

    // codex's thread id and tokens (turn.completed.usage) are recorded; status --json shows them.
    const [attempt] = withState(repo.root, (db) => db.getAttempts(summary.run_id, 'hello'));
    expect(attempt?.sessionId).toMatch(/^[0-9a-f-]{20,}$/);
    expect(attempt?.inputTokens).toBeGreaterThan(0);
    expect(attempt?.outputTokens).toBeGreaterThan(0);
    const status = await runHaco(['status', '--json'], { cwd: repo.root, env: { HOME: repo.home } });
    const statusTask = (JSON.parse(status.stdout) as RunSummary).tasks[0];
    expect(statusTask?.tokens).toEqual({ input: attempt?.inputTokens, output: attempt?.outputTokens });
  });

  it('a write outside the task’s files never reaches the disk; the model is told the owned files', async (context) => {
    const { repo, server } = await setUp(
      context,
      [
        { write: { path: 'stolen.txt', content: 'not mine\n' } },
        { write: { path: 'mine.txt', content: 'mine\n' } },
        { text: 'Done.' },
      ],
      { id: 'mine', files: ['mine.txt'] },
    );
    const run = await runPlan(repo);
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    expect(existsSync(join(repo.root, 'stolen.txt'))).toBe(false);
    expect(readFileSync(join(repo.root, 'mine.txt'), 'utf8')).toBe('mine\n');
    const denied = server.turnsOf('responses')[1]?.toolResults[0];
    expect(denied?.content).toContain('Command blocked by PreToolUse hook');
    expect(denied?.content).toContain("stolen.txt is outside this task's files; you own: mine.txt");
    const task = (JSON.parse(run.stdout) as RunSummary).tasks[0]!;
    expect(repo.git('show', '--name-only', '--format=', task.commit!).split('\n').filter(Boolean)).toEqual([
      'mine.txt',
    ]);
  });

  it('a shell heredoc apply_patch outside the task’s files is refused before the write too', async (context) => {
    const heredoc =
      "apply_patch <<'PATCH'\n*** Begin Patch\n*** Add File: stolen.txt\n+not mine\n*** End Patch\nPATCH\n";
    const { repo, server } = await setUp(
      context,
      [
        { shell: { command: heredoc } },
        { write: { path: 'mine.txt', content: 'mine\n' } },
        { text: 'Done.' },
      ],
      { id: 'mine', files: ['mine.txt'] },
    );
    const run = await runPlan(repo);
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    expect(existsSync(join(repo.root, 'stolen.txt'))).toBe(false);
    const denied = server.turnsOf('responses')[1]?.toolResults[0];
    expect(denied?.content).toContain("stolen.txt is outside this task's files; you own: mine.txt");
  });

  it('with outside_write: breakpoint the run pauses (exit 3) before the write; reject + resume completes it', async (context) => {
    const { repo, server } = await setUp(
      context,
      [
        { write: { path: 'stolen.txt', content: 'not mine\n' } },
        { write: { path: 'mine.txt', content: 'mine\n' } },
        { text: 'Done.' },
      ],
      { id: 'mine', files: ['mine.txt'] },
      { outside_write: 'breakpoint' },
    );
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await runPlan(repo);
    expect(paused.exitCode, `${paused.stderr}\n${paused.stdout}`).toBe(3);
    expect(existsSync(join(repo.root, 'stolen.txt'))).toBe(false);
    const summary = JSON.parse(paused.stdout) as RunSummary;
    const asked = summary.breakpoints.find((b) => b.kind === 'agent_permission');
    expect(asked).toMatchObject({
      task: 'mine',
      status: 'pending',
      message: expect.stringContaining('stolen.txt'),
    });

    expect((await runHaco(['reject', summary.run_id, String(asked!.id)], opts)).exitCode).toBe(0);
    const resumed = await runHaco(['resume', summary.run_id, '--json'], opts);
    expect(resumed.exitCode, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    const done = JSON.parse(resumed.stdout) as RunSummary;
    expect(done.tasks[0]).toMatchObject({ id: 'mine', status: 'done' });
    expect(existsSync(join(repo.root, 'stolen.txt'))).toBe(false);
    expect(
      repo.git('show', '--name-only', '--format=', done.tasks[0]!.commit!).split('\n').filter(Boolean),
    ).toEqual(['mine.txt']);
    // The resumed codex thread heard the user's answer to the question its stopped attempt asked.
    const told = server.turnsOf('responses').flatMap((r) => r.userTexts);
    expect(told.some((t) => t.includes('- refused: haco: apply_patch of stolen.txt'))).toBe(true);
  });

  it('shell commands follow permissions.bash_allow: listed ones run, others pause the run before they run', async (context) => {
    const { repo, server } = await setUp(
      context,
      [
        { shell: { command: 'git status --short' } },
        { shell: { command: 'echo x > shell.txt' } },
        { write: { path: 'mine.txt', content: 'mine\n' } },
        { text: 'Done.' },
      ],
      { id: 'mine', files: ['mine.txt'] },
    );
    const paused = await runPlan(repo);
    expect(paused.exitCode, `${paused.stderr}\n${paused.stdout}`).toBe(3);
    // The listed command ran (its output reached the model); the other never did.
    const first = server.turnsOf('responses')[1]?.toolResults[0];
    expect(first?.content).not.toContain('blocked');
    expect(existsSync(join(repo.root, 'shell.txt'))).toBe(false);
    const summary = JSON.parse(paused.stdout) as RunSummary;
    expect(summary.breakpoints.find((b) => b.kind === 'agent_permission')?.message).toContain(
      'echo x > shell.txt',
    );
  });
});

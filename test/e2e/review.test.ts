import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it, vi, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import { StateDb } from '../../src/db/state-db.js';
import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { startModelServer, type ModelServer, type Turn } from '../support/model-server.js';

/**
 * The reviewer end to end: `command` agents (real executables) do the work, the supervisor is the
 * `anthropic` provider (the real @anthropic-ai/sdk) against the scripted model server, whose k-th
 * review request gets the k-th turn (`sequential`).
 */

/** A review answer as the model's text (the anthropic client reads a text answer as JSON). */
const answer = (verdict: 'approve' | 'changes', confidence: number, comments: string[]): Turn => ({
  text: JSON.stringify({ verdict, confidence, comments }),
});

/** A worker writing `draft` into a.txt, or `fixed` once its prompt carries the reviewer's comments. */
const WORKER = `#!/bin/sh
if grep -q 'the reviewer asked for changes' "$HACO_PROMPT_FILE"; then echo fixed > a.txt; else echo draft > a.txt; fi
`;

interface Setup {
  readonly reviews: Turn[];
  readonly review?: Record<string, unknown>;
}

async function setUp(context: TestContext, setup: Setup): Promise<{ repo: TempRepo; server: ModelServer }> {
  const repo = makeRepo({
    files: { 'README.md': '# demo\n', 'worker.sh': WORKER },
    executables: ['worker.sh'],
  });
  context.onTestFinished(() => repo.dispose());
  const server = await startModelServer({ root: repo.root, anthropic: setup.reviews, sequential: true });
  context.onTestFinished(() => server.close());
  const config = {
    agents: { w: { type: 'command', command: './worker.sh' } },
    defaults: { agent: 'w', timeout: '1m', retries: 0 },
    supervisor: {
      provider: 'anthropic',
      base_url: server.url,
      api_key_env: 'REVIEW_KEY',
      price: { input_per_mtok: 3, output_per_mtok: 15 },
    },
    review: { mode: 'always', ...setup.review },
  };
  writeFileSync(join(repo.root, 'haco-config.yaml'), stringify(config));
  const plan = {
    version: 1,
    goal: 'review',
    tasks: [
      {
        id: 'a',
        files: ['a.txt'],
        prompt: 'write a.txt',
        acceptance: ['a.txt says fixed'],
        verify: ['test -s a.txt'],
      },
    ],
  };
  writeFileSync(join(repo.root, 'plan.yaml'), stringify(plan));
  return { repo, server };
}

async function haco(repo: TempRepo, args: string[]): Promise<{ exitCode: number; stdout: string }> {
  const result = await runHaco(args, { cwd: repo.root, env: { HOME: repo.home, REVIEW_KEY: 'sk-test' } });
  expect(result.stderr).not.toContain('    at ');
  return { exitCode: result.exitCode, stdout: result.stdout };
}

async function hacoJson(repo: TempRepo, args: string[]): Promise<{ exitCode: number; summary: RunSummary }> {
  const { exitCode, stdout } = await haco(repo, args);
  try {
    return { exitCode, summary: JSON.parse(stdout) as RunSummary };
  } catch {
    throw new Error(`haco ${args.join(' ')} (exit ${exitCode}):\n${stdout}`);
  }
}

const RUN = ['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'];

function promptOf(repo: TempRepo, runId: string, attempt: number): string {
  return readFileSync(
    join(repo.root, '.haco', 'runs', runId, 'a', `attempt-${attempt}`, 'prompt.md'),
    'utf8',
  );
}

async function committed(repo: TempRepo): Promise<string> {
  return (await execa('git', ['log', '--format=%s', '-1'], { cwd: repo.root })).stdout;
}

describe('the reviewer', () => {
  it('changes once: the second attempt carries the comments, the second review approves, the task is committed', async (context) => {
    const { repo, server } = await setUp(context, {
      // The first review takes a while, so that the task can be seen `reviewing`.
      reviews: [
        { ...answer('changes', 0.9, ['a.txt must say fixed', 'keep it short']), delayMs: 4_000 },
        answer('approve', 0.95, []),
      ],
    });
    const running = hacoJson(repo, RUN);
    await vi.waitFor(
      async () => {
        const status = await hacoJson(repo, ['status', '--json']);
        expect(status.summary.tasks[0]?.status).toBe('reviewing');
      },
      { timeout: 30_000, interval: 200 },
    );
    const run = await running;
    expect(run.exitCode).toBe(0);
    // retries: 0 — a review loop uses no retry.
    expect(run.summary.tasks[0]).toMatchObject({ id: 'a', status: 'done', attempts: 2 });
    expect(readFileSync(join(repo.root, 'a.txt'), 'utf8')).toBe('fixed\n');
    expect(await committed(repo)).toBe('haco(a): a');
    expect(promptOf(repo, run.summary.run_id, 1)).not.toContain('a.txt must say fixed');
    expect(promptOf(repo, run.summary.run_id, 2)).toContain('- a.txt must say fixed\n- keep it short');

    const reviews = server.turnsOf('anthropic');
    expect(reviews).toHaveLength(2);
    const first = reviews[0]?.body as { tool_choice: unknown; messages: Array<{ content: string }> };
    expect(first.tool_choice).toEqual({ type: 'tool', name: 'review' });
    const asked = first.messages[0]?.content ?? '';
    expect(asked).toContain('- a.txt says fixed'); // the acceptance criteria
    expect(asked).toContain('+draft'); // the diff against the checkpoint
    expect(asked).toContain('$ test -s a.txt'); // the verify output

    // Review calls count toward the budget: command agents cost nothing, so all spend is review.
    const status = await hacoJson(repo, ['status', '--json']);
    expect(status.summary.spend_usd).toBeGreaterThan(0);
    expect(status.summary.cost_usd).toBe(0);

    const logs = await haco(repo, ['logs', run.summary.run_id]);
    expect(logs.stdout).toContain('review: changes (confidence 0.9): a.txt must say fixed');
    expect(logs.stdout).toContain('review: approve (confidence 0.95)');
  });

  it('two reviews asking for changes (default max_loops): a review_rejected breakpoint showing the comments (exit 3); reject fails the task', async (context) => {
    const { repo, server } = await setUp(context, {
      reviews: [answer('changes', 0.9, ['first remark']), answer('changes', 0.9, ['still not right'])],
    });
    const run = await hacoJson(repo, RUN);
    expect(run.exitCode).toBe(3);
    expect(run.summary.status).toBe('paused');
    expect(run.summary.tasks[0]).toMatchObject({ status: 'pending', attempts: 2 });
    const [bp] = run.summary.breakpoints.filter((b) => b.kind === 'review_rejected');
    expect(bp).toMatchObject({ status: 'pending', task: 'a', answers: ['approve', 'reject'] });
    expect(bp?.message).toContain('still not right');
    expect(bp?.message).toContain('after 2 review(s) asking for changes (review.max_loops)');
    expect((await haco(repo, ['reject', run.summary.run_id])).exitCode).toBe(0);

    const resumed = await hacoJson(repo, ['resume', run.summary.run_id, '--json']);
    expect(resumed.exitCode).toBe(1);
    expect(resumed.summary.tasks[0]?.status).toBe('failed');
    // The answer to the same review was reused: the reviewer was not asked again.
    expect(server.turnsOf('anthropic')).toHaveLength(2);
    expect(await committed(repo)).not.toContain('haco(a)');
  });

  it('a confidence under the threshold raises the breakpoint; approve commits without asking again', async (context) => {
    const { repo, server } = await setUp(context, {
      reviews: [answer('approve', 0.3, ['not sure about a.txt'])],
    });
    const run = await hacoJson(repo, RUN);
    expect(run.exitCode).toBe(3);
    const [bp] = run.summary.breakpoints.filter((b) => b.kind === 'review_rejected');
    expect(bp?.message).toContain(
      'the reviewer is unsure (approve, confidence 0.3 < 0.6): not sure about a.txt',
    );
    expect(existsSync(join(repo.root, 'a.txt'))).toBe(true);

    expect((await haco(repo, ['approve', run.summary.run_id])).exitCode).toBe(0);
    const resumed = await hacoJson(repo, ['resume', run.summary.run_id, '--json']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary.tasks[0]?.status).toBe('done');
    expect(await committed(repo)).toBe('haco(a): a');
    expect(server.turnsOf('anthropic')).toHaveLength(1);
  });

  it('an unreadable answer gets one repair round, then a breakpoint says so', async (context) => {
    const { repo, server } = await setUp(context, {
      reviews: [{ text: 'looks fine to me' }, answer('approve', 7, [])],
    });
    const run = await hacoJson(repo, RUN);
    expect(run.exitCode).toBe(3);
    const [bp] = run.summary.breakpoints.filter((b) => b.kind === 'review_rejected');
    expect(bp?.message).toContain("the reviewer's answer was unreadable (confidence:");
    const reviews = server.turnsOf('anthropic');
    expect(reviews).toHaveLength(2);
    const repair = (reviews[1]?.body as { messages: Array<{ content: string }> }).messages[0]?.content;
    expect(repair).toContain('## Your previous answer could not be read');
    expect(repair).toContain('looks fine to me');
    // Both calls were recorded against the run.
    const db = StateDb.openInRepo(repo.root, { create: false });
    try {
      const calls = db.db
        .prepare('SELECT purpose, task_id FROM supervisor_calls WHERE run_id = ?')
        .all(run.summary.run_id);
      expect(calls).toEqual([
        { purpose: 'review', task_id: 'a' },
        { purpose: 'review', task_id: 'a' },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('tdd at run time', () => {
  it('a tests task whose tests pass without the implementation is sent back; the implementation must pass them', async (context) => {
    const tests = `#!/bin/sh
mkdir -p test
if grep -q 'they test nothing' "$HACO_PROMPT_FILE"; then echo 'grep -q ok a.txt' > test/a.test.sh; else echo 'exit 0' > test/a.test.sh; fi
`;
    const impl = `#!/bin/sh
echo ok > a.txt
`;
    const repo = makeRepo({
      files: { 'README.md': '# demo\n', 'tests.sh': tests, 'impl.sh': impl },
      executables: ['tests.sh', 'impl.sh'],
    });
    context.onTestFinished(() => repo.dispose());
    const config = {
      agents: { t: { type: 'command', command: './tests.sh' }, i: { type: 'command', command: './impl.sh' } },
      defaults: { agent: 't', timeout: '1m', retries: 1 },
      workflow: { tdd: true },
    };
    writeFileSync(join(repo.root, 'haco-config.yaml'), stringify(config));
    const plan = {
      version: 1,
      goal: 'tdd',
      tasks: [
        {
          id: 'tests',
          kind: 'tests',
          agent: 't',
          files: ['test/a.test.sh'],
          prompt: 'test a',
          verify: ['sh test/a.test.sh'],
        },
        {
          id: 'impl',
          kind: 'implementation',
          agent: 'i',
          depends_on: ['tests'],
          files: ['a.txt'],
          prompt: 'make the tests pass',
          verify: ['test -f a.txt'],
        },
      ],
    };
    writeFileSync(join(repo.root, 'plan.yaml'), stringify(plan));
    const run = await hacoJson(repo, RUN);
    expect(run.exitCode).toBe(0);
    expect(run.summary.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['tests', 'done', 2],
      ['impl', 'done', 1],
    ]);
    const db = StateDb.openInRepo(repo.root, { create: false });
    try {
      const [first, second] = db.getAttempts(run.summary.run_id, 'tests');
      expect(first?.error).toBe('tdd: the tests pass without the implementation');
      expect(second?.status).toBe('passed');
      const [implAttempt] = db.getAttempts(run.summary.run_id, 'impl');
      expect(implAttempt?.verifyOutput).toContain('$ test -f a.txt');
      expect(implAttempt?.verifyOutput).toContain('$ sh test/a.test.sh');
    } finally {
      db.close();
    }
    const prompt = readFileSync(
      join(repo.root, '.haco', 'runs', run.summary.run_id, 'tests', 'attempt-2', 'prompt.md'),
      'utf8',
    );
    expect(prompt).toContain('Your tests pass without the implementation; they test nothing.');
  });
});

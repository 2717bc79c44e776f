import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, vi, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import { recordSupervisorCall } from '../../src/db/supervisor-calls.js';
import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { openRun } from '../helpers/run.js';

/**
 * A fake Claude Code: a real executable speaking claude's stream-json (system/init, then a
 * `result` with usage and no cost, so haco prices it: (1000 × 3 + 200 × 15) / 1e6 = $0.006 per
 * attempt), running `body` (shell) as its work, exiting when haco closes its stdin.
 */
function fakeClaude(body: string): string {
  return `#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"fake-session-1"}'
read -r _prompt
${body}
echo '{"type":"result","subtype":"success","is_error":false,"session_id":"fake-session-1","result":"done","usage":{"input_tokens":1000,"output_tokens":200}}'
cat > /dev/null
`;
}

const PRICE = { input_per_mtok: 3, output_per_mtok: 15 };
const ATTEMPT_USD = 0.006;

interface Setup {
  readonly agents: Record<string, string>;
  readonly tasks: Array<Record<string, unknown>>;
  readonly config?: Record<string, unknown>;
  readonly files?: Record<string, string>;
}

function setUp(context: TestContext, setup: Setup): TempRepo {
  const scripts = Object.fromEntries(
    Object.entries(setup.agents).map(([name, body]) => [`fake-${name}.sh`, fakeClaude(body)]),
  );
  const repo = makeRepo({
    files: { 'README.md': '# demo\n', ...scripts, ...setup.files },
    executables: Object.keys(scripts),
  });
  context.onTestFinished(() => repo.dispose());
  const agents = Object.fromEntries(
    Object.keys(setup.agents).map((name) => [
      name,
      { type: 'claude-code', command: `./fake-${name}.sh`, price: PRICE },
    ]),
  );
  writeFileSync(
    join(repo.root, 'haco-config.yaml'),
    stringify({ agents, defaults: { timeout: '1m', retries: 1 }, ...setup.config }),
  );
  writeFileSync(join(repo.root, 'plan.yaml'), stringify({ version: 1, goal: 'stages', tasks: setup.tasks }));
  return repo;
}

async function haco(repo: TempRepo, args: string[]): Promise<{ exitCode: number; summary: RunSummary }> {
  const result = await runHaco(args, { cwd: repo.root, env: { HOME: repo.home } });
  expect(result.stderr).not.toContain('    at ');
  let summary: RunSummary;
  try {
    summary = JSON.parse(result.stdout) as RunSummary;
  } catch {
    throw new Error(`haco ${args.join(' ')} (exit ${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  }
  return { exitCode: result.exitCode, summary };
}

const RUN = ['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'];

describe('budgets', () => {
  const twoTasks = (runUsd: number): Setup => ({
    agents: { a: 'echo a > a.txt', b: 'echo b > b.txt' },
    tasks: [
      { id: 'a', agent: 'a', files: ['a.txt'], prompt: 'write a.txt' },
      { id: 'b', agent: 'b', files: ['b.txt'], prompt: 'write b.txt', depends_on: ['a'] },
    ],
    config: { budget: { run_usd: runUsd } },
  });

  it('a run budget smaller than the costs stops dispatch at budget_exceeded; approve goes on past it once', async (context) => {
    const repo = setUp(context, twoTasks(0.005));
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(3);
    expect(run.summary).toMatchObject({
      status: 'paused',
      spend_usd: ATTEMPT_USD,
      budget: { run_usd: 0.005, task_usd: null },
    });
    expect(run.summary.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['a', 'done', 1],
      ['b', 'pending', 0],
    ]);
    const [bp] = run.summary.breakpoints.filter((b) => b.kind === 'budget_exceeded');
    expect(bp).toMatchObject({ status: 'pending', task: null, answers: ['approve', 'reject'] });
    expect(bp?.message).toContain('the run spent $0.006 of $0.005 (budget.run_usd)');

    const status = await haco(repo, ['status', '--json']);
    expect(status.summary).toMatchObject({
      spend_usd: ATTEMPT_USD,
      budget: { run_usd: 0.005, task_usd: null },
    });

    expect(
      (await runHaco(['approve', run.summary.run_id], { cwd: repo.root, env: { HOME: repo.home } })).exitCode,
    ).toBe(0);
    const resumed = await haco(repo, ['resume', run.summary.run_id, '--json']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary).toMatchObject({ status: 'completed', spend_usd: 2 * ATTEMPT_USD });
    expect(readFileSync(join(repo.root, 'b.txt'), 'utf8')).toBe('b\n');
  });

  it('rejecting a budget_exceeded breakpoint skips what has not started and fails the run', async (context) => {
    const repo = setUp(context, twoTasks(0.001));
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(3);
    expect(
      (await runHaco(['reject', run.summary.run_id], { cwd: repo.root, env: { HOME: repo.home } })).exitCode,
    ).toBe(0);
    const status = await haco(repo, ['status', '--json']);
    expect(status.summary.status).toBe('failed');
    expect(status.summary.tasks.map((t) => [t.id, t.status])).toEqual([
      ['a', 'done'],
      ['b', 'skipped'],
    ]);
  });

  it('a task budget holds its retry at budget_exceeded', async (context) => {
    const repo = setUp(context, {
      agents: { a: 'echo a > a.txt' },
      tasks: [{ id: 'a', agent: 'a', files: ['a.txt'], prompt: 'write a.txt', verify: ['false'] }],
      config: { budget: { task_usd: 0.005 } },
    });
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(3);
    expect(run.summary.tasks[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(run.summary.breakpoints.at(-1)).toMatchObject({
      kind: 'budget_exceeded',
      task: 'a',
      status: 'pending',
    });
    expect(run.summary.budget).toEqual({ run_usd: null, task_usd: 0.005 });
  });
});

describe('policy gates', () => {
  it('a failing lint gate sends the task back with its output; the next attempt passes it', async (context) => {
    const repo = setUp(context, {
      // First attempt writes code the lint refuses, the second (its prompt carries the lint output) fixes it.
      agents: { a: 'if [ -f a.txt ]; then echo clean > a.txt; else echo messy > a.txt; fi' },
      tasks: [{ id: 'a', agent: 'a', files: ['a.txt'], prompt: 'write a.txt' }],
      config: { workflow: { lint_gate: 'grep -q clean a.txt || { echo "lint: a.txt is messy"; exit 1; }' } },
    });
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(0);
    expect(run.summary.tasks[0]).toMatchObject({ status: 'done', attempts: 2 });
    const second = readFileSync(
      join(repo.root, '.haco', 'runs', run.summary.run_id, 'a', 'attempt-2', 'prompt.md'),
      'utf8',
    );
    expect(second).toContain('lint: a.txt is messy');
    expect(readFileSync(join(repo.root, 'a.txt'), 'utf8')).toBe('clean\n');
  });

  const addsLeftPad = (declared: string[]): Setup => ({
    agents: {
      a: `printf '{"dependencies":{"zod":"^4.0.0","left-pad":"^1.3.0"}}\\n' > package.json`,
    },
    files: { 'package.json': '{"dependencies":{"zod":"^4.0.0"}}\n' },
    tasks: [
      { id: 'deps', agent: 'a', files: ['package.json'], prompt: 'add left-pad', dependencies: declared },
    ],
  });

  it('an undeclared dependency added to package.json raises dependency_added; approving keeps it', async (context) => {
    const repo = setUp(context, addsLeftPad([]));
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(3);
    const bp = run.summary.breakpoints.find((b) => b.kind === 'dependency_added');
    expect(bp).toMatchObject({ task: 'deps', status: 'pending' });
    expect(bp?.message).toContain('left-pad in package.json');
    expect(bp?.message).not.toContain('zod');
    expect(run.summary.tasks[0]?.commit).toBeNull();

    expect(
      (await runHaco(['approve', run.summary.run_id], { cwd: repo.root, env: { HOME: repo.home } })).exitCode,
    ).toBe(0);
    const resumed = await haco(repo, ['resume', run.summary.run_id, '--json']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary.tasks[0]).toMatchObject({ status: 'done' });
    expect(readFileSync(join(repo.root, 'package.json'), 'utf8')).toContain('left-pad');
  });

  it('a declared dependency passes the guard', async (context) => {
    const repo = setUp(context, addsLeftPad(['left-pad']));
    const run = await haco(repo, RUN);
    expect(run.exitCode).toBe(0);
    expect(run.summary.breakpoints.map((b) => b.kind)).toEqual(['plan_approval']);
    expect(run.summary.tasks[0]).toMatchObject({ status: 'done', attempts: 1 });
  });
});

describe('stages on the dashboard (in process, waiting for answers)', () => {
  it('rejecting dependency_added sends the task back with the refusal; the next attempt does without', async (context) => {
    const repo = setUp(context, {
      // First attempt adds left-pad; the next one (its prompt carries the refusal) takes it out again.
      agents: {
        a: `if grep -q left-pad package.json; then printf '{"dependencies":{"zod":"^4.0.0"},"name":"x"}\\n' > package.json; else printf '{"dependencies":{"zod":"^4.0.0","left-pad":"^1.3.0"}}\\n' > package.json; fi`,
      },
      files: { 'package.json': '{"dependencies":{"zod":"^4.0.0"}}\n' },
      tasks: [{ id: 'deps', agent: 'a', files: ['package.json'], prompt: 'tidy package.json' }],
    });
    const { core, runId } = await openRun(repo, { configFile: 'haco-config.yaml' });
    context.onTestFinished(() => core.close());
    const driving = core.drive(runId, { waitForAnswers: true });
    const bp = await vi.waitFor(
      () => {
        const found = core.db.getBreakpoints(runId).find((b) => b.kind === 'dependency_added');
        if (!found) throw new Error('no dependency_added breakpoint yet');
        return found;
      },
      { timeout: 60_000, interval: 50 },
    );
    expect(core.db.getTasks(runId)[0]?.status).toBe('verifying');
    await core.answer(runId, bp.id, 'reject', 'test');
    expect(await driving).toBe('completed');
    const attempts = core.db.getAttempts(runId, 'deps');
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'passed']);
    expect(attempts[0]?.error).toContain('the user refused the new dependency: left-pad in package.json');
    const second = readFileSync(
      join(repo.root, '.haco', 'runs', runId, 'deps', 'attempt-2', 'prompt.md'),
      'utf8',
    );
    expect(second).toContain('The user refused the new dependency (left-pad in package.json)');
    expect(readFileSync(join(repo.root, 'package.json'), 'utf8')).not.toContain('left-pad');
  });

  it('supervisor calls count toward the run’s spend', async (context) => {
    const repo = setUp(context, {
      agents: { a: 'echo a > a.txt' },
      tasks: [{ id: 'a', agent: 'a', files: ['a.txt'], prompt: 'write a.txt' }],
      config: { budget: { run_usd: 1 } },
    });
    const { core, runId } = await openRun(repo, { configFile: 'haco-config.yaml' });
    context.onTestFinished(() => core.close());
    recordSupervisorCall(core.db, { runId, taskId: null, purpose: 'plan', costUsd: 0.25, now: Date.now() });
    recordSupervisorCall(core.db, { runId, taskId: null, purpose: 'plan', now: Date.now() }); // unknown cost
    expect(await core.drive(runId)).toBe('completed');
    expect(core.summary(runId)).toMatchObject({ cost_usd: ATTEMPT_USD, spend_usd: 0.25 + ATTEMPT_USD });
    expect(core.spend(runId)).toEqual({ spendUsd: 0.25 + ATTEMPT_USD, budgetUsd: 1 });
  });
});

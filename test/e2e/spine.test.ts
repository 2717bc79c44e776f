import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

function mathlib(): TempRepo {
  const repo = makeRepo({ example: 'mathlib' });
  repos.push(repo);
  return repo;
}

/** Files a commit touched. */
function filesOf(repo: TempRepo, sha: string): string[] {
  return repo.git('show', '--name-only', '--format=', sha).split('\n').filter(Boolean).sort();
}

describe('haco run (headless), the mathlib example', () => {
  it('runs 4 tasks: two at once, one after both, one passing on its retry; one commit per task', async () => {
    const repo = mathlib();
    const base = repo.git('rev-parse', 'HEAD');
    const result = await runHaco(['run', 'plan.yaml', '--config', 'haco.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['add', 'done', 1],
      ['multiply', 'done', 1],
      ['power', 'done', 1],
      ['mean', 'done', 2],
    ]);
    expect(Object.keys(summary).sort()).toEqual([
      'breakpoints',
      'budget',
      'cost_usd',
      'duration_ms',
      'goal',
      'run_id',
      'spend_usd',
      'status',
      'tasks',
    ]);

    // The recorded times show add and multiply working at the same moment, and power after both.
    const attempts = withState(repo.root, (db) => db.getAttempts(summary.run_id));
    const first = (id: string) => attempts.find((a) => a.taskId === id && a.n === 1)!;
    const [add, multiply, power] = [first('add'), first('multiply'), first('power')];
    expect(add.agentEndedAt).not.toBeNull();
    expect(Math.max(add.startedAt, multiply.startedAt)).toBeLessThan(
      Math.min(add.agentEndedAt!, multiply.agentEndedAt!),
    );
    expect(power.startedAt).toBeGreaterThanOrEqual(Math.max(add.endedAt!, multiply.endedAt!));

    // mean's first attempt failed verification; the retry's prompt carried that output.
    const mean = attempts.filter((a) => a.taskId === 'mean');
    expect(mean.map((a) => a.status)).toEqual(['failed', 'passed']);
    expect(mean[0]!.verifyOutput).toContain('node --test test/mean.test.js');
    expect(mean[0]!.verifyOutput).toMatch(/exit 1/);
    const retryPrompt = readFileSync(
      join(repo.root, '.haco', 'runs', summary.run_id, 'mean', 'attempt-2', 'prompt.md'),
      'utf8',
    );
    expect(retryPrompt).toContain('The previous attempt failed');
    expect(retryPrompt).toContain('2.5');

    // Exactly one commit per task, each touching only its own files.
    const log = repo.git('log', '--format=%H %s', `${base}..HEAD`).split('\n');
    expect(log).toHaveLength(4);
    const bySubject = new Map(log.map((line) => [line.slice(41), line.slice(0, 40)]));
    const expected: Record<string, string> = {
      'haco(add): add(a, b)': 'src/add.js',
      'haco(multiply): multiply(a, b)': 'src/multiply.js',
      'haco(power): power(base, exp) from multiply': 'src/power.js',
      'haco(mean): mean(values)': 'src/mean.js',
    };
    for (const [subject, file] of Object.entries(expected)) {
      const sha = bySubject.get(subject);
      expect(sha, subject).toBeDefined();
      expect(filesOf(repo, sha!)).toEqual([file]);
    }
    for (const task of summary.tasks)
      expect(bySubject.get(repo.git('log', '-1', '--format=%s', task.commit!))).toBe(task.commit);
    // The work tree is clean: .haco/ is excluded through .git/info/exclude, not .gitignore.
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(readFileSync(join(repo.root, '.git', 'info', 'exclude'), 'utf8')).toContain('/.haco/');
  });

  it('stops at plan approval without --yes (exit 3), then approve + resume completes it', async () => {
    const repo = mathlib();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'haco.yaml', '--json'], opts);
    expect(paused.exitCode).toBe(3);
    const before = JSON.parse(paused.stdout) as RunSummary;
    expect(before.status).toBe('awaiting_approval');
    expect(before.tasks.every((t) => t.status === 'pending' && t.attempts === 0)).toBe(true);
    expect(before.breakpoints).toEqual([
      expect.objectContaining({ id: 1, kind: 'plan_approval', task: null, status: 'pending' }),
    ]);
    expect(repo.git('log', '--oneline').split('\n')).toHaveLength(1);

    const status = await runHaco(['status', before.run_id.slice(0, 4), '--json'], opts);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ run_id: before.run_id, status: 'awaiting_approval' });

    const approved = await runHaco(['approve', before.run_id], opts);
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toContain('approved');
    const again = await runHaco(['approve', before.run_id], opts);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('no pending breakpoint');

    const resumed = await runHaco(['resume', before.run_id, '--json'], opts);
    expect(resumed.exitCode).toBe(0);
    const after = JSON.parse(resumed.stdout) as RunSummary;
    expect(after.status).toBe('completed');
    expect(after.breakpoints[0]).toMatchObject({ kind: 'plan_approval', status: 'approved' });
    expect(repo.git('log', '--oneline').split('\n')).toHaveLength(5);
  });

  it('a rejected plan cancels the run and touches nothing', async () => {
    const repo = mathlib();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'haco.yaml', '--json'], opts);
    const runId = (JSON.parse(paused.stdout) as RunSummary).run_id;
    expect((await runHaco(['reject', runId], opts)).exitCode).toBe(0);
    const resumed = await runHaco(['resume', runId, '--json'], opts);
    expect(resumed.exitCode).toBe(1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'cancelled' });
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});

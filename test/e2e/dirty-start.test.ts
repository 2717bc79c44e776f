import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { PROJECT_ROOT, type TempRepo } from '../helpers/repo.js';
import { agentRepo, planYaml, RUN_ARGS, snapshotTree, without } from '../helpers/tree.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

function repo(plan: string): TempRepo {
  const r = agentRepo({
    'plan.yaml': plan,
    'src/a.txt': 'a\n',
    'src/b.txt': 'b\n',
    'notes.md': 'notes\n',
  });
  repos.push(r);
  return r;
}

async function refused(r: TempRepo): Promise<string> {
  r.git('status', '--porcelain'); // the user's own status refreshes the index first
  const before = snapshotTree(r.root);
  const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
  expect(result.exitCode).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(result.stderr).not.toContain('    at ');
  // Nothing written: not the user's files, not .git/ (no info/exclude line), no .haco/.
  expect(snapshotTree(r.root)).toEqual(before);
  expect(existsSync(join(r.root, '.haco'))).toBe(false);
  return lines[0] ?? '';
}

describe('uncommitted changes in owned paths at start', () => {
  it('refuses a changed owned file with one line naming it; the change is kept', async () => {
    const r = repo(planYaml([['a', ['src/a.txt']]]));
    r.write('src/a.txt', 'my unsaved work\n');
    expect(await refused(r)).toBe(
      "haco: uncommitted changes in owned paths: src/a.txt; commit or stash them first, or pass --allow-dirty to put them in the owning task's commit",
    );
    expect(readFileSync(join(r.root, 'src/a.txt'), 'utf8')).toBe('my unsaved work\n');
  });

  it('counts staged, deleted and untracked owned paths too, in every task', async () => {
    const r = repo(
      planYaml([
        ['a', ['src/a.txt']],
        ['b', ['src/b.txt', 'src/new/']],
      ]),
    );
    r.write('src/a.txt', 'staged\n');
    r.git('add', 'src/a.txt');
    r.git('rm', '-q', 'src/b.txt');
    r.write('src/new/draft.md', 'mine\n');
    expect(await refused(r)).toContain(
      'uncommitted changes in owned paths: src/a.txt, src/b.txt, src/new/draft.md;',
    );
  });

  it('runs when only unowned paths are dirty, and leaves them as they were, uncommitted', async () => {
    const r = repo(planYaml([['a', ['src/a.txt']]]));
    r.write('notes.md', 'my edit\n');
    r.write('scratch.txt', 'untracked\n');
    const before = without(snapshotTree(r.root, ['.git', '.haco']), ['src/a.txt']);
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('src/a.txt');
    expect(without(snapshotTree(r.root, ['.git', '.haco']), ['src/a.txt'])).toEqual(before);
    expect(r.git('status', '--porcelain')).toBe('M notes.md\n?? scratch.txt');
  });

  it("--allow-dirty starts anyway and puts the user's change in the owning task's commit", async () => {
    const r = repo(planYaml([['a', ['src/a.txt'], 'append']]));
    r.write('src/a.txt', 'a\nmy line\n');
    const result = await runHaco([...RUN_ARGS, '--allow-dirty'], { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    expect((JSON.parse(result.stdout) as RunSummary).status).toBe('completed');
    expect(r.git('log', '-1', '--format=%s')).toBe('haco(a): a');
    expect(r.git('show', 'HEAD:src/a.txt')).toBe('a\nmy line\nadded by a');
    expect(r.git('status', '--porcelain')).toBe('');
  });

  it('documents --allow-dirty in haco run --help and haco-tui --help', async () => {
    const run = await runHaco(['run', '--help'], { cwd: PROJECT_ROOT });
    expect(run.stdout).toContain('--allow-dirty');
    expect(run.stdout).toContain("owning task's commit");
    const tui = await execa(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/haco-tui.js'), '--help'], {
      reject: false,
    });
    expect(tui.stdout).toContain('--allow-dirty');
  });

  it('haco resume does not refuse dirty owned paths (an interrupted run leaves them so)', async () => {
    const r = repo(planYaml([['a', ['src/a.txt']]]));
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--headless', '--json'], {
      cwd: r.root,
      env: { HOME: r.home },
    });
    expect(paused.exitCode).toBe(3);
    const runId = (JSON.parse(paused.stdout) as RunSummary).run_id;
    r.write('src/a.txt', 'half-done work\n');
    expect((await runHaco(['approve', runId], { cwd: r.root, env: { HOME: r.home } })).exitCode).toBe(0);
    const resumed = await runHaco(['resume', runId, '--json'], { cwd: r.root, env: { HOME: r.home } });
    expect(resumed.stderr).not.toContain('uncommitted');
    expect(resumed.exitCode).toBe(0);
    expect(r.git('show', 'HEAD:src/a.txt')).toBe('written by a');
  });
});

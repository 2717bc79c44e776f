import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { Workspace } from '../../src/workspace/git.js';
import { runHaco } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/repo.js';
import { agentRepo, planYaml, RUN_ARGS, snapshotTree } from '../helpers/tree.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

function repo(files: Record<string, string> = {}): TempRepo {
  const r = agentRepo({ 'plan.yaml': planYaml([['a', ['a.txt']]]), 'a.txt': 'base\n', ...files });
  repos.push(r);
  return r;
}

/** Two branches that both changed a.txt: `other` and `main` (checked out). */
function diverge(r: TempRepo): void {
  r.git('checkout', '-q', '-b', 'other');
  r.write('a.txt', 'theirs\n');
  r.git('commit', '-qam', 'theirs');
  r.git('checkout', '-q', 'main');
  r.write('a.txt', 'ours\n');
  r.git('commit', '-qam', 'ours');
}

/** Runs git expecting it to stop on a conflict (a non-zero exit). */
function conflict(r: TempRepo, ...args: string[]): void {
  expect(() => r.git(...args)).toThrow();
}

const STATES: readonly { name: string; message: string; setup: (r: TempRepo) => void }[] = [
  {
    name: 'merge',
    message: 'a merge is in progress',
    setup: (r) => (diverge(r), conflict(r, 'merge', 'other')),
  },
  {
    name: 'rebase (merge backend)',
    message: 'a rebase is in progress',
    setup: (r) => (diverge(r), r.git('checkout', '-q', 'other'), conflict(r, 'rebase', 'main')),
  },
  {
    name: 'rebase (apply backend)',
    message: 'a rebase is in progress',
    setup: (r) => (diverge(r), r.git('checkout', '-q', 'other'), conflict(r, 'rebase', '--apply', 'main')),
  },
  {
    name: 'cherry-pick',
    message: 'a cherry-pick is in progress',
    setup: (r) => (diverge(r), conflict(r, 'cherry-pick', 'other')),
  },
  {
    name: 'revert',
    message: 'a revert is in progress',
    setup: (r) => {
      r.write('a.txt', 'one\n');
      r.git('commit', '-qam', 'one');
      r.write('a.txt', 'two\n');
      r.git('commit', '-qam', 'two');
      conflict(r, 'revert', '--no-edit', 'HEAD~1');
    },
  },
  {
    name: 'bisect',
    message: 'a bisect is in progress',
    setup: (r) => {
      r.write('a.txt', 'two\n');
      r.git('commit', '-qam', 'two');
      r.git('bisect', 'start', 'HEAD', 'HEAD~1');
    },
  },
];

describe('git states: haco refuses to start in the middle of a git operation', () => {
  it.each(STATES)('refuses during a $name: one line, exit 2, nothing written', async ({ message, setup }) => {
    const r = repo();
    setup(r);
    r.git('status', '--porcelain'); // let git refresh its index as the user's own status would
    const before = snapshotTree(r.root);
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('    at ');
    expect(result.exitCode).toBe(2);
    // Nothing of the user's changed, in the work tree or in .git/ (no .git/info/exclude line,
    // no .haco/).
    expect(snapshotTree(r.root)).toEqual(before);
    expect(existsSync(join(r.root, '.haco'))).toBe(false);
  });

  it("finds a linked worktree's own merge, and leaves the main worktree free to run", async () => {
    const r = repo();
    r.git('branch', 'feature');
    const wt = join(r.home, 'wt');
    r.git('worktree', 'add', '-q', wt, 'feature');
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: wt, encoding: 'utf8' });
    writeFileSync(join(wt, 'a.txt'), 'feature\n');
    git('commit', '-qam', 'feature');
    r.write('a.txt', 'main\n');
    r.git('commit', '-qam', 'main');
    expect(() => git('merge', 'main')).toThrow();

    const refused = await runHaco(RUN_ARGS, { cwd: wt, env: { HOME: r.home } });
    expect(refused.stderr).toContain('a merge is in progress');
    expect(refused.exitCode).toBe(2);

    const ran = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(ran.stderr).not.toContain('in progress');
    expect(ran.exitCode).toBe(0);
    expect(r.git('log', '-1', '--format=%s')).toBe('haco(a): a');
  });

  it('haco resume refuses during a merge as well', async () => {
    const r = repo();
    // A run left at its plan-approval breakpoint (exit 3), then the user starts a merge.
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--headless', '--json'], {
      cwd: r.root,
      env: { HOME: r.home },
    });
    expect(paused.exitCode).toBe(3);
    const runId = (JSON.parse(paused.stdout) as RunSummary).run_id;
    diverge(r);
    conflict(r, 'merge', 'other');
    r.git('status', '--porcelain');
    const before = snapshotTree(r.root);
    const result = await runHaco(['resume', runId], { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('a merge is in progress');
    expect(result.exitCode).toBe(2);
    expect(snapshotTree(r.root)).toEqual(before);
  });
});

describe('git states: a detached HEAD', () => {
  it('says so on one stderr line, then runs and commits on the detached HEAD', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.git('checkout', '-q', '--detach');
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.exitCode).toBe(0);
    const notes = result.stderr.split('\n').filter((l) => l.includes('detached'));
    expect(notes).toEqual([
      `haco: HEAD is detached at ${base.slice(0, 7)}: the tasks' commits will be on no branch (keep them afterwards with git switch -c NAME)`,
    ]);
    expect(r.git('rev-parse', 'HEAD~1')).toBe(base);
    expect(r.git('log', '-1', '--format=%s')).toBe('haco(a): a');
    expect(r.git('rev-parse', 'main')).toBe(base); // the branch did not move
  });
});

describe("git states: haco's commits are immune to repository config", () => {
  it('runs no hook (post-commit included) and no fsmonitor program', async () => {
    const r = repo();
    const markers = join(r.home, 'markers');
    mkdirSync(markers);
    const script = (name: string): string => `#!/bin/sh\ntouch '${join(markers, name)}'\n`;
    const hookNames = ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'post-index-change'];
    const hooksDir = join(r.root, '.git', 'hooks');
    const otherHooks = join(r.home, 'hooks');
    mkdirSync(otherHooks);
    for (const hook of hookNames) {
      for (const dir of [hooksDir, otherHooks]) {
        writeFileSync(join(dir, hook), script(`${dir === hooksDir ? 'git' : 'config'}-${hook}`));
        chmodSync(join(dir, hook), 0o755);
      }
    }
    const fsmonitor = join(r.home, 'fsmonitor.sh');
    writeFileSync(fsmonitor, script('fsmonitor'));
    chmodSync(fsmonitor, 0o755);
    // The hooks work: a plain commit of the user's runs them (then the markers are cleared).
    r.git('commit', '-q', '--allow-empty', '-m', 'probe');
    expect(existsSync(join(markers, 'git-post-commit'))).toBe(true);
    execFileSync('sh', ['-c', `rm -f '${markers}'/*`]);
    r.git('config', 'core.fsmonitor', fsmonitor);
    r.git('config', 'core.hooksPath', otherHooks);

    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    expect(execFileSync('ls', ['-A', markers], { encoding: 'utf8' })).toBe('');
    const subject = execFileSync('git', ['-c', 'core.fsmonitor=false', 'log', '-1', '--format=%s'], {
      cwd: r.root,
      encoding: 'utf8',
    });
    expect(subject.trim()).toBe('haco(a): a');
  });

  it("reads status without rewriting the user's .git/index", async () => {
    const r = repo({ 'b.txt': 'b\n' });
    const index = join(r.root, '.git', 'index');
    // A stale index entry (same bytes, new mtime): a plain `git status` would refresh and rewrite it.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(r.root, 'b.txt'), later, later);
    const before = readFileSync(index);
    const workspace = await Workspace.open(r.root);
    expect(await workspace.changedFiles(['b.txt', 'a.txt'])).toEqual([]);
    expect(readFileSync(index).equals(before)).toBe(true);
    // The control: git's own status does rewrite it, so the check above can fail.
    r.git('status', '--porcelain');
    expect(readFileSync(index).equals(before)).toBe(false);
  });
});

import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { ContentBaseline } from '../../src/workspace/baseline.js';
import { Workspace } from '../../src/workspace/git.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { agentRepo, planYaml, RUN_ARGS, snapshotTree, without } from '../helpers/tree.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

function track<T extends TempRepo>(r: T): T {
  repos.push(r);
  return r;
}

/** The blob git itself gives a path when it stages it (`git add`, then the index entry). */
function stagedBlob(r: TempRepo, path: string): string {
  r.git('add', '--', path);
  return r.git('ls-files', '-s', '--', path).split(/\s+/)[1] ?? '';
}

/**
 * Every repository shape a run must survive: symlinks to a file and to a directory, inside and
 * pointing outside, tracked and untracked, a dangling one, a submodule and a nested repository.
 */
function shapedRepo(r: TempRepo): void {
  r.write('lib/a.txt', 'a\n');
  symlinkSync('lib', join(r.root, 'lib-dir'));
  symlinkSync('lib/a.txt', join(r.root, 'lib-file'));
  r.git('add', '-A');
  r.git('commit', '-qm', 'tracked links');
  mkdirSync(join(r.home, 'outside'));
  symlinkSync(join(r.home, 'outside'), join(r.root, 'out-dir'));
  symlinkSync('lib', join(r.root, 'untracked-dir-link'));
  symlinkSync('missing.txt', join(r.root, 'dangling'));
  const upstream = join(r.home, 'upstream');
  execFileSync('git', ['init', '-q', upstream]);
  execFileSync(
    'git',
    ['-c', 'user.name=u', '-c', 'user.email=u@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'u'],
    {
      cwd: upstream,
    },
  );
  r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'sub');
  r.git('commit', '-qm', 'submodule');
  mkdirSync(join(r.root, 'nested'));
  execFileSync('git', ['init', '-q'], { cwd: join(r.root, 'nested') });
  writeFileSync(join(r.root, 'nested', 'n.txt'), 'nested\n');
}

describe('checkpoints and baselines of real repository shapes', () => {
  it('hashes a symlink as git does (the blob of its link text) and never hashes a directory', async () => {
    const r = track(makeRepo({ files: { 'README.md': 'r\n' } }));
    shapedRepo(r);
    const workspace = await Workspace.open(r.root);
    const entries = await workspace.checkpoint([
      'lib-dir',
      'lib-file',
      'out-dir',
      'dangling',
      'sub',
      'nested/**',
    ]);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    for (const link of ['lib-dir', 'lib-file', 'out-dir', 'dangling']) {
      expect(byPath.get(link)).toEqual({ path: link, blob: stagedBlob(r, link), kind: 'symlink' });
    }
    // The submodule and the nested repository are never hashed (nor taken for missing paths' nulls
    // of files inside them).
    expect([...byPath.keys()].filter((p) => p.startsWith('sub') || p.startsWith('nested'))).toEqual(['sub']);
    expect(byPath.get('sub')?.blob).toBeNull();

    // The violation baseline of the whole tree, which used to fail on the directory symlink.
    const baseline = await ContentBaseline.capture(r.root);
    expect(baseline.get('lib-dir')).toMatchObject({ blob: stagedBlob(r, 'lib-dir'), kind: 'symlink' });
    expect(baseline.get('lib/a.txt')).toMatchObject({ kind: 'file', mode: 0o644 });
    expect(baseline.has('sub')).toBe(false);
    expect(baseline.has('nested/')).toBe(false);
  });

  it('checkpoints a git-ignored owned file with its content, never as missing', async () => {
    const r = track(makeRepo({ files: { '.gitignore': 'local.env\n' } }));
    r.write('local.env', 'TOKEN=mine\n');
    const workspace = await Workspace.open(r.root);
    const entries = await workspace.checkpoint(['local.env', 'config/**']);
    const blob = r.git('hash-object', 'local.env');
    expect(entries).toEqual([{ path: 'local.env', blob, mode: 0o644 }]);
    expect((await workspace.readBlobs([blob])).get(blob)?.toString()).toBe('TOKEN=mine\n');
  });

  it('takes the baseline and a checkpoint of a 20,000-file repository', async () => {
    // Disposed here, not in afterEach: removing 20,000 files can outlast a hook's timeout.
    const r = makeRepo();
    try {
      for (let d = 0; d < 100; d++) {
        mkdirSync(join(r.root, 'src', `d${d}`), { recursive: true });
        for (let f = 0; f < 200; f++)
          writeFileSync(join(r.root, 'src', `d${d}`, `f${f}.ts`), `export const v = ${d * 200 + f};\n`);
      }
      r.git('add', '-A');
      r.git('commit', '-qm', 'big');
      const workspace = await Workspace.open(r.root);
      let t = performance.now();
      const baseline = await ContentBaseline.capture(r.root);
      const baselineMs = performance.now() - t;
      t = performance.now();
      const entries = await workspace.checkpoint(['src/**']);
      const checkpointMs = performance.now() - t;
      // Reported, not asserted (speed goals live in npm run bench).
      process.stderr.write(
        `repo-shapes: 20,000 files: baseline ${baselineMs.toFixed(0)} ms, checkpoint of src/** ${checkpointMs.toFixed(0)} ms\n`,
      );
      expect(entries).toHaveLength(20_000);
      expect(baseline.get('src/d99/f199.ts')?.blob).toBe(r.git('rev-parse', 'HEAD:src/d99/f199.ts'));
    } finally {
      r.dispose();
    }
  }, 600_000);
});

describe('runs on real repository shapes (the built CLI)', () => {
  it('runs beside every kind of symlink, a submodule and a nested repository, touching none', async () => {
    const r = track(agentRepo({ 'plan.yaml': planYaml([['a', ['src/x.txt']]]) }));
    shapedRepo(r);
    r.git('status', '--porcelain');
    const before = without(snapshotTree(r.root, ['.git', '.haco']), ['src/', 'src/x.txt']);
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('src/x.txt');
    expect(without(snapshotTree(r.root, ['.git', '.haco']), ['src/', 'src/x.txt'])).toEqual(before);
  });

  it('puts an owned symlink back as a symlink on rollback', async () => {
    const r = track(agentRepo({ 'plan.yaml': planYaml([['a', ['current']]]), 'v1.txt': 'v1\n' }));
    symlinkSync('v1.txt', join(r.root, 'current'));
    r.git('add', 'current');
    r.git('commit', '-qm', 'link');
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.exitCode).toBe(0);
    const runId = (JSON.parse(result.stdout) as RunSummary).run_id;
    expect(lstatSync(join(r.root, 'current')).isFile()).toBe(true); // the agent replaced it
    const rollback = await runHaco(['rollback', runId], { cwd: r.root, env: { HOME: r.home } });
    expect(rollback.stderr).not.toContain('internal error');
    expect(rollback.exitCode).toBe(0);
    expect(lstatSync(join(r.root, 'current')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(r.root, 'current'))).toBe('v1.txt');
    expect(readFileSync(join(r.root, 'v1.txt'), 'utf8')).toBe('v1\n');
  });

  it("keeps a git-ignored owned file out of the commit and restores the user's content on rollback", async () => {
    const r = track(
      agentRepo({
        'plan.yaml': planYaml([['a', ['local.env', 'src/x.txt'], 'append']]),
        '.gitignore': 'local.env\n',
      }),
    );
    r.write('local.env', 'TOKEN=mine\n');
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.exitCode).toBe(0);
    const runId = (JSON.parse(result.stdout) as RunSummary).run_id;
    expect(r.git('show', '--name-only', '--format=', 'HEAD')).toBe('src/x.txt');
    expect(readFileSync(join(r.root, 'local.env'), 'utf8')).toBe('TOKEN=mine\nadded by a\n');
    const rollback = await runHaco(['rollback', runId], { cwd: r.root, env: { HOME: r.home } });
    expect(rollback.exitCode).toBe(0);
    expect(readFileSync(join(r.root, 'local.env'), 'utf8')).toBe('TOKEN=mine\n');
  });

  it('restores a CRLF file under .gitattributes eol=crlf byte for byte', async () => {
    const r = track(
      agentRepo({
        'plan.yaml': planYaml([['a', ['doc.txt'], 'append']]),
        '.gitattributes': '*.txt text eol=crlf\n',
        'doc.txt': 'one\r\ntwo\r\n',
        'other.txt': 'mine\r\n',
      }),
    );
    const doc = readFileSync(join(r.root, 'doc.txt'));
    const before = without(snapshotTree(r.root, ['.git', '.haco']), ['doc.txt']);
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.exitCode).toBe(0);
    const runId = (JSON.parse(result.stdout) as RunSummary).run_id;
    expect(r.git('log', '-1', '--format=%s')).toBe('haco(a): a');
    const rollback = await runHaco(['rollback', runId], { cwd: r.root, env: { HOME: r.home } });
    expect(rollback.exitCode).toBe(0);
    expect(readFileSync(join(r.root, 'doc.txt')).equals(doc)).toBe(true);
    expect(without(snapshotTree(r.root, ['.git', '.haco']), ['doc.txt'])).toEqual(before);
  });

  it('runs in a linked worktree (.git is a file) and commits on its branch only', async () => {
    const r = track(agentRepo({ 'plan.yaml': planYaml([['a', ['src/x.txt']]]) }));
    const main = r.git('rev-parse', 'HEAD');
    const wt = join(r.home, 'wt');
    r.git('worktree', 'add', '-q', '-b', 'feature', wt);
    const before = snapshotTree(r.root, ['.git']);
    const result = await runHaco(RUN_ARGS, { cwd: wt, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: wt, encoding: 'utf8' }).trim();
    expect(git('log', '-1', '--format=%s')).toBe('haco(a): a');
    expect(git('rev-parse', 'HEAD~1')).toBe(main);
    expect(git('status', '--porcelain')).toBe(''); // .haco/ is excluded
    expect(r.git('rev-parse', 'main')).toBe(main);
    expect(snapshotTree(r.root, ['.git'])).toEqual(before);
  });

  it('runs in a repository without commits and makes the first commit', async () => {
    const r = track(agentRepo({ 'plan.yaml': planYaml([['a', ['src/x.txt']]]) }, { commit: false }));
    const result = await runHaco(RUN_ARGS, { cwd: r.root, env: { HOME: r.home } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(0);
    expect(r.git('rev-list', '--count', 'HEAD')).toBe('1');
    expect(r.git('show', '--name-only', '--format=%s', 'HEAD')).toBe('haco(a): a\n\nsrc/x.txt');
    expect(r.git('status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual([
      '?? agent.sh',
      '?? append.sh',
      '?? cfg.yaml',
      '?? plan.yaml',
    ]);
  });
});

import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { fileDiff, taskChanges } from '../../src/workspace/changes.js';
import { Workspace } from '../../src/workspace/git.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`): string =>
  Array.from({ length: n }, (_, i) => `${f(i)}\n`).join('');

function setup(): TempRepo {
  const repo = makeRepo({
    files: {
      'lib/a.txt': 'one\ntwo\nthree\n',
      'lib/gone.txt': lines(5),
      'lib/same.txt': 'same\n',
      'lib/mode.sh': 'echo\n',
      'lib/big.txt': lines(2000),
      'other.txt': 'not owned\n',
    },
  });
  repos.push(repo);
  writeFileSync(join(repo.root, 'lib/img.bin'), Buffer.from([1, 0, 2, 0]));
  return repo;
}

describe('taskChanges', () => {
  it('counts lines added and removed per owned file since the checkpoint, sorted by path', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const patterns = ['lib/**'];
    const entries = await ws.checkpoint(patterns);
    expect(await taskChanges(ws, entries, patterns)).toEqual([]);

    repo.write('lib/a.txt', 'one\nTWO\nthree\nfour\nfive\n'); // 1 line changed, 2 appended
    repo.write('lib/new.txt', 'a\nb\nc\nno newline'); // created: 4 lines
    rmSync(join(repo.root, 'lib/gone.txt')); // deleted: 5 lines
    writeFileSync(join(repo.root, 'lib/img.bin'), Buffer.from([9, 0, 9])); // binary: 0/0
    chmodSync(join(repo.root, 'lib/mode.sh'), 0o755); // mode only: 0/0
    repo.write(
      'lib/big.txt',
      lines(2000, (i) => `rewritten ${i}`),
    ); // past jsdiff's bound: git counts it
    repo.write('other.txt', 'changed but not owned\n');

    expect(await taskChanges(ws, entries, patterns)).toEqual([
      { path: 'lib/a.txt', added: 3, removed: 1 },
      { path: 'lib/big.txt', added: 2000, removed: 2000 },
      { path: 'lib/gone.txt', added: 0, removed: 5 },
      { path: 'lib/img.bin', added: 0, removed: 0 },
      { path: 'lib/mode.sh', added: 0, removed: 0 },
      { path: 'lib/new.txt', added: 4, removed: 0 },
    ]);
  });

  it('counts a literal owned path that did not exist as created', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const entries = await ws.checkpoint(['src/power.js']);
    expect(entries).toEqual([{ path: 'src/power.js', blob: null }]);
    repo.write('src/power.js', 'export const power = () => 1;\n');
    expect(await taskChanges(ws, entries, ['src/power.js'])).toEqual([
      { path: 'src/power.js', added: 1, removed: 0 },
    ]);
  });
});

describe('fileDiff', () => {
  it('gives unified-diff hunks of one file against its checkpoint', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const entries = await ws.checkpoint(['lib/**']);
    const entry = (path: string) => entries.find((e) => e.path === path);
    repo.write('lib/a.txt', 'one\nTWO\nthree\n');
    repo.write('lib/new.txt', 'x\n');
    writeFileSync(join(repo.root, 'lib/img.bin'), Buffer.from([9, 0, 9]));

    expect(await fileDiff(ws, entry('lib/a.txt'), 'lib/a.txt')).toEqual({
      path: 'lib/a.txt',
      isBinary: false,
      hunks: [
        { oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, lines: [' one', '-two', '+TWO', ' three'] },
      ],
    });
    expect(await fileDiff(ws, undefined, 'lib/new.txt')).toMatchObject({
      hunks: [{ oldStart: 1, oldLines: 0, newStart: 1, newLines: 1, lines: ['+x'] }],
    });
    expect(await fileDiff(ws, entry('lib/img.bin'), 'lib/img.bin')).toEqual({
      path: 'lib/img.bin',
      isBinary: true,
      hunks: [],
    });
    expect(await fileDiff(ws, entry('lib/same.txt'), 'lib/same.txt')).toEqual({
      path: 'lib/same.txt',
      isBinary: false,
      hunks: [],
    });
    // Past jsdiff's bound the whole file shows as replaced, in one hunk.
    repo.write(
      'lib/big.txt',
      lines(2000, (i) => `rewritten ${i}`),
    );
    const big = await fileDiff(ws, entry('lib/big.txt'), 'lib/big.txt');
    expect(big.hunks).toHaveLength(1);
    expect(big.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 2000, newStart: 1, newLines: 2000 });
    expect(big.hunks[0]?.lines.slice(1999, 2001)).toEqual(['-line 1999', '+rewritten 0']);
  });
});

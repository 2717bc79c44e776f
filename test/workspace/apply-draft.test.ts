import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createTwoFilesPatch } from 'diff';
import { describe, expect, it, type TestContext } from 'vitest';

import { applyDraft, readOwnedFiles } from '../../src/workspace/apply-draft.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

function repoWith(context: TestContext, files: Record<string, string>): TempRepo {
  const repo = makeRepo({ files });
  context.onTestFinished(() => repo.dispose());
  return repo;
}

const read = (repo: TempRepo, path: string): string => readFileSync(join(repo.root, path), 'utf8');
const patchOf = (path: string, before: string, after: string, isNew = false): string =>
  createTwoFilesPatch(isNew ? '/dev/null' : `a/${path}`, `b/${path}`, before, after);

describe('applyDraft', () => {
  it('writes owned files from diffs and blocks: edits, creates (from /dev/null) and removes', (context) => {
    const repo = repoWith(context, { 'src/a.ts': 'a\nb\n', 'src/gone.ts': 'x\n', 'README.md': '# r\n' });
    const error = applyDraft(
      repo.root,
      ['src/'],
      [
        { kind: 'patch', path: 'src/a.ts', patch: patchOf('src/a.ts', 'a\nb\n', 'a\nc\n') },
        { kind: 'patch', path: 'src/deep/new.ts', patch: patchOf('src/deep/new.ts', '', 'new\n', true) },
        {
          kind: 'patch',
          path: 'src/gone.ts',
          patch: createTwoFilesPatch('a/src/gone.ts', '/dev/null', 'x\n', ''),
        },
        { kind: 'file', path: 'src/b.ts', content: 'whole\n' },
      ],
    );
    expect(error).toBeUndefined();
    expect(read(repo, 'src/a.ts')).toBe('a\nc\n');
    expect(read(repo, 'src/deep/new.ts')).toBe('new\n');
    expect(read(repo, 'src/b.ts')).toBe('whole\n');
    expect(existsSync(join(repo.root, 'src/gone.ts'))).toBe(false);
  });

  it('refuses a whole draft when one file is outside the task: nothing of it is written', (context) => {
    const repo = repoWith(context, { 'src/a.ts': 'a\n', 'lib/other.ts': 'o\n' });
    const error = applyDraft(
      repo.root,
      ['src/a.ts'],
      [
        { kind: 'file', path: 'src/a.ts', content: 'changed\n' },
        { kind: 'file', path: 'lib/other.ts', content: 'stolen\n' },
      ],
    );
    expect(error).toBe(`"lib/other.ts" is not one of the task's files (src/a.ts); change only those`);
    expect(read(repo, 'src/a.ts')).toBe('a\n');
    expect(read(repo, 'lib/other.ts')).toBe('o\n');
  });

  it('refuses a hunk that does not apply, naming the file and the hunk, and writes nothing', (context) => {
    const repo = repoWith(context, { 'src/a.ts': 'one\ntwo\n', 'src/b.ts': 'b\n' });
    const error = applyDraft(
      repo.root,
      ['src/'],
      [
        { kind: 'file', path: 'src/b.ts', content: 'B\n' },
        { kind: 'patch', path: 'src/a.ts', patch: patchOf('src/a.ts', 'uno\ndos\n', 'uno\ntres\n') },
      ],
    );
    expect(error).toBe(
      'the diff for "src/a.ts" does not apply to its current content (hunk @@ -1,2 +1,2 @@)',
    );
    expect(read(repo, 'src/b.ts')).toBe('b\n');
  });

  it('refuses paths that leave the repository, reach .git/ or .haco/, or go through a symlink', (context) => {
    const repo = repoWith(context, { 'src/a.ts': 'a\n' });
    mkdirSync(join(repo.root, 'outside-target'));
    symlinkSync(join(repo.root, 'outside-target'), join(repo.root, 'src/link'));
    const refuse = (path: string) =>
      applyDraft(repo.root, ['src/', '.git/'], [{ kind: 'file', path, content: 'x\n' }]);
    expect(refuse('../escape.ts')).toMatch(/leaves the repository/);
    expect(refuse('/etc/passwd')).toMatch(/is absolute/);
    expect(refuse('.git/config')).toMatch(/inside \.git\//);
    expect(refuse('src/link/x.ts')).toBe(
      '"src/link" is a symlink; haco writes drafts only through plain directories and files',
    );
    expect(existsSync(join(repo.root, 'outside-target/x.ts'))).toBe(false);
  });

  it('refuses a new-file diff over an existing file, an edit of a missing one, a path twice, and an empty draft', (context) => {
    const repo = repoWith(context, { 'src/a.ts': 'a\n' });
    const files = ['src/'];
    expect(
      applyDraft(repo.root, files, [
        { kind: 'patch', path: 'src/a.ts', patch: patchOf('src/a.ts', '', 'a\n', true) },
      ]),
    ).toMatch(/exists; a diff from \/dev\/null only creates new files/);
    expect(
      applyDraft(repo.root, files, [
        { kind: 'patch', path: 'src/z.ts', patch: patchOf('src/z.ts', 'z\n', 'y\n') },
      ]),
    ).toMatch(/does not exist; create it with a diff from \/dev\/null/);
    expect(
      applyDraft(repo.root, files, [
        { kind: 'file', path: 'src/b.ts', content: '1\n' },
        { kind: 'file', path: './src/b.ts', content: '2\n' },
      ]),
    ).toMatch(/appears twice/);
    expect(existsSync(join(repo.root, 'src/b.ts'))).toBe(false);
    expect(applyDraft(repo.root, files, [])).toBe('the draft changes no file');
  });
});

describe('readOwnedFiles', () => {
  it('lists the owned files that exist, globs expanded, with their content, in path order', (context) => {
    const repo = repoWith(context, {
      'src/b.ts': 'b\n',
      'src/a.ts': 'a\n',
      'docs/x.md': 'x\n',
      'other.ts': 'o\n',
    });
    writeFileSync(join(repo.root, 'src/untracked.ts'), 'u\n');
    expect(readOwnedFiles(repo.root, ['src/*.ts', 'docs/x.md', 'missing.ts'])).toEqual([
      { path: 'docs/x.md', content: 'x\n' },
      { path: 'src/a.ts', content: 'a\n' },
      { path: 'src/b.ts', content: 'b\n' },
      { path: 'src/untracked.ts', content: 'u\n' },
    ]);
  });
});

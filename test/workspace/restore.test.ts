import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { HacoError } from '../../src/lib/errors.js';
import { Workspace } from '../../src/workspace/git.js';
import { restorePaths } from '../../src/workspace/restore.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

const BINARY = Buffer.from([0x89, 0x50, 0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0x00, 0x1a]);
const CRLF = Buffer.from('first line\r\nsecond line\r\nno newline at the end', 'utf8');

function writeBytes(repo: TempRepo, path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(join(repo.root, path)), { recursive: true });
  writeFileSync(join(repo.root, path), bytes);
}
const bytesOf = (repo: TempRepo, path: string): Buffer => readFileSync(join(repo.root, path));
const modeOf = (repo: TempRepo, path: string): number => statSync(join(repo.root, path)).mode & 0o777;

/** A repo whose `lib/` a task owns, with a user's staged change and untracked file elsewhere. */
function setup(): TempRepo {
  const repo = makeRepo({
    files: { 'README.md': '# readme\n', 'lib/keep.txt': 'kept\n', 'lib/run.sh': '#!/bin/sh\necho hi\n' },
    executables: ['lib/run.sh'],
  });
  repos.push(repo);
  writeBytes(repo, 'lib/blob.bin', BINARY);
  writeBytes(repo, 'lib/text.txt', CRLF);
  repo.git('add', 'lib/blob.bin', 'lib/text.txt');
  repo.git('commit', '-q', '-m', 'binary and crlf');
  // The user's own state: autocrlf on (a filter that would rewrite CRLF), a staged edit outside
  // the owned paths, an untracked file outside them, and an untracked draft inside them.
  repo.git('config', 'core.autocrlf', 'true');
  repo.git('config', 'core.safecrlf', 'false');
  repo.write('README.md', '# readme\nstaged by the user\n');
  repo.git('add', 'README.md');
  repo.write('README.md', '# readme\nstaged by the user\nand an unstaged line\n');
  repo.write('notes.txt', 'the user is thinking\n');
  repo.write('lib/draft.txt', 'untracked draft in an owned dir\n');
  return repo;
}

describe('restorePaths', () => {
  it('restores bytes and modes exactly, deletes created files, touches nothing else', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const patterns = ['lib/**', 'gen/out.txt'];
    const entries = await ws.checkpoint(patterns);
    expect(entries.find((e) => e.path === 'lib/run.sh')?.mode).toBe(0o755);
    expect(entries.find((e) => e.path === 'gen/out.txt')).toEqual({ path: 'gen/out.txt', blob: null });
    const before = new Map(
      ['lib/blob.bin', 'lib/text.txt', 'lib/run.sh', 'lib/keep.txt', 'lib/draft.txt'].map((p) => [
        p,
        { bytes: bytesOf(repo, p), mode: modeOf(repo, p) },
      ]),
    );

    // The "task": rewrites, a mode change, a deletion, new files (one deep, one a symlink to a user file).
    writeBytes(repo, 'lib/text.txt', 'first line\nsecond line\n');
    writeBytes(repo, 'lib/blob.bin', Buffer.from([0x00, 0x01]));
    writeBytes(repo, 'lib/run.sh', '#!/bin/sh\necho changed\n');
    chmodSync(join(repo.root, 'lib/run.sh'), 0o644);
    rmSync(join(repo.root, 'lib/draft.txt'));
    writeBytes(repo, 'lib/sub/deep/new.js', 'export {};\n');
    writeBytes(repo, 'gen/out.txt', 'generated\n');
    symlinkSync('../notes.txt', join(repo.root, 'lib/link'));

    const index = readFileSync(join(repo.root, '.git', 'index'));
    const staged = repo.git('diff', '--cached');
    const result = await restorePaths(ws, entries, patterns);

    expect(result).toEqual([
      { path: 'gen/out.txt', action: 'deleted' },
      { path: 'lib/blob.bin', action: 'restored' },
      { path: 'lib/draft.txt', action: 'restored' },
      { path: 'lib/keep.txt', action: 'unchanged' },
      { path: 'lib/link', action: 'deleted' },
      { path: 'lib/run.sh', action: 'restored' },
      { path: 'lib/sub/deep/new.js', action: 'deleted' },
      { path: 'lib/text.txt', action: 'restored' },
    ]);
    for (const [path, was] of before) {
      expect(bytesOf(repo, path).equals(was.bytes), path).toBe(true);
      expect(modeOf(repo, path), path).toBe(was.mode);
    }
    expect(bytesOf(repo, 'lib/text.txt').equals(CRLF)).toBe(true);
    expect(bytesOf(repo, 'lib/blob.bin').equals(BINARY)).toBe(true);
    expect(existsSync(join(repo.root, 'gen/out.txt'))).toBe(false);
    expect(existsSync(join(repo.root, 'lib/sub'))).toBe(false); // emptied owned directories go too
    expect(() => lstatSync(join(repo.root, 'lib/link'))).toThrow();
    // The user's work: the symlink's target, the index (byte for byte), the staged and unstaged edits.
    expect(bytesOf(repo, 'notes.txt').toString()).toBe('the user is thinking\n');
    expect(readFileSync(join(repo.root, '.git', 'index')).equals(index)).toBe(true);
    expect(repo.git('diff', '--cached')).toBe(staged);
    expect(bytesOf(repo, 'README.md').toString()).toBe(
      '# readme\nstaged by the user\nand an unstaged line\n',
    );

    // A second restore has nothing left to do.
    expect((await restorePaths(ws, entries, patterns)).every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('restores an entry written before modes were recorded, leaving the current mode', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const entries = (await ws.checkpoint(['lib/run.sh'])).map(({ path, blob }) => ({ path, blob }));
    writeBytes(repo, 'lib/run.sh', 'changed\n');
    expect(await restorePaths(ws, entries, ['lib/run.sh'])).toEqual([
      { path: 'lib/run.sh', action: 'restored' },
    ]);
    expect(bytesOf(repo, 'lib/run.sh').toString()).toBe('#!/bin/sh\necho hi\n');
    expect(modeOf(repo, 'lib/run.sh')).toBe(0o755);
  });

  it('refuses before touching anything when a checkpoint blob is gone', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const entries = [
      ...(await ws.checkpoint(['lib/keep.txt'])),
      { path: 'lib/text.txt', blob: '0123456789012345678901234567890123456789' },
    ];
    writeBytes(repo, 'lib/keep.txt', 'changed\n');
    const error = await restorePaths(ws, entries, ['lib/keep.txt', 'lib/text.txt']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HacoError);
    expect((error as HacoError).code).toBe('checkpoint.missing');
    expect((error as HacoError).lines[0]).toContain('lib/text.txt');
    expect(bytesOf(repo, 'lib/keep.txt').toString()).toBe('changed\n');
  });
});

describe('restorePaths with a guard (what haco left)', () => {
  /**
   * A task that owns `lib/**` and `gen/out.txt` ran (rewrote lib/text.txt and lib/blob.bin,
   * created lib/new.js and gen/out.txt); haco recorded what it left. Returns the checkpoint and
   * the left entries.
   */
  async function afterTask(repo: TempRepo, ws: Workspace, patterns: string[]) {
    const checkpoint = await ws.checkpoint(patterns);
    writeBytes(repo, 'lib/text.txt', 'first line\nsecond line\n');
    writeBytes(repo, 'lib/blob.bin', Buffer.from([0x00, 0x01]));
    writeBytes(repo, 'lib/new.js', 'export {};\n');
    writeBytes(repo, 'gen/out.txt', 'generated\n');
    const left = await ws.checkpoint(patterns);
    return { checkpoint, left };
  }

  it('restores only what is still as haco left it; the user’s later work is kept byte for byte', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const patterns = ['lib/**', 'gen/out.txt'];
    const { checkpoint, left } = await afterTask(repo, ws, patterns);
    // After the run, the user: edits a file haco wrote, edits one haco created, creates a file in
    // the owned directory, chmods a file haco never touched, deletes another.
    const userBlob = Buffer.from([0xca, 0xfe, 0x00, 0x0a]);
    writeBytes(repo, 'lib/blob.bin', userBlob);
    writeBytes(repo, 'gen/out.txt', 'generated\nand the user’s line\n');
    writeBytes(repo, 'lib/sub/mine.txt', 'the user’s new file\n');
    chmodSync(join(repo.root, 'lib/run.sh'), 0o700);
    rmSync(join(repo.root, 'lib/keep.txt'));

    const result = await restorePaths(ws, checkpoint, patterns, { left });
    expect(result).toEqual([
      { path: 'gen/out.txt', action: 'kept', reason: 'changed since the run' },
      { path: 'lib/blob.bin', action: 'kept', reason: 'changed since the run' },
      { path: 'lib/draft.txt', action: 'unchanged' },
      { path: 'lib/keep.txt', action: 'kept', reason: 'deleted since the run' },
      { path: 'lib/new.js', action: 'deleted' },
      { path: 'lib/run.sh', action: 'kept', reason: 'changed since the run' },
      { path: 'lib/sub/mine.txt', action: 'kept', reason: 'created since the run' },
      { path: 'lib/text.txt', action: 'restored' },
    ]);
    expect(bytesOf(repo, 'lib/blob.bin').equals(userBlob)).toBe(true);
    expect(bytesOf(repo, 'gen/out.txt').toString()).toBe('generated\nand the user’s line\n');
    expect(bytesOf(repo, 'lib/sub/mine.txt').toString()).toBe('the user’s new file\n');
    expect(modeOf(repo, 'lib/run.sh')).toBe(0o700);
    expect(existsSync(join(repo.root, 'lib/keep.txt'))).toBe(false);
    expect(existsSync(join(repo.root, 'lib/new.js'))).toBe(false);
    expect(bytesOf(repo, 'lib/text.txt').equals(CRLF)).toBe(true);
    expect(bytesOf(repo, 'lib/draft.txt').toString()).toBe('untracked draft in an owned dir\n');

    // --force: every owned path back at the checkpoint, the user's later work there included.
    const forced = await restorePaths(ws, checkpoint, patterns, { left, force: true });
    expect(forced.filter((r) => r.action !== 'unchanged')).toEqual([
      { path: 'gen/out.txt', action: 'deleted' },
      { path: 'lib/blob.bin', action: 'restored' },
      { path: 'lib/keep.txt', action: 'restored' },
      { path: 'lib/run.sh', action: 'restored' },
      { path: 'lib/sub/mine.txt', action: 'deleted' },
    ]);
    expect(bytesOf(repo, 'lib/blob.bin').equals(BINARY)).toBe(true);
    expect(bytesOf(repo, 'lib/keep.txt').toString()).toBe('kept\n');
    expect(modeOf(repo, 'lib/run.sh')).toBe(0o755);
    expect(existsSync(join(repo.root, 'lib/sub'))).toBe(false);
  });

  it('keeps every differing path, saying why, when what haco left was never recorded', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const patterns = ['lib/**', 'gen/out.txt'];
    const { checkpoint } = await afterTask(repo, ws, patterns);
    const before = snapshotOf(repo, ['lib/text.txt', 'lib/blob.bin', 'lib/new.js', 'gen/out.txt']);
    const result = await restorePaths(ws, checkpoint, patterns, { left: null });
    const kept = result.filter((r) => r.action === 'kept');
    expect(kept.map((r) => r.path)).toEqual(['gen/out.txt', 'lib/blob.bin', 'lib/new.js', 'lib/text.txt']);
    expect(new Set(kept.map((r) => r.reason))).toEqual(
      new Set(['no record of what haco left here: a run from an older haco']),
    );
    expect(result.filter((r) => r.action !== 'kept').every((r) => r.action === 'unchanged')).toBe(true);
    expect(snapshotOf(repo, [...before.keys()])).toEqual(before);
  });

  it('a git-ignored owned file: the user’s is kept (or restored), one haco created is deleted', async () => {
    const repo = makeRepo({ files: { '.gitignore': '*.env\nbuild/\n', 'README.md': '# r\n' } });
    repos.push(repo);
    const userEnv = 'TOKEN=the-user’s\r\n';
    writeBytes(repo, 'local.env', userEnv);
    writeBytes(repo, 'other.env', 'OTHER=1\n');
    const ws = await Workspace.open(repo.root);
    const patterns = ['local.env', 'other.env', 'build/**'];
    const checkpoint = await ws.checkpoint(patterns);
    // The task rewrites other.env and creates an ignored build output; local.env it leaves alone.
    writeBytes(repo, 'other.env', 'OTHER=haco\n');
    writeBytes(repo, 'build/out.js', 'built\n');
    const left = await ws.checkpoint(patterns);
    // After the run the user drops an ignored file of their own into build/.
    writeBytes(repo, 'build/user.map', 'the user’s map\n');

    const result = await restorePaths(ws, checkpoint, patterns, { left });
    expect(result).toEqual([
      { path: 'build/out.js', action: 'deleted' },
      { path: 'local.env', action: 'unchanged' },
      { path: 'other.env', action: 'restored' },
    ]);
    expect(bytesOf(repo, 'local.env').toString()).toBe(userEnv);
    expect(bytesOf(repo, 'other.env').toString()).toBe('OTHER=1\n');
    expect(bytesOf(repo, 'build/user.map').toString()).toBe('the user’s map\n');
    expect(existsSync(join(repo.root, 'build/out.js'))).toBe(false);
  });

  it('leaves alone a path haco left outside the patterns (granted during the run: no checkpoint)', async () => {
    const repo = setup();
    const ws = await Workspace.open(repo.root);
    const { checkpoint, left } = await afterTask(repo, ws, ['lib/**', 'gen/out.txt']);
    const readme = bytesOf(repo, 'README.md');
    const granted = [...left, ...(await ws.checkpoint(['README.md']))];
    const result = await restorePaths(ws, checkpoint, ['lib/**', 'gen/out.txt'], { left: granted });
    expect(result.map((r) => r.path)).not.toContain('README.md');
    expect(bytesOf(repo, 'README.md').equals(readme)).toBe(true);
    expect(existsSync(join(repo.root, 'lib/new.js'))).toBe(false);
  });

  it('restores a symlink haco re-pointed as a symlink; one the user re-pointed since is kept', async () => {
    const repo = makeRepo({ files: { 'README.md': '# r\n', 'other.md': 'o\n' } });
    repos.push(repo);
    symlinkSync('../README.md', join(repo.root, 'a-link'));
    symlinkSync('../README.md', join(repo.root, 'b-link'));
    const ws = await Workspace.open(repo.root);
    const patterns = ['a-link', 'b-link'];
    const checkpoint = await ws.checkpoint(patterns);
    for (const link of patterns) {
      rmSync(join(repo.root, link));
      symlinkSync('other.md', join(repo.root, link));
    }
    const left = await ws.checkpoint(patterns);
    rmSync(join(repo.root, 'b-link'));
    symlinkSync('nowhere', join(repo.root, 'b-link')); // the user's own, dangling on purpose

    expect(await restorePaths(ws, checkpoint, patterns, { left })).toEqual([
      { path: 'a-link', action: 'restored' },
      { path: 'b-link', action: 'kept', reason: 'changed since the run' },
    ]);
    expect(lstatSync(join(repo.root, 'a-link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(repo.root, 'a-link'))).toBe('../README.md');
    expect(readlinkSync(join(repo.root, 'b-link'))).toBe('nowhere');
    expect(bytesOf(repo, 'README.md').toString()).toBe('# r\n');
  });
});

/** Bytes of each path (null when absent), for before/after comparisons. */
function snapshotOf(repo: TempRepo, paths: string[]): Map<string, string | null> {
  return new Map(
    paths.map((p) => [p, existsSync(join(repo.root, p)) ? bytesOf(repo, p).toString('base64') : null]),
  );
}

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

import { UsageError } from '../lib/errors.js';
import { isGlobPattern, literalPrefix, ownershipMatcher } from '../ownership/paths.js';
import { runGit, runGitBytes } from './git-run.js';
import { hashPaths, isHashable, lstatOrUndefined } from './hash.js';

/**
 * A checkpointed path: its blob id as it was, or null when it did not exist. `mode` is the file's
 * permission bits (`st_mode & 0o777`, e.g. 0o755) when it was checkpointed; entries written before
 * haco recorded modes have none, and a restore then leaves the current mode alone. `kind:
 * 'symlink'` marks a symlink, whose blob is its link text (as git stores one); absent, the path was
 * a regular file.
 */
export interface CheckpointEntry {
  readonly path: string;
  readonly blob: string | null;
  readonly mode?: number;
  readonly kind?: 'symlink';
}

/**
 * Git operations of one repository: checkpoints, per-task commits, status of owned paths. Every
 * call goes through `runGit` (no fsmonitor, no hooks, no optional index locks).
 */
export class Workspace {
  private constructor(readonly root: string) {}

  /**
   * Opens the repository containing `cwd` (a linked worktree, whose `.git` is a file, too).
   * @throws UsageError when `cwd` is not inside a git work tree (exit 2)
   */
  static async open(cwd: string): Promise<Workspace> {
    const result = await runGit(cwd, ['rev-parse', '--show-toplevel'], { reject: false }).catch(
      () => undefined,
    );
    const root = result?.exitCode === 0 ? result.stdout.trim() : '';
    if (root === '') {
      throw new UsageError(
        `${cwd}: not inside a git repository (haco runs tasks in a git work tree; run git init)`,
      );
    }
    return new Workspace(root);
  }

  /** The commit HEAD points at, or null in a repository without commits. */
  async head(): Promise<string | null> {
    const result = await runGit(this.root, ['rev-parse', '--verify', '-q', 'HEAD'], { reject: false });
    return result.exitCode === 0 ? result.stdout.trim() || null : null;
  }

  /**
   * The absolute path of a file in the repository's git dir, as `git rev-parse --git-path NAME`
   * resolves it (per worktree for `MERGE_HEAD`, shared for `info/exclude`).
   */
  async gitPath(name: string): Promise<string> {
    const rel = (await runGit(this.root, ['rev-parse', '--git-path', name])).stdout.trim();
    return isAbsolute(rel) ? rel : join(this.root, rel);
  }

  /** Adds `.haco/` to `.git/info/exclude` (never to the user's .gitignore). Idempotent. */
  async excludeHacoDir(): Promise<void> {
    const file = await this.gitPath('info/exclude');
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current.split('\n').some((line) => line.trim() === '.haco/' || line.trim() === '/.haco/')) return;
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}/.haco/\n`);
  }

  /**
   * Tracked and untracked (not ignored) files, repo-relative, matching the owned patterns. Only
   * what git can hold as a blob counts: regular files and symlinks (dangling ones too), never a
   * submodule or a nested repository.
   */
  async ownedFiles(patterns: readonly string[]): Promise<string[]> {
    const out = (await runGit(this.root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
      .stdout;
    const matches = ownershipMatcher(patterns);
    const files = new Set(out.split('\0').filter((p) => p && !p.endsWith('/') && matches(p)));
    return [...files].filter((p) => isHashable(this.root, p)).sort();
  }

  /**
   * Git-ignored files matching the owned patterns (a task that owns `.env`, say). Looked for under
   * each pattern's literal directories; a pattern with none (`**\/*.local`) finds only ignored files
   * outside ignored directories, so a checkpoint never walks `node_modules/`.
   */
  async ignoredOwnedFiles(patterns: readonly string[]): Promise<string[]> {
    const matches = ownershipMatcher(patterns);
    const scoped = patterns.map((p) => literalPrefix(p).join('/')).filter((p) => p !== '');
    const listings: string[] = [];
    const list = async (extra: string[], specs: string[]): Promise<void> => {
      const args = ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', ...extra, '--'];
      const result = await runGit(this.root, [...args, ...specs.map((s) => `:(literal)${s}`)], {
        reject: false,
      });
      if (result.exitCode === 0) listings.push(result.stdout);
    };
    if (scoped.length) await list([], scoped);
    if (scoped.length < patterns.length) await list(['--directory'], []);
    const files = new Set(
      listings.flatMap((l) => l.split('\0')).filter((p) => p && !p.endsWith('/') && matches(p)),
    );
    return [...files].filter((p) => isHashable(this.root, p)).sort();
  }

  /**
   * Checkpoints the owned paths: the blob of each existing owned file's current content (written
   * with `git hash-object -w`, so dirty, untracked and git-ignored content is restorable), plus a
   * null entry for each literal owned path that does not exist yet. Content is hashed as git
   * stages it (see `hashPaths`): a file's bytes as they are on disk (no `core.autocrlf` or clean
   * filter), so a restore writes them back byte for byte; a symlink's link text, with `kind:
   * 'symlink'`.
   */
  async checkpoint(patterns: readonly string[]): Promise<CheckpointEntry[]> {
    const files = [
      ...new Set([...(await this.ownedFiles(patterns)), ...(await this.ignoredOwnedFiles(patterns))]),
    ].sort();
    const hashed = await hashPaths(this.root, files);
    const entries: CheckpointEntry[] = files.map((path) => {
      const h = hashed.get(path);
      if (h?.kind === 'symlink') return { path, blob: h.blob, kind: 'symlink' };
      return h?.mode === undefined ? { path, blob: h?.blob ?? null } : { path, blob: h.blob, mode: h.mode };
    });
    for (const pattern of patterns) {
      if (isGlobPattern(pattern) || files.some((f) => f === pattern || f.startsWith(`${pattern}/`))) continue;
      entries.push({ path: pattern, blob: null });
    }
    return entries;
  }

  /**
   * The raw bytes of blobs, by id, read in one `git cat-file --batch` (no filters, no newline
   * stripping: exactly what `hash-object -w --no-filters` stored). An id that is not a blob in the
   * object store (e.g. pruned by `git gc` long after its checkpoint) is left out of the map.
   */
  async readBlobs(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const unique = [...new Set(ids)];
    const blobs = new Map<string, Buffer>();
    if (unique.length === 0) return blobs;
    const out = await runGitBytes(this.root, ['cat-file', '--batch'], `${unique.join('\n')}\n`);
    let at = 0;
    for (const id of unique) {
      // Each object is "<id> <type> <size>\n<bytes>\n"; a missing one is "<id> missing\n".
      const eol = out.indexOf(0x0a, at);
      if (eol < 0) break;
      const header = out.toString('utf8', at, eol).split(' ');
      if (header.length !== 3) {
        at = eol + 1;
        continue;
      }
      const size = Number(header[2]);
      if (header[1] === 'blob') blobs.set(id, out.subarray(eol + 1, eol + 1 + size));
      at = eol + 1 + size + 1;
    }
    return blobs;
  }

  /**
   * Repo-relative paths with changes (staged, unstaged, untracked, deleted) matching the patterns.
   * A submodule or nested repository (a directory on disk) is never one of them: haco commits
   * files of this repository only.
   */
  async changedFiles(patterns: readonly string[]): Promise<string[]> {
    const out = (await runGit(this.root, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout;
    const matches = ownershipMatcher(patterns);
    const paths: string[] = [];
    const fields = out.split('\0');
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] ?? '';
      if (field.length < 4) continue;
      const code = field.slice(0, 2);
      paths.push(field.slice(3));
      if (code.startsWith('R') || code.startsWith('C')) paths.push(fields[++i] ?? '');
    }
    const isDirectory = (p: string): boolean =>
      p.endsWith('/') || lstatOrUndefined(join(this.root, p))?.isDirectory() === true;
    return [...new Set(paths.filter((p) => p && matches(p) && !isDirectory(p)))].sort();
  }

  /**
   * Commits exactly `paths` (additions, changes and deletions) with `message`, leaving anything
   * else staged in the user's index out of the commit (`git commit --only`). Paths are literal
   * (`app/[id]/page.tsx` is no glob) and go through stdin, so any number fits. No hook runs
   * (`core.hooksPath=/dev/null`: `--no-verify` alone would still run post-commit): haco has
   * already run the task's verify commands. Works in a repository without commits (the first
   * commit). Uses haco's identity when the repo has none.
   * @returns the new commit's sha, or null when the paths hold no change
   */
  async commitPaths(paths: readonly string[], message: string): Promise<string | null> {
    if (paths.length === 0) return null;
    const input = `${paths.join('\0')}\0`;
    const fromStdin = ['--pathspec-from-file=-', '--pathspec-file-nul'];
    await runGit(this.root, ['--literal-pathspecs', 'add', '-A', ...fromStdin], { input });
    const wanted = new Set(paths);
    const staged = (await runGit(this.root, ['diff', '--cached', '--name-only', '--no-renames', '-z']))
      .stdout;
    if (!staged.split('\0').some((p) => wanted.has(p))) return null;
    const identity = (await this.hasIdentity())
      ? []
      : ['-c', 'user.name=haco', '-c', 'user.email=haco@localhost'];
    await runGit(
      this.root,
      [
        ...identity,
        '--literal-pathspecs',
        'commit',
        '--no-verify',
        '-q',
        '-m',
        message,
        '--only',
        ...fromStdin,
      ],
      { input },
    );
    return (await this.head()) ?? null;
  }

  private async hasIdentity(): Promise<boolean> {
    const result = await runGit(this.root, ['config', 'user.email'], { reject: false });
    return result.exitCode === 0 && result.stdout.trim() !== '';
  }
}

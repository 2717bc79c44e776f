import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

import { execa } from 'execa';
import { simpleGit, type SimpleGit } from 'simple-git';

import { UsageError } from '../lib/errors.js';
import { ownershipMatcher } from '../ownership/paths.js';

/**
 * A checkpointed path: its blob id as it was, or null when it did not exist. `mode` is the file's
 * permission bits (`st_mode & 0o777`, e.g. 0o755) when it was checkpointed; entries written before
 * haco recorded modes have none, and a restore then leaves the current mode alone.
 */
export interface CheckpointEntry {
  readonly path: string;
  readonly blob: string | null;
  readonly mode?: number;
}

/**
 * Git operations of one repository: checkpoints, per-task commits, status of owned paths.
 * High-level calls go through simple-git 3; `hash-object --stdin-paths` through execa (it needs stdin).
 */
export class Workspace {
  private readonly git: SimpleGit;

  private constructor(readonly root: string) {
    this.git = simpleGit({ baseDir: root });
  }

  /**
   * Opens the repository containing `cwd`.
   * @throws UsageError when `cwd` is not inside a git work tree (exit 2)
   */
  static async open(cwd: string): Promise<Workspace> {
    let root: string;
    try {
      root = (await simpleGit({ baseDir: cwd }).revparse(['--show-toplevel'])).trim();
    } catch {
      throw new UsageError(
        `${cwd}: not inside a git repository (haco runs tasks in a git work tree; run git init)`,
      );
    }
    return new Workspace(root);
  }

  /** The commit HEAD points at, or null in a repository without commits. */
  async head(): Promise<string | null> {
    try {
      return (await this.git.revparse(['--verify', '-q', 'HEAD'])).trim() || null;
    } catch {
      return null;
    }
  }

  /** Adds `.haco/` to `.git/info/exclude` (never to the user's .gitignore). Idempotent. */
  async excludeHacoDir(): Promise<void> {
    const rel = (await this.git.raw(['rev-parse', '--git-path', 'info/exclude'])).trim();
    const file = isAbsolute(rel) ? rel : join(this.root, rel);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current.split('\n').some((line) => line.trim() === '.haco/' || line.trim() === '/.haco/')) return;
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}/.haco/\n`);
  }

  /** Tracked and untracked (not ignored) files, repo-relative, matching the owned patterns. */
  async ownedFiles(patterns: readonly string[]): Promise<string[]> {
    const out = await this.git.raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
    const matches = ownershipMatcher(patterns);
    const files = new Set(out.split('\0').filter((p) => p && matches(p)));
    return [...files].filter((p) => existsSync(join(this.root, p))).sort();
  }

  /**
   * Checkpoints the owned paths: the blob of each existing owned file's current content (written
   * with `git hash-object -w`, so dirty and untracked content is restorable), plus a null entry for
   * each literal owned path that does not exist yet. `--no-filters` stores the bytes as they are on
   * disk (no `core.autocrlf` or clean filter), so a restore writes them back byte for byte.
   */
  async checkpoint(patterns: readonly string[]): Promise<CheckpointEntry[]> {
    const files = await this.ownedFiles(patterns);
    const blobs = files.length
      ? (
          await execa('git', ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
            cwd: this.root,
            input: files.join('\n'),
          })
        ).stdout.split('\n')
      : [];
    const entries: CheckpointEntry[] = files.map((path, i) => ({
      path,
      blob: blobs[i] ?? null,
      mode: statSync(join(this.root, path)).mode & 0o777,
    }));
    for (const pattern of patterns) {
      if (/[*?[\]{}()!+@]/.test(pattern) || files.some((f) => f === pattern || f.startsWith(`${pattern}/`)))
        continue;
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
    const { stdout } = await execa('git', ['cat-file', '--batch'], {
      cwd: this.root,
      input: `${unique.join('\n')}\n`,
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    const out = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
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

  /** Repo-relative paths with changes (staged, unstaged, untracked, deleted) matching the patterns. */
  async changedFiles(patterns: readonly string[]): Promise<string[]> {
    const out = await this.git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
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
    return [...new Set(paths.filter((p) => p && matches(p)))].sort();
  }

  /**
   * Commits exactly `paths` (additions, changes and deletions) with `message`, leaving anything
   * else staged in the user's index out of the commit (`git commit --only`). Hooks are skipped:
   * haco has already run the task's verify commands. Uses haco's identity when the repo has none.
   * @returns the new commit's sha, or null when the paths hold no change
   */
  async commitPaths(paths: readonly string[], message: string): Promise<string | null> {
    if (paths.length === 0) return null;
    await this.git.raw(['add', '-A', '--', ...paths]);
    const staged = await this.git.raw(['diff', '--cached', '--name-only', '-z', '--', ...paths]);
    if (!staged.replace(/\0/g, '')) return null;
    const identity = (await this.hasIdentity())
      ? []
      : ['-c', 'user.name=haco', '-c', 'user.email=haco@localhost'];
    await this.git.raw([...identity, 'commit', '--no-verify', '-q', '-m', message, '--only', '--', ...paths]);
    return (await this.head()) ?? null;
  }

  private async hasIdentity(): Promise<boolean> {
    try {
      return (await this.git.raw(['config', 'user.email'])).trim() !== '';
    } catch {
      return false;
    }
  }
}

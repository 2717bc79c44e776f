import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { runGit, runGitBytes } from './git-run.js';
import { hashPaths, lstatOrUndefined, type HashedPath } from './hash.js';

/**
 * One path's accepted state: its blob (a file's bytes, or a symlink's link text), kind and, for a
 * regular file, its permission bits, so a `chmod` is a change like any other.
 */
export type BaselineEntry = HashedPath;

/** Whether two states of a path are the same (null: the path does not exist). */
export function sameEntry(a: BaselineEntry | null, b: BaselineEntry | null): boolean {
  if (a === null || b === null) return a === b;
  return a.blob === b.blob && a.kind === b.kind && (a.mode ?? -1) === (b.mode ?? -1);
}

/**
 * The last accepted state of every non-ignored file in the work tree, plus the guarded files of
 * `.git/` and `.haco/` (see watcher.ts `guardedPaths`), as git blob ids with kind and mode: taken
 * once when a run starts driving (dirty and untracked content included; the user's index is never
 * touched), then updated for every change haco accepts. A violation is judged and undone against
 * it: "previous content" is exactly what was there before the unaccepted write.
 */
export class ContentBaseline {
  private constructor(
    private readonly root: string,
    private readonly entries: Map<string, BaselineEntry>,
  ) {}

  /**
   * Hashes every tracked and untracked (not ignored) file as it is on disk, plus `extra`
   * repo-relative paths (guarded files under `.git/` and `.haco/`), the way git stages them (see
   * `hashPaths`: no clean filters or line-ending conversion, a symlink as its link text), so a
   * restore is byte for byte.
   * @throws ExecaError when git cannot list or hash the files
   */
  static async capture(root: string, extra: readonly string[] = []): Promise<ContentBaseline> {
    const listed = (await runGit(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
      .stdout;
    const paths = [...new Set([...listed.split('\0').filter(Boolean), ...extra])];
    return new ContentBaseline(root, await hashPaths(root, paths));
  }

  /** The accepted state of a path, or null when it should not exist. */
  get(path: string): BaselineEntry | null {
    return this.entries.get(path) ?? null;
  }

  /** Whether the baseline holds the path (it existed and git does not ignore it, or it is guarded). */
  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** Sets a path's accepted state (null: it should not exist). */
  set(path: string, entry: BaselineEntry | null): void {
    if (entry === null) this.entries.delete(path);
    else this.entries.set(path, entry);
  }

  /** Hashes a path's current state into the object store; null when it is not a file or link. */
  async current(path: string): Promise<BaselineEntry | null> {
    try {
      return (await hashPaths(this.root, [path])).get(path) ?? null;
    } catch {
      return null; // gone or unreadable while hashed: judged again on its next event
    }
  }

  /**
   * Accepts the current content of every path `matches` selects (files on disk that git does not
   * ignore, plus known paths that are gone) and returns the paths whose state changed.
   */
  async acceptMatching(matches: (path: string) => boolean): Promise<string[]> {
    const listed = (await runGit(this.root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
      .stdout;
    const paths = new Set([...listed.split('\0'), ...this.entries.keys()].filter((p) => p && matches(p)));
    const changed: string[] = [];
    for (const path of paths) {
      const before = this.get(path);
      if (!sameEntry(await this.accept(path), before)) changed.push(path);
    }
    return changed;
  }

  /** A regular file's permission bits now (one lstat, no hashing); undefined for anything else. */
  modeNow(path: string): number | undefined {
    const stat = lstatOrUndefined(join(this.root, path));
    return stat?.isFile() ? stat.mode & 0o777 : undefined;
  }

  /** The commit a loose ref file (or a detached HEAD) names now; undefined for a symbolic ref. */
  refValue(path: string): string | undefined {
    try {
      const text = readFileSync(join(this.root, path), 'utf8').trim();
      return /^[0-9a-f]{40,64}$/.test(text) ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** Accepts a path's current state as the new baseline. */
  async accept(path: string): Promise<BaselineEntry | null> {
    const entry = await this.current(path);
    this.set(path, entry);
    return entry;
  }
}

/** What `restoreBlob` puts back: a blob, and how to write it (a file's mode, or a symlink). */
export interface RestoreTarget {
  readonly blob: string;
  readonly kind?: 'file' | 'symlink';
  /** Permission bits to set on a regular file; absent: a new file's default, an old one's as is. */
  readonly mode?: number;
}

/**
 * Puts a repo-relative path back to a blob byte for byte (a symlink as a symlink, a file with its
 * mode), or deletes it when `target` is null. Never writes through a symlink that stands in the way.
 * @throws ExecaError when the blob is missing from the object store
 */
export async function restoreBlob(root: string, path: string, target: RestoreTarget | null): Promise<void> {
  const abs = join(root, path);
  const stat = lstatOrUndefined(abs);
  if (target === null) {
    if (stat && !stat.isDirectory()) unlinkSync(abs);
    return;
  }
  const bytes = await runGitBytes(root, ['cat-file', 'blob', target.blob]);
  mkdirSync(dirname(abs), { recursive: true });
  if (stat?.isSymbolicLink() || (stat && target.kind === 'symlink')) unlinkSync(abs);
  if (target.kind === 'symlink') {
    symlinkSync(bytes.toString(), abs);
    return;
  }
  writeFileSync(abs, bytes);
  if (target.mode !== undefined && (lstatSync(abs).mode & 0o777) !== target.mode) chmodSync(abs, target.mode);
}

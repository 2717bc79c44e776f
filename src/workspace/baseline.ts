import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { execa } from 'execa';

/**
 * The last accepted content of every non-ignored file in the work tree, as git blob ids: taken
 * once when a run starts driving (dirty and untracked content included; the user's index is never
 * touched), then updated for every change haco accepts. A violation is judged and undone against it: "previous content" is exactly what was
 * there before the unaccepted write.
 */
export class ContentBaseline {
  private constructor(
    private readonly root: string,
    private readonly blobs: Map<string, string>,
  ) {}

  /**
   * Hashes every tracked and untracked (not ignored) file as it is on disk, without clean filters
   * or line-ending conversion (`git hash-object --no-filters`), so a restore is byte for byte.
   */
  static async capture(root: string): Promise<ContentBaseline> {
    const listed = (
      await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root })
    ).stdout;
    const paths = [...new Set(listed.split('\0').filter((p) => p && existsSync(join(root, p))))];
    const blobs = new Map<string, string>();
    if (paths.length) {
      const out = await execa('git', ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
        cwd: root,
        input: paths.join('\n'),
      });
      out.stdout.split('\n').forEach((blob, i) => {
        const path = paths[i];
        if (path !== undefined && blob) blobs.set(path, blob);
      });
    }
    return new ContentBaseline(root, blobs);
  }

  /** The accepted blob of a path, or null when it should not exist. */
  get(path: string): string | null {
    return this.blobs.get(path) ?? null;
  }

  /** Sets a path's accepted blob (null: it should not exist). */
  set(path: string, blob: string | null): void {
    if (blob === null) this.blobs.delete(path);
    else this.blobs.set(path, blob);
  }

  /** Hashes a path's current content into the object store; null when it does not exist. */
  async current(path: string): Promise<string | null> {
    if (!existsSync(join(this.root, path))) return null;
    const out = await execa('git', ['hash-object', '-w', '--no-filters', '--', path], {
      cwd: this.root,
      reject: false,
    });
    return out.exitCode === 0 ? out.stdout.trim() : null;
  }

  /**
   * Accepts the current content of every path `matches` selects (files on disk that git does not
   * ignore, plus known paths that are gone) and returns the paths whose content changed.
   */
  async acceptMatching(matches: (path: string) => boolean): Promise<string[]> {
    const listed = (
      await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: this.root })
    ).stdout;
    const paths = new Set([...listed.split('\0'), ...this.blobs.keys()].filter((p) => p && matches(p)));
    const changed: string[] = [];
    for (const path of paths) {
      const before = this.get(path);
      if ((await this.accept(path)) !== before) changed.push(path);
    }
    return changed;
  }

  /** Accepts a path's current content as the new baseline. */
  async accept(path: string): Promise<string | null> {
    const blob = await this.current(path);
    if (blob === null) this.blobs.delete(path);
    else this.blobs.set(path, blob);
    return blob;
  }
}

/**
 * Puts a repo-relative path back to a blob byte for byte, or deletes it when `blob` is null.
 * @throws Error when the blob is missing from the object store
 */
export async function restoreBlob(root: string, path: string, blob: string | null): Promise<void> {
  const abs = join(root, path);
  if (blob === null) {
    if (existsSync(abs)) unlinkSync(abs);
    return;
  }
  const content = await execa('git', ['cat-file', 'blob', blob], {
    cwd: root,
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content.stdout);
}

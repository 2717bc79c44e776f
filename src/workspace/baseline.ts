import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

import { execa } from 'execa';

/**
 * The last accepted content of every non-ignored file in the work tree, as git blob ids: taken
 * once when a run starts driving (a snapshot through a temporary index, so the user's index is
 * untouched and dirty and untracked content is included), then updated for every change haco
 * accepts. A violation is judged and undone against it: "previous content" is exactly what was
 * there before the unaccepted write.
 */
export class ContentBaseline {
  private constructor(
    private readonly root: string,
    private readonly blobs: Map<string, string>,
  ) {}

  /** Snapshots the work tree (about 65 ms on 20k files; research notes §7.1). */
  static async capture(root: string): Promise<ContentBaseline> {
    const dir = mkdtempSync(join(tmpdir(), 'haco-index-'));
    const index = join(dir, 'index');
    try {
      const rel = (await execa('git', ['rev-parse', '--git-path', 'index'], { cwd: root })).stdout.trim();
      const real = isAbsolute(rel) ? rel : join(root, rel);
      if (existsSync(real)) copyFileSync(real, index);
      const env = { GIT_INDEX_FILE: index };
      await execa('git', ['add', '-A', '--', '.'], { cwd: root, env });
      const listed = (await execa('git', ['ls-files', '-s', '-z'], { cwd: root, env })).stdout;
      const blobs = new Map<string, string>();
      for (const entry of listed.split('\0')) {
        const match = /^\d+ ([0-9a-f]+) \d\t(.*)$/s.exec(entry);
        if (match?.[1] && match[2] !== undefined) blobs.set(match[2], match[1]);
      }
      return new ContentBaseline(root, blobs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    const out = await execa('git', ['hash-object', '-w', '--', path], { cwd: this.root, reject: false });
    return out.exitCode === 0 ? out.stdout.trim() : null;
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
  const content = await execa('git', ['cat-file', 'blob', blob], { cwd: root, encoding: 'buffer', stripFinalNewline: false });
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content.stdout);
}

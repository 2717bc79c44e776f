import { lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runGit } from './git-run.js';

/**
 * A path's content as git would store it: a regular file is the blob of its bytes as they are on
 * disk (no clean filter, no line-ending conversion); a symlink is the blob of its link text, never
 * of what it points at (git's mode 120000 entries).
 */
export interface HashedPath {
  readonly blob: string;
  readonly kind: 'file' | 'symlink';
  /** Permission bits (`st_mode & 0o777`) of a regular file; absent for a symlink. */
  readonly mode?: number;
}

/** lstat, or undefined when the path does not exist. */
export function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Whether git can hold a path as a blob: a regular file or a symlink. Directories (a submodule's
 * gitlink, a nested repository, `ls-files --others`' `dir/` entries), FIFOs, sockets and devices
 * are not (hashing a FIFO would block), and neither is a path that does not exist.
 */
export function isHashable(root: string, path: string): boolean {
  const stat = lstatOrUndefined(join(root, path));
  return stat !== undefined && (stat.isFile() || stat.isSymbolicLink());
}

/**
 * Hashes repo-relative paths into the object store (`git hash-object -w`), the way git itself
 * would stage them, so each can be restored byte for byte (and a symlink as a symlink). Regular
 * files go through one `--no-filters --stdin-paths` call (a path it cannot carry, with a newline
 * or a leading `"` that it would unquote, is hashed on its own); symlinks' link texts are written
 * to temp files and hashed in one more call. Paths that are not hashable (see `isHashable`) are
 * left out of the result.
 * @returns path → its blob, kind and mode
 * @throws ExecaError when git fails (an unreadable file, a broken object store)
 */
export async function hashPaths(root: string, paths: readonly string[]): Promise<Map<string, HashedPath>> {
  const out = new Map<string, HashedPath>();
  const files: { path: string; mode: number }[] = [];
  const links: { path: string; text: Buffer }[] = [];
  for (const path of paths) {
    const stat = lstatOrUndefined(join(root, path));
    if (stat?.isSymbolicLink())
      links.push({ path, text: readlinkSync(join(root, path), { encoding: 'buffer' }) });
    else if (stat?.isFile()) files.push({ path, mode: stat.mode & 0o777 });
  }
  const odd = files.filter((f) => f.path.includes('\n') || f.path.startsWith('"'));
  for (const { path, mode } of odd) {
    const blob = (await runGit(root, ['hash-object', '-w', '--no-filters', '--', path])).stdout.trim();
    out.set(path, { blob, kind: 'file', mode });
  }
  const plain = files.filter((f) => !odd.includes(f));
  const blobs = await hashFiles(
    root,
    plain.map((f) => f.path),
  );
  plain.forEach(({ path, mode }, i) => {
    const blob = blobs[i];
    if (blob) out.set(path, { blob, kind: 'file', mode });
  });
  if (links.length) {
    // Each link text goes through a temp file so all of them take one git process.
    const dir = mkdtempSync(join(tmpdir(), 'haco-links-'));
    try {
      const temp = links.map(({ text }, i) => {
        const file = join(dir, String(i));
        writeFileSync(file, text);
        return file;
      });
      const linkBlobs = await hashFiles(root, temp);
      links.forEach(({ path }, i) => {
        const blob = linkBlobs[i];
        if (blob) out.set(path, { blob, kind: 'symlink' });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** One `git hash-object -w --no-filters --stdin-paths` call; blob ids in the order of `paths`. */
async function hashFiles(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const { stdout } = await runGit(root, ['hash-object', '-w', '--no-filters', '--stdin-paths'], {
    input: `${paths.join('\n')}\n`,
  });
  return stdout.split('\n').map((line) => line.trim());
}

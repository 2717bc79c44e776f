import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { HacoError } from '../lib/errors.js';
import { ownershipMatcher } from '../ownership/paths.js';
import { runGit } from './git-run.js';
import type { CheckpointEntry, Workspace } from './git.js';

/**
 * What a restore did to one path: `kept` means it was left as it is because it is no longer what
 * haco left there (the user's since), see {@link RestoreGuard}.
 */
export type RestoreAction = 'restored' | 'deleted' | 'unchanged' | 'kept';

export interface RestoredPath {
  /** Repo-relative. */
  readonly path: string;
  readonly action: RestoreAction;
  /** Why a `kept` path was kept, e.g. "changed since the run"; absent for the other actions. */
  readonly reason?: string;
}

/**
 * What a guarded restore knows about a task's paths after haco: with it, a path is restored only
 * while its content (and mode) is still what haco left there.
 */
export interface RestoreGuard {
  /**
   * What haco left in the owned paths (`StateDb` left entries, taken with `Workspace.checkpoint`);
   * a path not listed was absent. Null when the run was stored before haco recorded it: then every
   * path that differs from the checkpoint is kept.
   */
  readonly left: readonly CheckpointEntry[] | null;
  /** Restore every path to the checkpoint, even what changed since haco left it (`--force`). */
  readonly force?: boolean;
  /** The reason given for every kept path, instead of "changed/created/deleted since the run". */
  readonly keptReason?: string;
}

/** One step of a planned restore: write an entry's bytes (and mode), delete, keep, or leave alone. */
type Step =
  | { readonly path: string; readonly kind: 'write'; readonly entry: CheckpointEntry; readonly bytes: Buffer }
  | { readonly path: string; readonly kind: 'delete' }
  | { readonly path: string; readonly kind: 'unchanged' }
  | { readonly path: string; readonly kind: 'kept'; readonly reason: string };

/** A restore computed against the work tree as it is now; `applyRestore` carries it out. */
export interface RestorePlan {
  readonly workspace: Workspace;
  readonly patterns: readonly string[];
  readonly steps: readonly Step[];
}

/** A path as it is on disk now (never followed through a symlink). */
type Current =
  | { readonly kind: 'absent' }
  | { readonly kind: 'file'; readonly bytes: Buffer; readonly mode: number }
  | { readonly kind: 'symlink'; readonly target: Buffer }
  | { readonly kind: 'directory' }
  | { readonly kind: 'other' };

function readCurrent(root: string, path: string): Current {
  const file = join(root, path);
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return { kind: 'absent' };
  if (stat.isFile()) return { kind: 'file', bytes: readFileSync(file), mode: stat.mode & 0o777 };
  if (stat.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(file, { encoding: 'buffer' }) };
  return stat.isDirectory() ? { kind: 'directory' } : { kind: 'other' };
}

/** True for an entry that records a symlink (its blob holds the link's target, as git stores one). */
function isSymlinkEntry(entry: CheckpointEntry): boolean {
  return (entry as { readonly kind?: string }).kind === 'symlink';
}

/**
 * Git's object id of a blob holding `bytes` (`git hash-object --no-filters`): SHA-1 for a 40-digit
 * id, SHA-256 for a 64-digit one (a repository with `extensions.objectFormat=sha256`).
 */
function blobIdLike(id: string, bytes: Buffer): string {
  return createHash(id.length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

/** Whether the path is now as `entry` records it; no entry (or a null blob) means absent. */
function isAsRecorded(entry: CheckpointEntry | undefined, current: Current): boolean {
  if (!entry || entry.blob === null) return current.kind === 'absent';
  if (isSymlinkEntry(entry)) {
    return current.kind === 'symlink' && blobIdLike(entry.blob, current.target) === entry.blob;
  }
  return (
    current.kind === 'file' &&
    (entry.mode === undefined || entry.mode === current.mode) &&
    blobIdLike(entry.blob, current.bytes) === entry.blob
  );
}

/** Why a path that is no longer what haco left there is kept. */
function whyKept(
  checkpoint: CheckpointEntry | undefined,
  left: CheckpointEntry | undefined,
  current: Current,
): string {
  const wasAbsent = (e: CheckpointEntry | undefined): boolean => !e || e.blob === null;
  if (current.kind === 'absent') return 'deleted since the run';
  if (wasAbsent(checkpoint) && wasAbsent(left)) return 'created since the run';
  return 'changed since the run';
}

function missingBlob(entry: CheckpointEntry): HacoError {
  return new HacoError('checkpoint.missing', [
    `the checkpoint of ${entry.path} (blob ${entry.blob ?? ''}) is gone from git's object store (pruned by git gc?); nothing was restored`,
  ]);
}

/**
 * Checks that every blob of checkpoint entries is still in git's object store, without reading
 * them (`git cat-file --batch-check`): a rollback of several tasks calls it before touching any.
 * @throws HacoError (`checkpoint.missing`) naming the first path whose blob is gone
 */
export async function assertCheckpointBlobs(
  workspace: Workspace,
  entries: readonly CheckpointEntry[],
): Promise<void> {
  const ids = [...new Set(entries.flatMap((e) => (e.blob ? [e.blob] : [])))];
  if (ids.length === 0) return;
  const { stdout } = await runGit(workspace.root, ['cat-file', '--batch-check'], {
    input: `${ids.join('\n')}\n`,
  });
  // Each line is "<id> <type> <size>", or "<id> missing".
  const blobs = new Set(
    stdout.split('\n').flatMap((line) => {
      const [id, type] = line.split(' ');
      return type === 'blob' && id ? [id] : [];
    }),
  );
  const missing = entries.find((e) => e.blob !== null && !blobs.has(e.blob));
  if (missing) throw missingBlob(missing);
}

/**
 * Works out how to bring the owned paths back to a checkpoint, reading every blob it will write
 * (so a missing blob fails before any file is touched). The paths looked at: every checkpoint
 * entry, every left entry that matches `patterns`, and every owned file that exists now (tracked
 * or untracked; a git-ignored file only when an entry names it, so one haco did not record is
 * never touched). Current content is compared by git blob id, computed in-process.
 * A path as the checkpoint recorded it is `unchanged`; otherwise it is restored (the entry's bytes
 * and mode) or deleted (it did not exist at the checkpoint) — but with a `guard`, only while it is
 * still what haco left there: anything else is `kept` with the reason (the user's, since), unless
 * `guard.force`. Without a guard every path is restored (a resume's restore of its own task).
 * @param entries the checkpoint (`Workspace.checkpoint`, stored by the orchestrator)
 * @param patterns the task's owned paths, as the checkpoint was taken with
 * @throws HacoError (`checkpoint.missing`) when a blob is gone from git's object store
 */
export async function planRestore(
  workspace: Workspace,
  entries: readonly CheckpointEntry[],
  patterns: readonly string[],
  guard?: RestoreGuard,
): Promise<RestorePlan> {
  const checkpoint = new Map(entries.map((e) => [e.path, e]));
  const left = guard?.left ? new Map(guard.left.map((e) => [e.path, e])) : undefined;
  // A left entry outside the patterns (a path granted to the task during the run) has no
  // checkpoint to go back to: it is not touched.
  const isOwned = ownershipMatcher(patterns);
  const paths = new Set([
    ...checkpoint.keys(),
    ...[...(left?.keys() ?? [])].filter((p) => isOwned(p)),
    ...(await workspace.ownedFiles(patterns)),
  ]);
  const steps: Step[] = [];
  const writes: Array<{ path: string; entry: CheckpointEntry }> = [];
  for (const path of [...paths].sort()) {
    const was = checkpoint.get(path);
    const current = readCurrent(workspace.root, path);
    // A directory where no file was: a literal owned path the task filled; its files are listed.
    if (current.kind === 'directory' && (!was || was.blob === null)) continue;
    if (isAsRecorded(was, current)) {
      steps.push({ path, kind: 'unchanged' });
      continue;
    }
    if (guard && !guard.force) {
      if (!left) {
        steps.push({
          path,
          kind: 'kept',
          reason: guard.keptReason ?? 'no record of what haco left here: a run from an older haco',
        });
        continue;
      }
      const mine = left.get(path);
      if (!isAsRecorded(mine, current)) {
        steps.push({ path, kind: 'kept', reason: guard.keptReason ?? whyKept(was, mine, current) });
        continue;
      }
    }
    if (!was || was.blob === null) {
      // Nothing to delete when it is already gone; a directory stays (see above).
      steps.push({ path, kind: current.kind === 'absent' ? 'unchanged' : 'delete' });
    } else {
      writes.push({ path, entry: was });
    }
  }
  // Only the blobs to write are read (an unchanged path costs no read), all before any write.
  const blobs = await workspace.readBlobs(writes.flatMap((w) => (w.entry.blob ? [w.entry.blob] : [])));
  for (const { path, entry } of writes) {
    const bytes = entry.blob === null ? undefined : blobs.get(entry.blob);
    if (!bytes) throw missingBlob(entry);
    steps.push({ path, kind: 'write', entry, bytes });
  }
  steps.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { workspace, patterns, steps };
}

/**
 * Carries out a planned restore: deletions first (then any directory they left empty, as long as
 * it is itself owned), then writes. Writes go straight to the work tree: the index, HEAD and every
 * path outside the plan are left alone (no `git checkout`/`git restore`). A symlink in the way is
 * replaced, never followed. `kept` paths are not touched.
 * @returns one entry per path looked at, sorted by path
 * @throws HacoError (`rollback.conflict`) when a directory now stands where a file must be restored
 */
export function applyRestore(plan: RestorePlan): RestoredPath[] {
  const root = plan.workspace.root;
  const isOwned = ownershipMatcher(plan.patterns);
  for (const step of plan.steps) {
    if (step.kind !== 'delete') continue;
    unlinkSync(join(root, step.path));
    removeEmptyOwnedParents(root, step.path, isOwned);
  }
  for (const step of plan.steps) {
    if (step.kind === 'write') writeEntry(root, step.path, step.entry, step.bytes);
  }
  return plan.steps.map((step): RestoredPath => {
    switch (step.kind) {
      case 'write':
        return { path: step.path, action: 'restored' };
      case 'delete':
        return { path: step.path, action: 'deleted' };
      case 'unchanged':
        return { path: step.path, action: 'unchanged' };
      case 'kept':
        return { path: step.path, action: 'kept', reason: step.reason };
    }
  });
}

/** Writes one checkpointed path back: a file with its bytes and exact mode, or a symlink. */
function writeEntry(root: string, path: string, entry: CheckpointEntry, bytes: Buffer): void {
  const file = join(root, path);
  const current = lstatSync(file, { throwIfNoEntry: false });
  if (current?.isDirectory()) {
    throw new HacoError('rollback.conflict', [
      `${path} is now a directory; move it away, then roll back again to restore the file`,
    ]);
  }
  // A symlink (or a FIFO) in the way is replaced, never followed; a file is rewritten in place, so
  // an entry without a mode keeps the current one.
  if (current && (!current.isFile() || isSymlinkEntry(entry))) unlinkSync(file);
  mkdirSync(dirname(file), { recursive: true });
  if (isSymlinkEntry(entry)) return symlinkSync(bytes, file);
  writeFileSync(file, bytes, entry.mode === undefined ? {} : { mode: entry.mode });
  // writeFile's mode applies only to a new file (and through the umask); set it exactly.
  if (entry.mode !== undefined) chmodSync(file, entry.mode);
}

/** Removes the directories above a deleted file that are now empty and owned, up to the root. */
function removeEmptyOwnedParents(root: string, path: string, isOwned: (path: string) => boolean): void {
  for (let dir = dirname(path); dir !== '.' && dir !== '' && isOwned(dir); dir = dirname(dir)) {
    if (readdirSync(join(root, dir)).length > 0) return;
    rmdirSync(join(root, dir));
  }
}

/**
 * Restores a task's owned paths to its checkpoint, byte for byte and mode for mode, and deletes
 * the files it created. Touches nothing else: not other files, not the index, not untracked files
 * outside `patterns`. With a `guard`, only what is still as haco left it (see planRestore).
 * @returns `[{path, action: 'restored' | 'deleted' | 'unchanged' | 'kept', reason?}]`, sorted by path
 * @throws HacoError (`checkpoint.missing`) when a blob is gone, before anything is written
 */
export async function restorePaths(
  workspace: Workspace,
  entries: readonly CheckpointEntry[],
  patterns: readonly string[],
  guard?: RestoreGuard,
): Promise<RestoredPath[]> {
  return applyRestore(await planRestore(workspace, entries, patterns, guard));
}

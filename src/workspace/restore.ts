import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { HacoError } from '../lib/errors.js';
import { ownershipMatcher } from '../ownership/paths.js';
import type { CheckpointEntry, Workspace } from './git.js';

/** What a restore did to one path. */
export type RestoreAction = 'restored' | 'deleted' | 'unchanged';

export interface RestoredPath {
  /** Repo-relative. */
  readonly path: string;
  readonly action: RestoreAction;
}

/** One step of a planned restore: write these bytes (and mode), or delete the file. */
type Step =
  | {
      readonly path: string;
      readonly kind: 'write';
      readonly bytes: Buffer;
      readonly mode: number | undefined;
    }
  | { readonly path: string; readonly kind: 'delete' }
  | { readonly path: string; readonly kind: 'keep' };

/** A restore computed against the work tree as it is now; `applyRestore` carries it out. */
export interface RestorePlan {
  readonly workspace: Workspace;
  readonly patterns: readonly string[];
  readonly steps: readonly Step[];
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Works out how to bring the owned paths back to a checkpoint, reading every blob first (so a
 * missing blob fails before any file is touched). A path whose entry has a blob gets those bytes
 * and mode; a path whose entry is null, and any owned file not in the entries (the task created
 * it), is deleted. Only files that exist and match `patterns` (tracked or untracked, not ignored)
 * count as created: ignored files are never deleted.
 * @param entries the checkpoint (`Workspace.checkpoint`, stored by the orchestrator)
 * @param patterns the task's owned paths, as the checkpoint was taken with
 * @throws HacoError (`checkpoint.missing`) when a blob is gone from git's object store
 */
export async function planRestore(
  workspace: Workspace,
  entries: readonly CheckpointEntry[],
  patterns: readonly string[],
): Promise<RestorePlan> {
  const blobs = await workspace.readBlobs(entries.flatMap((e) => (e.blob ? [e.blob] : [])));
  const missing = entries.find((e) => e.blob !== null && !blobs.has(e.blob));
  if (missing) {
    throw new HacoError('checkpoint.missing', [
      `the checkpoint of ${missing.path} (blob ${missing.blob ?? ''}) is gone from git's object store (pruned by git gc?); nothing was restored`,
    ]);
  }
  const steps: Step[] = [];
  const known = new Set(entries.map((e) => e.path));
  for (const entry of entries) {
    const current = lstatOrUndefined(join(workspace.root, entry.path));
    if (entry.blob === null) {
      // A directory here is a literal owned path the task filled: its files count as created below.
      if (!current?.isDirectory()) steps.push({ path: entry.path, kind: current ? 'delete' : 'keep' });
      continue;
    }
    const bytes = blobs.get(entry.blob) ?? Buffer.alloc(0);
    const isSameBytes =
      current?.isFile() === true && readFileSync(join(workspace.root, entry.path)).equals(bytes);
    const isSameMode =
      entry.mode === undefined || (current !== undefined && (current.mode & 0o777) === entry.mode);
    steps.push(
      isSameBytes && isSameMode
        ? { path: entry.path, kind: 'keep' }
        : { path: entry.path, kind: 'write', bytes, mode: entry.mode },
    );
  }
  for (const path of await workspace.ownedFiles(patterns)) {
    if (!known.has(path)) steps.push({ path, kind: 'delete' });
  }
  steps.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { workspace, patterns, steps };
}

/**
 * Carries out a planned restore: deletions first (then any directory they left empty, as long as
 * it is itself owned), then writes. Writes go straight to the work tree: the index, HEAD and every
 * path outside the plan are left alone (no `git checkout`/`git restore`). A symlink in the way is
 * replaced, never followed.
 * @returns one entry per checkpointed or created path, sorted by path
 * @throws HacoError (`rollback.conflict`) when a directory now stands where a file must be restored
 */
export function applyRestore(plan: RestorePlan): RestoredPath[] {
  const root = plan.workspace.root;
  const isOwned = ownershipMatcher(plan.patterns);
  const done: RestoredPath[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'delete') continue;
    unlinkSync(join(root, step.path));
    removeEmptyOwnedParents(root, step.path, isOwned);
  }
  for (const step of plan.steps) {
    if (step.kind !== 'write') continue;
    const file = join(root, step.path);
    const current = lstatOrUndefined(file);
    if (current?.isDirectory()) {
      throw new HacoError('rollback.conflict', [
        `${step.path} is now a directory; move it away, then roll back again to restore the file`,
      ]);
    }
    if (current?.isSymbolicLink()) unlinkSync(file);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, step.bytes, step.mode === undefined ? {} : { mode: step.mode });
    // writeFile's mode applies only to a new file (and through the umask); set it exactly.
    if (step.mode !== undefined) chmodSync(file, step.mode);
  }
  for (const step of plan.steps) {
    done.push({
      path: step.path,
      action: step.kind === 'write' ? 'restored' : step.kind === 'delete' ? 'deleted' : 'unchanged',
    });
  }
  return done;
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
 * outside `patterns`.
 * @returns `[{path, action: 'restored' | 'deleted' | 'unchanged'}]`, sorted by path
 * @throws HacoError (`checkpoint.missing`) when a blob is gone, before anything is written
 */
export async function restorePaths(
  workspace: Workspace,
  entries: readonly CheckpointEntry[],
  patterns: readonly string[],
): Promise<RestoredPath[]> {
  return applyRestore(await planRestore(workspace, entries, patterns));
}

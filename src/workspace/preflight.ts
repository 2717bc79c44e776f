import { existsSync } from 'node:fs';

import { HacoError } from '../lib/errors.js';
import type { Plan } from '../plan/schema.js';
import type { Workspace } from './git.js';
import { runGit } from './git-run.js';

/**
 * A git operation that leaves the repository half-way: while one is in progress, haco's commits
 * would mark a conflict resolved or land in the middle of a rebase. `marker` is looked up with
 * `git rev-parse --git-path`, so a linked worktree's own state is found (git's own `wt-status.c`
 * reads the same files).
 */
interface InProgress {
  readonly marker: string;
  readonly what: string;
  readonly fix: string;
}

/** In order of precedence: `rebase-apply/applying` is `git am`, the rest of `rebase-apply` a rebase. */
const IN_PROGRESS: readonly InProgress[] = [
  { marker: 'rebase-merge', what: 'a rebase', fix: 'git rebase --continue or git rebase --abort' },
  { marker: 'rebase-apply/applying', what: 'a git am', fix: 'git am --continue or git am --abort' },
  { marker: 'rebase-apply', what: 'a rebase', fix: 'git rebase --continue or git rebase --abort' },
  { marker: 'MERGE_HEAD', what: 'a merge', fix: 'git commit or git merge --abort' },
  {
    marker: 'CHERRY_PICK_HEAD',
    what: 'a cherry-pick',
    fix: 'git cherry-pick --continue or git cherry-pick --abort',
  },
  { marker: 'REVERT_HEAD', what: 'a revert', fix: 'git revert --continue or git revert --abort' },
  {
    marker: 'sequencer/todo',
    what: 'a cherry-pick or revert sequence',
    fix: 'git cherry-pick --continue or git cherry-pick --quit',
  },
  { marker: 'BISECT_LOG', what: 'a bisect', fix: 'git bisect reset' },
];

/**
 * Refuses to go on while a merge, rebase (either backend), `git am`, cherry-pick, revert or bisect
 * is in progress. Reads only.
 * @throws HacoError (`git.in-progress`, exit 2) naming the operation, its marker and how to end it
 */
export async function assertNoGitOperation(workspace: Workspace): Promise<void> {
  for (const op of IN_PROGRESS) {
    const file = await workspace.gitPath(op.marker);
    if (!existsSync(file)) continue;
    throw new HacoError('git.in-progress', [
      `${op.what} is in progress in ${workspace.root} (${op.marker} in the git dir); finish it (${op.fix}), then start haco again`,
    ]);
  }
}

/**
 * The commit a detached HEAD points at (short sha), or undefined when HEAD is on a branch (an
 * unborn one included).
 */
export async function detachedHead(workspace: Workspace): Promise<string | undefined> {
  const onBranch = await runGit(workspace.root, ['symbolic-ref', '-q', 'HEAD'], { reject: false });
  if (onBranch.exitCode === 0) return undefined;
  const head = await runGit(workspace.root, ['rev-parse', '--short', 'HEAD'], { reject: false });
  return head.exitCode === 0 ? head.stdout.trim() : 'HEAD';
}

/** Paths with uncommitted changes (staged, unstaged, untracked, deleted) among the plan's owned paths. */
export async function dirtyOwnedPaths(workspace: Workspace, plan: Plan): Promise<string[]> {
  return workspace.changedFiles(plan.tasks.flatMap((t) => t.files));
}

/** How many dirty paths the refusal names before "and N more". */
const SHOWN_DIRTY = 5;

/**
 * The checks before a run starts, all read-only, so a refused start writes nothing (not `.haco/`,
 * not `.git/info/exclude`): no git operation in progress, and no uncommitted change in a path the
 * plan owns unless `allowDirty` (then those changes go into the owning task's commit).
 * @returns notes for the user, one line each (a detached HEAD)
 * @throws HacoError `git.in-progress` (see assertNoGitOperation), or `workspace.dirty` listing
 *   the dirty owned paths (exit 2)
 */
export async function preflightRun(
  workspace: Workspace,
  plan: Plan,
  options: { allowDirty?: boolean } = {},
): Promise<string[]> {
  await assertNoGitOperation(workspace);
  if (!options.allowDirty) {
    const dirty = await dirtyOwnedPaths(workspace, plan);
    if (dirty.length) {
      const more = dirty.length > SHOWN_DIRTY ? ` and ${dirty.length - SHOWN_DIRTY} more` : '';
      throw new HacoError('workspace.dirty', [
        `uncommitted changes in owned paths: ${dirty.slice(0, SHOWN_DIRTY).join(', ')}${more}; commit or stash them first, or pass --allow-dirty to put them in the owning task's commit`,
      ]);
    }
  }
  return headNotes(workspace);
}

/**
 * The checks before a run resumes: no git operation in progress (dirty owned paths are expected:
 * an interrupted task's work is there by design).
 * @returns notes for the user, one line each (a detached HEAD)
 * @throws HacoError `git.in-progress` (exit 2)
 */
export async function preflightResume(workspace: Workspace): Promise<string[]> {
  await assertNoGitOperation(workspace);
  return headNotes(workspace);
}

async function headNotes(workspace: Workspace): Promise<string[]> {
  const detached = await detachedHead(workspace);
  if (detached === undefined) return [];
  return [
    `HEAD is detached at ${detached}: the tasks' commits will be on no branch (keep them afterwards with git switch -c NAME)`,
  ];
}

import type { CheckpointRecord, CheckpointRow, StateDb } from '../db/state-db.js';
import { UsageError } from '../lib/errors.js';
import type { Workspace } from '../workspace/git.js';
import {
  applyRestore,
  planRestore,
  assertCheckpointBlobs,
  type RestoredPath,
  type RestoreGuard,
} from '../workspace/restore.js';
import type { RunStatus, TaskRow } from './types.js';

/** What a rollback did to one task's paths. */
export interface TaskRollback {
  readonly taskId: string;
  /** Every checkpointed or created path, sorted; `unchanged` ones included. */
  readonly paths: readonly RestoredPath[];
}

/** The result of `rollbackRun`: the run's status afterwards and each task undone, in the order undone. */
export interface RollbackResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly tasks: readonly TaskRollback[];
}

/** Options of {@link rollbackRun}. */
export interface RollbackOptions {
  /** Roll back only this task. */
  readonly taskId?: string;
  /** Restore paths changed since haco left them too (`haco rollback --force`). */
  readonly force?: boolean;
  /** Epoch ms clock, for tests. */
  readonly now?: () => number;
}

/**
 * Undoes a run's work on the work tree (DESIGN.md, "Git and ownership"). With `taskId`: restores
 * that task's owned paths to its checkpoint (files it created are removed) and sets it
 * `rolled_back`. Without: does so for every task that has a checkpoint, latest start first, then
 * sets the run `rolled_back`. A path is restored only while it is still what haco left there
 * (the task's left entries): anything the user changed, created or deleted since is `kept` with
 * its reason, unless `force`; so nothing is deleted that haco did not create. Commits stay in
 * history; the rollback shows as uncommitted changes. Every blob is read before the first file is
 * touched. Each task gets a `task:status-changed` and a `task:rolled-back` event (`{paths: [{path,
 * action, reason?}]}`) in the run's event log, and its left entries are updated to what the
 * rollback left.
 * @throws UsageError when the run or task does not exist, the task never started (no checkpoint),
 *   no task of the run started, or the run is `running` (its workers would race the restore)
 * @throws HacoError (`checkpoint.missing`) when a checkpoint blob is gone from the object store
 * @throws HacoError (`rollback.conflict`) when a directory stands where a file must be restored
 */
export async function rollbackRun(
  db: StateDb,
  workspace: Workspace,
  runId: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const { taskId, force = false, now = Date.now } = options;
  const run = db.getRun(runId);
  if (!run) throw new UsageError(`no run "${runId}" in this repository (see haco status)`);
  if (run.status === 'running') {
    throw new UsageError(
      `run ${runId} is still running; stop it first (Ctrl-C in its terminal) so no worker writes while its files are restored`,
    );
  }
  const tasks = db.getTasks(runId);
  const checkpoints = new Map(db.getCheckpoints(runId).map((c) => [c.taskId, c]));

  let targets: TaskRow[];
  if (taskId !== undefined) {
    const task = tasks.find((t) => t.id === taskId);
    if (!task)
      throw new UsageError(
        `run ${runId} has no task "${taskId}" (its tasks: ${tasks.map((t) => t.id).join(', ')})`,
      );
    if (!checkpoints.has(task.id))
      throw new UsageError(`task ${taskId} of run ${runId} never started, so there is nothing to roll back`);
    targets = [task];
  } else {
    // Latest start first; a task's position in the plan breaks ties (later tasks first).
    const startOf = (t: TaskRow): number => t.startedAt ?? checkpoints.get(t.id)?.createdAt ?? 0;
    targets = tasks
      .map((t, ord) => ({ t, ord }))
      .filter(({ t }) => checkpoints.has(t.id))
      .sort((a, b) => startOf(b.t) - startOf(a.t) || b.ord - a.ord)
      .map(({ t }) => t);
    if (targets.length === 0)
      throw new UsageError(`run ${runId} never started a task, so there is nothing to roll back`);
  }

  // Every blob first, so a pruned one stops the rollback before any file is touched. Each task is
  // then planned against the tree its successor's rollback left (a later task may own the same path).
  await assertCheckpointBlobs(
    workspace,
    targets.flatMap((t) => checkpoints.get(t.id)?.entries ?? []),
  );
  const done: TaskRollback[] = [];
  for (const task of targets) {
    const checkpoint = checkpoints.get(task.id);
    const entries = checkpoint?.entries ?? [];
    const guard: RestoreGuard = {
      left: checkpoint?.left?.entries ?? null,
      force,
      ...staleNote(db, runId, task, checkpoint),
    };
    const paths = applyRestore(await planRestore(workspace, entries, task.files, guard));
    db.saveLeftEntries(runId, task.id, {
      attempts: checkpoint?.left?.attempts ?? 0,
      entries: leftAfterRollback(entries, checkpoint?.left?.entries ?? null, paths),
    });
    db.setTaskStatus(runId, task.id, 'rolled_back', now());
    db.addEvent(runId, 'task:status-changed', task.id, { status: 'rolled_back' }, now());
    db.addEvent(runId, 'task:rolled-back', task.id, { paths }, now());
    done.push({ taskId: task.id, paths });
  }
  if (taskId === undefined) {
    db.setRunStatus(runId, 'rolled_back', now());
    db.addEvent(runId, 'run:status-changed', null, { status: 'rolled_back' }, now());
  }
  return { runId, status: db.getRun(runId)?.status ?? run.status, tasks: done };
}

/**
 * Records what haco left in a task's owned paths (`checkpoints.left_entries_json`), taken the way
 * its checkpoint was: called at the end of every attempt (accepted and committed, failed, timed out
 * or interrupted), so a crash mid-run still has the last known state. Rollback restores a path
 * only while it is still this.
 * @param attempts how many attempts of the task have ended (the last one's number)
 */
export async function recordLeft(
  db: StateDb,
  workspace: Workspace,
  runId: string,
  task: { readonly id: string; readonly files: readonly string[] },
  attempts: number,
): Promise<void> {
  const entries = await workspace.checkpoint(task.files);
  db.saveLeftEntries(runId, task.id, { attempts, entries });
}

/**
 * The reason for kept paths when haco was stopped during an attempt (kill -9, a crash) before it
 * recorded what that attempt left: its writes cannot be told from the user's, so they are kept.
 */
function staleNote(
  db: StateDb,
  runId: string,
  task: TaskRow,
  checkpoint: CheckpointRow | undefined,
): Pick<RestoreGuard, 'keptReason'> {
  const recorded = checkpoint?.left?.attempts;
  const last = db.getAttempts(runId, task.id).at(-1)?.n ?? 0;
  if (recorded === undefined || last <= recorded) return {};
  return { keptReason: `haco was stopped during attempt ${last}, so what it left here is not known` };
}

/**
 * What haco leaves after a rollback: the checkpoint for every path it restored, deleted or found
 * unchanged; for a kept path, what haco had left there before (the checkpoint when that was never
 * recorded), so the user's content never becomes haco's and a later rollback keeps it again.
 */
function leftAfterRollback(
  checkpoint: readonly CheckpointRecord[],
  left: readonly CheckpointRecord[] | null,
  paths: readonly RestoredPath[],
): CheckpointRecord[] {
  const kept = new Set(paths.filter((p) => p.action === 'kept').map((p) => p.path));
  const before = left ?? checkpoint;
  return [...checkpoint.filter((e) => !kept.has(e.path)), ...before.filter((e) => kept.has(e.path))].sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

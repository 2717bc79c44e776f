import type { StateDb } from '../db/state-db.js';
import { UsageError } from '../lib/errors.js';
import type { Workspace } from '../workspace/git.js';
import { applyRestore, planRestore, type RestoredPath, type RestorePlan } from '../workspace/restore.js';
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

/**
 * Undoes a run's work on the work tree (DESIGN.md, "Git and ownership"). With `taskId`: restores
 * that task's owned paths to its checkpoint (files it created are removed) and sets it
 * `rolled_back`. Without: does so for every task that has a checkpoint, latest start first, then
 * sets the run `rolled_back`. Commits stay in history; the rollback shows as uncommitted changes.
 * Every blob is read before the first file is touched. Each task gets a `task:status-changed` and
 * a `task:rolled-back` event (`{paths: [{path, action}]}`) in the run's event log.
 * @param now epoch ms clock, for tests
 * @throws UsageError when the run or task does not exist, the task never started (no checkpoint),
 *   no task of the run started, or the run is `running` (its workers would race the restore)
 * @throws HacoError (`checkpoint.missing`) when a checkpoint blob is gone from the object store
 */
export async function rollbackRun(
  db: StateDb,
  workspace: Workspace,
  runId: string,
  taskId?: string,
  now: () => number = Date.now,
): Promise<RollbackResult> {
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

  const plans: Array<{ task: TaskRow; plan: RestorePlan }> = [];
  for (const task of targets) {
    plans.push({
      task,
      plan: await planRestore(workspace, checkpoints.get(task.id)?.entries ?? [], task.files),
    });
  }
  const done: TaskRollback[] = [];
  for (const { task, plan } of plans) {
    const paths = applyRestore(plan);
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

import { runMarkerPrefix, sweepMarked } from '../sessions/sweep.js';
import { runGit } from '../workspace/git-run.js';
import type { Workspace } from '../workspace/git.js';
import { restorePaths } from '../workspace/restore.js';
import type { RunRecorder } from './recorder.js';
import { recordLeft } from './rollback.js';

/**
 * Kills every process still carrying a marker of the run (an earlier haco's agents, their setsid
 * children, verify commands), in case its reaper died with it. Call only while holding the lease
 * and before this process starts attempts of the run.
 * @returns the pids killed
 */
export async function sweepRun(runId: string): Promise<number[]> {
  return sweepMarked({ prefix: runMarkerPrefix(runId) });
}

/**
 * Brings back the tasks a crashed haco left half done (`taskIds`, already put back to `pending`
 * with their attempts `interrupted`), before they run again:
 * - a task whose commit `haco(<id>): <title>` is already on HEAD since the run's base (haco died
 *   between committing and recording it) is `done` with that commit, never committed twice;
 * - any other task's owned paths are restored to its checkpoint (its agent's half-written files
 *   are discarded), so the rerun starts from where the task first started.
 * Each gets an event in the run's log.
 * @throws HacoError (`checkpoint.missing`) when a checkpoint's blob is gone (nothing is restored)
 */
export async function recoverCrashedTasks(
  rec: RunRecorder,
  workspace: Workspace,
  runId: string,
  taskIds: readonly string[],
): Promise<void> {
  if (taskIds.length === 0) return;
  const run = rec.db.getRun(runId);
  const committed = await hacoCommits(workspace, run?.baseHead ?? null);
  const tasks = new Map(rec.db.getTasks(runId).map((t) => [t.id, t]));
  for (const taskId of taskIds) {
    const task = tasks.get(taskId);
    if (!task) continue;
    const sha = committed.get(`haco(${task.id}): ${task.title}`);
    if (sha !== undefined) {
      rec.log(runId, taskId, `recovered: commit ${sha.slice(0, 8)} was made before haco stopped`);
      rec.taskStatus(runId, taskId, 'done', { commitSha: sha });
      // Its last attempt ended (it committed) unrecorded: what it left is the commit, on disk now.
      await recordLeft(rec.db, workspace, runId, task, rec.db.getAttempts(runId, taskId).at(-1)?.n ?? 0);
      continue;
    }
    const checkpoint = rec.db.getCheckpoint(runId, taskId);
    if (!checkpoint) continue;
    const paths = await restorePaths(workspace, checkpoint.entries, task.files);
    const changed = paths.filter((p) => p.action !== 'unchanged').length;
    rec.log(runId, taskId, `recovered: ${changed} owned path(s) restored to the checkpoint`);
  }
}

/** Subject → sha of the commits on HEAD since `base` (all of HEAD's history when base is null). */
async function hacoCommits(workspace: Workspace, base: string | null): Promise<Map<string, string>> {
  const head = await workspace.head();
  if (head === null) return new Map();
  const range = base === null ? [head] : [`${base}..${head}`];
  const out = await runGit(workspace.root, ['log', '--format=%H %s', ...range], { reject: false });
  const commits = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) commits.set(line.slice(space + 1), line.slice(0, space));
  }
  return commits;
}

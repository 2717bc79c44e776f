import type { RunRecorder } from './recorder.js';
import { STOPPED_DURING_ATTEMPT } from './resume-session.js';
import type { TaskRow } from './types.js';

const DEAD: ReadonlySet<string> = new Set(['failed', 'skipped', 'rolled_back']);

/**
 * Marks `skipped` every waiting task that depends (directly or through others) on a task that can
 * no longer succeed, then returns the tasks whose dependencies are all done, in plan order.
 */
export function readyTasks(rec: RunRecorder, runId: string): TaskRow[] {
  let tasks = rec.db.getTasks(runId);
  for (let changed = true; changed;) {
    changed = false;
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const t of tasks) {
      if (t.status !== 'pending' && t.status !== 'ready') continue;
      const dead = t.dependsOn.find((d) => DEAD.has(byId.get(d)?.status ?? ''));
      if (!dead) continue;
      rec.taskStatus(runId, t.id, 'skipped', { error: `dependency ${dead} did not complete` });
      changed = true;
    }
    if (changed) tasks = rec.db.getTasks(runId);
  }
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return tasks.filter(
    (t) =>
      (t.status === 'pending' || t.status === 'ready') &&
      t.dependsOn.every((d) => byId.get(d)?.status === 'done'),
  );
}

/**
 * Puts back to `pending` the tasks a stopped or crashed process left running (their open attempts
 * become `interrupted`, which does not use up a retry); `isLive` names tasks this process runs.
 * @returns the ids of the tasks put back
 */
export function recoverInterrupted(
  rec: RunRecorder,
  runId: string,
  isLive: (taskId: string) => boolean,
): string[] {
  const recovered: string[] = [];
  for (const task of rec.db.getTasks(runId)) {
    if (isLive(task.id)) continue;
    if (task.status !== 'running' && task.status !== 'verifying' && task.status !== 'reviewing') continue;
    for (const a of rec.db.getAttempts(runId, task.id)) {
      if (a.status !== 'running' && a.status !== 'verifying') continue;
      rec.db.updateAttempt(a.id, {
        status: 'interrupted',
        endedAt: rec.now(),
        error: STOPPED_DURING_ATTEMPT,
      });
    }
    rec.taskStatus(runId, task.id, 'pending');
    recovered.push(task.id);
  }
  return recovered;
}

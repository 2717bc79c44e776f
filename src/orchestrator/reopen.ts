import type { RunRecorder } from './recorder.js';

/**
 * Reopens a failed run for `haco resume` (say, after the user fixed a wrong agent command in the
 * config): its failed tasks, and the tasks skipped only because a dependency failed, go back to
 * `pending` with their retries afresh (their earlier attempts stay recorded but no longer count,
 * see StateDb.retryBase), and the run to `paused`. A run in any other status is left alone.
 * @returns the ids of the reopened tasks
 */
export function reopenFailedRun(rec: RunRecorder, runId: string): string[] {
  if (rec.db.getRun(runId)?.status !== 'failed') return [];
  const reopened: string[] = [];
  for (const task of rec.db.getTasks(runId)) {
    const skippedForDependency =
      task.status === 'skipped' && (task.error?.startsWith('dependency ') ?? false);
    if (task.status !== 'failed' && !skippedForDependency) continue;
    rec.db.setRetryBase(runId, task.id, rec.db.getAttempts(runId, task.id).length);
    rec.taskStatus(runId, task.id, 'pending');
    rec.db.setTaskStatus(runId, task.id, 'pending', rec.now(), { error: null });
    reopened.push(task.id);
  }
  rec.log(runId, null, `run reopened: ${reopened.join(', ') || 'no task'} will run again`);
  rec.runStatus(runId, 'paused');
  return reopened;
}

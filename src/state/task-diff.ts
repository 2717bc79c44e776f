import type { StateDb } from '../db/state-db.js';
import { fileDiff, taskChanges } from '../workspace/changes.js';
import type { Workspace } from '../workspace/git.js';
import type { DiffLoader } from './diff-feed.js';
import type { DiffHunkView, DiffView } from './store.js';

/** Hunk lines kept for the pane (a pane shows a few dozen; the rest is counted, not stored). */
export const MAX_DIFF_LINES = 400;

/** The part of the core a diff is read from (the Orchestrator satisfies it). */
export interface TaskDiffSource {
  readonly workspace: Workspace;
  readonly db: Pick<StateDb, 'getCheckpoint' | 'getTasks'>;
}

/**
 * Reads diffs of one run's tasks for the diff pane, against each task's checkpoint
 * (`workspace/changes.ts`: `taskChanges` for the file list with +/− counts over the task's owned
 * paths, `fileDiff` for the selected file's hunks, capped at `maxLines` lines). A task without a
 * checkpoint yet (not started) has no changes. Read-only; runs git, so call it off the render path
 * (the bridge's {@link DiffFeed} does, one read at a time).
 */
export function taskDiffLoader(source: TaskDiffSource, runId: string, maxLines = MAX_DIFF_LINES): DiffLoader {
  return async ({ taskId, path }) => {
    const empty: DiffView = {
      taskId,
      files: [],
      selectedPath: undefined,
      hunks: [],
      hiddenLines: 0,
      isBinary: false,
      error: null,
    };
    const task = source.db.getTasks(runId).find((t) => t.id === taskId);
    const checkpoint = source.db.getCheckpoint(runId, taskId);
    if (!task || !checkpoint) return empty;
    const files = await taskChanges(source.workspace, checkpoint.entries, task.files);
    const selected = files.find((f) => f.path === path) ?? files[0];
    if (!selected) return { ...empty, files };
    const entry = checkpoint.entries.find((e) => e.path === selected.path);
    const diff = await fileDiff(source.workspace, entry, selected.path);
    const { hunks, hiddenLines } = capHunks(diff.hunks, maxLines);
    return { ...empty, files, selectedPath: selected.path, hunks, hiddenLines, isBinary: diff.isBinary };
  };
}

/** Keeps whole hunks, then part of one, up to `max` lines (a header counts as one). */
function capHunks(
  hunks: readonly DiffHunkView[],
  max: number,
): { hunks: DiffHunkView[]; hiddenLines: number } {
  const kept: DiffHunkView[] = [];
  let room = max;
  let hiddenLines = 0;
  for (const hunk of hunks) {
    if (room <= 1) {
      hiddenLines += hunk.lines.length + 1;
      continue;
    }
    const lines = hunk.lines.slice(0, room - 1);
    kept.push(lines.length === hunk.lines.length ? hunk : { ...hunk, lines });
    hiddenLines += hunk.lines.length - lines.length;
    room -= lines.length + 1;
  }
  return { hunks: kept, hiddenLines };
}

import type { Command } from 'commander';

import { ExitCode } from '../lib/errors.js';
import type { RollbackResult } from '../orchestrator/rollback.js';
import type { RestoreAction } from '../workspace/restore.js';
import { runCommand } from './common.js';
import { openExisting } from './state-commands.js';

/** Paths of a rollback with this action, over all its tasks. */
function count(result: RollbackResult, action: RestoreAction): number {
  return result.tasks.reduce((n, t) => n + t.paths.filter((p) => p.action === action).length, 0);
}

/**
 * The `--json` object: `{run_id, status, kept, tasks: [{id, paths: [{path, action, reason?}]}]}`,
 * `action` one of `restored | deleted | unchanged | kept`, `reason` on kept paths only.
 */
function toJson(result: RollbackResult): unknown {
  return {
    run_id: result.runId,
    status: result.status,
    kept: count(result, 'kept'),
    tasks: result.tasks.map((t) => ({ id: t.taskId, paths: t.paths })),
  };
}

/**
 * One line per path restored, deleted or kept (`<task>: <action> <path>`, a kept one with its
 * reason in parentheses); a tally on stderr.
 */
function writeLines(result: RollbackResult): void {
  for (const task of result.tasks) {
    for (const p of task.paths) {
      if (p.action === 'unchanged') continue;
      const why = p.reason === undefined ? '' : ` (${p.reason})`;
      process.stdout.write(`${task.taskId}: ${p.action} ${p.path}${why}\n`);
    }
  }
  const ids = result.tasks.map((t) => t.taskId).join(', ');
  const kept = count(result, 'kept');
  const keptNote = kept ? `, ${kept} kept as yours: rerun with --force to restore them too` : '';
  process.stderr.write(
    `haco: run ${result.runId}: rolled back ${ids} (${count(result, 'restored')} restored, ${count(result, 'deleted')} deleted${keptNote}); run is ${result.status}\n`,
  );
}

/** Exit code of `haco rollback`: 0 when every path is back at its checkpoint, 1 when some were kept. */
export const ROLLBACK_KEPT_EXIT = ExitCode.failed;

/** `haco rollback RUN [--task ID] [--force] [--json]`. */
export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .summary("restore a run's owned files to their checkpoints, keeping what you changed since")
    .description(
      "Restores a run's owned files to their checkpoints (one task with --task), newest task " +
        'first. A file is restored, or deleted if the task created it, only while it is still what ' +
        'haco left there. What you changed, created or deleted since is kept and listed as ' +
        '"<task>: kept <path> (changed since the run)", unless --force. Your other work is untouched.',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every path is back at its checkpoint; 1 some paths were kept (listed);\n' +
        '2 usage error (no such run or task, the run still running, a checkpoint gone).',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--task <id>', 'roll back only this task')
    .option('--force', 'restore paths changed since the run too (your later edits there are lost)')
    .option('--json', 'print {run_id, status, kept, tasks: [{id, paths: [{path, action, reason?}]}]}')
    .action((runRef: string, flags: { task?: string; force?: boolean; json?: boolean }) =>
      runCommand(async () => {
        const core = await openExisting();
        try {
          // Through the core, so the repository lease is held while files are restored.
          const result = await core.rollback(core.resolveRun(runRef), {
            ...(flags.task === undefined ? {} : { taskId: flags.task }),
            force: flags.force === true,
          });
          if (flags.json) process.stdout.write(`${JSON.stringify(toJson(result))}\n`);
          else writeLines(result);
          return count(result, 'kept') > 0 ? ROLLBACK_KEPT_EXIT : ExitCode.completed;
        } finally {
          core.close();
        }
      }),
    );
}

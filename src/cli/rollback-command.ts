import type { Command } from 'commander';

import { ExitCode } from '../lib/errors.js';
import { rollbackRun, type RollbackResult } from '../orchestrator/rollback.js';
import { runCommand } from './common.js';
import { openExisting } from './state-commands.js';

/** The `--json` object: `{run_id, status, tasks: [{id, paths: [{path, action}]}]}`. */
function toJson(result: RollbackResult): unknown {
  return {
    run_id: result.runId,
    status: result.status,
    tasks: result.tasks.map((t) => ({ id: t.taskId, paths: t.paths })),
  };
}

/** One line per path restored or deleted (`<task>: <action> <path>`); a tally on stderr. */
function writeLines(result: RollbackResult): void {
  for (const task of result.tasks) {
    for (const p of task.paths)
      if (p.action !== 'unchanged') process.stdout.write(`${task.taskId}: ${p.action} ${p.path}\n`);
  }
  const count = (action: string): number =>
    result.tasks.reduce((n, t) => n + t.paths.filter((p) => p.action === action).length, 0);
  const ids = result.tasks.map((t) => t.taskId).join(', ');
  process.stderr.write(
    `haco: run ${result.runId}: rolled back ${ids} (${count('restored')} restored, ${count('deleted')} deleted); run is ${result.status}\n`,
  );
}

/** `haco rollback RUN [--task ID] [--json]`. */
export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description(
      "restore a run's owned files to their checkpoints (one task with --task); the user's other work is untouched",
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--task <id>', 'roll back only this task')
    .option('--json', 'print {run_id, status, tasks: [{id, paths: [{path, action}]}]}')
    .action((runRef: string, flags: { task?: string; json?: boolean }) =>
      runCommand(async () => {
        const core = await openExisting();
        try {
          const result = await rollbackRun(core.db, core.workspace, core.resolveRun(runRef), flags.task);
          if (flags.json) process.stdout.write(`${JSON.stringify(toJson(result))}\n`);
          else writeLines(result);
          return ExitCode.completed;
        } finally {
          core.close();
        }
      }),
    );
}

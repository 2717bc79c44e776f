import type { Command } from 'commander';

import { ExitCode, UsageError } from '../lib/errors.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { runChanges, summarizeRun } from '../orchestrator/summary.js';
import type { BreakpointAnswer } from '../orchestrator/types.js';
import { formatSummary, runCommand } from './common.js';

/**
 * Opens the orchestrator of the repository around the current directory for a command about
 * existing runs; never creates `.haco/` or a state database.
 * @throws UsageError when the repository has no runs yet (no state database)
 * @throws StorageError when the state database cannot be used (exit code 4)
 */
export async function openExisting(): Promise<Orchestrator> {
  // `create: false` checks `.haco` (a file there is a storage fault) and refuses a missing
  // database with "no runs yet", without creating anything.
  return Orchestrator.open(process.cwd(), Date.now, { create: false });
}

function parseBreakpointId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`breakpoint: expected a breakpoint number, got "${text}"`);
  return n;
}

function answerCommand(answer: BreakpointAnswer) {
  return (runRef: string, bpText: string | undefined) =>
    runCommand(async () => {
      // The arguments are checked before the repository is looked at.
      const bpId = parseBreakpointId(bpText);
      const core = await openExisting();
      try {
        const runId = core.resolveRun(runRef);
        const bp = await core.answer(runId, bpId, answer, 'cli');
        const left = core.db.getBreakpoints(runId).filter((b) => b.status === 'pending').length;
        const next =
          core.db.getRun(runId)?.status === 'cancelled'
            ? 'the run is cancelled'
            : `continue with: haco resume ${runId}`;
        process.stdout.write(
          `run ${runId}: breakpoint ${bp.id} (${bp.kind}) ${bp.status}; ${left} pending; ${next}\n`,
        );
        return ExitCode.completed;
      } finally {
        core.close();
      }
    });
}

/** `haco status`, `haco approve`, `haco reject`. */
export function registerStateCommands(program: Command): void {
  program
    .command('status')
    .description('show a run (the newest when RUN is omitted)')
    .argument('[run]', 'run id (or a unique prefix)')
    .option(
      '--json',
      'print {run_id, status, tasks (with changed_files), breakpoints, cost_usd, duration_ms}',
    )
    .action((runRef: string | undefined, flags: { json?: boolean }) =>
      runCommand(async () => {
        const core = await openExisting();
        try {
          const runId = core.resolveRun(runRef);
          if (!flags.json) {
            process.stdout.write(`${formatSummary(core.summary(runId))}\n`);
            return ExitCode.completed;
          }
          const changes = await runChanges(core.db, core.workspace, runId);
          process.stdout.write(`${JSON.stringify(summarizeRun(core.db, runId, Date.now(), changes))}\n`);
          return ExitCode.completed;
        } finally {
          core.close();
        }
      }),
    );
  program
    .command('approve')
    .description(
      'approve a pending breakpoint (the first one when BP is omitted); for an ownership violation: grant the path to the task',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[bp]', 'breakpoint number')
    .action(answerCommand('approve'));
  program
    .command('reject')
    .description(
      'reject a pending breakpoint (the first one when BP is omitted); for an ownership violation: revert the change',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[bp]', 'breakpoint number')
    .action(answerCommand('reject'));
  program
    .command('keep')
    .description(
      'keep the change of a pending ownership violation as your own: no grant, nothing reverted (the first one when BP is omitted)',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[bp]', 'breakpoint number')
    .action(answerCommand('keep'));
}

import type { Command } from 'commander';

import { ExitCode, UsageError } from '../lib/errors.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { runChanges, summarizeRun } from '../orchestrator/summary.js';
import type { BreakpointAnswer } from '../orchestrator/types.js';
import { Workspace } from '../workspace/git.js';
import { formatSummary, hasState, runCommand } from './common.js';

/**
 * Opens the orchestrator of the repository around the current directory for a command about
 * existing runs.
 * @throws UsageError when the repository has no runs yet (no state database)
 */
export async function openExisting(): Promise<Orchestrator> {
  const workspace = await Workspace.open(process.cwd());
  if (!hasState(workspace.root))
    throw new UsageError('no runs yet in this repository (start one with: haco run PLAN)');
  return Orchestrator.open(workspace.root);
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
      const core = await openExisting();
      try {
        const runId = core.resolveRun(runRef);
        const bp = await core.answer(runId, parseBreakpointId(bpText), answer, 'cli');
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
    .description('approve a pending breakpoint (the first one when BP is omitted)')
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[bp]', 'breakpoint number')
    .action(answerCommand('approve'));
  program
    .command('reject')
    .description('reject a pending breakpoint (the first one when BP is omitted)')
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[bp]', 'breakpoint number')
    .action(answerCommand('reject'));
}

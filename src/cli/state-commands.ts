import type { Command } from 'commander';

import { ExitCode, UsageError } from '../lib/errors.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import type { BreakpointAnswer } from '../orchestrator/types.js';
import { Workspace } from '../workspace/git.js';
import { formatSummary, hasState, runCommand } from './common.js';

async function openExisting(): Promise<Orchestrator> {
  const workspace = await Workspace.open(process.cwd());
  if (!hasState(workspace.root)) throw new UsageError('no runs yet in this repository (start one with: haco run PLAN)');
  return Orchestrator.open(workspace.root);
}

function parseBreakpointId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`breakpoint: expected a breakpoint number, got "${text}"`);
  return n;
}

function answerCommand(answer: BreakpointAnswer) {
  return (runRef: string, bpText: string | undefined) =>
    runCommand(async () => {
      const core = await openExisting();
      try {
        const runId = core.resolveRun(runRef);
        const bp = core.answer(runId, parseBreakpointId(bpText), answer, 'cli');
        const left = core.db.getBreakpoints(runId).filter((b) => b.status === 'pending').length;
        const next = core.db.getRun(runId)?.status === 'cancelled' ? 'the run is cancelled' : `continue with: haco resume ${runId}`;
        process.stdout.write(`run ${runId}: breakpoint ${bp.id} (${bp.kind}) ${bp.status}; ${left} pending; ${next}\n`);
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
    .option('--json', 'print {run_id, status, tasks, breakpoints, cost_usd, duration_ms}')
    .action((runRef: string | undefined, flags: { json?: boolean }) =>
      runCommand(async () => {
        const core = await openExisting();
        try {
          const summary = core.summary(core.resolveRun(runRef));
          process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
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

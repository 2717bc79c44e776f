import type { Command } from 'commander';

import { ExitCode } from '../lib/errors.js';
import { Orchestrator } from '../orchestrator/orchestrator.js';
import { runChanges, summarizeRun } from '../orchestrator/summary.js';
import { loadInputs, exitCodeFor, formatSummary, parseConcurrency, runCommand } from './common.js';

interface RunFlags {
  config?: string;
  yes?: boolean;
  headless?: boolean;
  json?: boolean;
  concurrency?: number;
}

/**
 * Drives a run headless: progress lines on stderr, the summary (or `--json` object) on stdout.
 * SIGINT/SIGTERM stop the agents and leave the run paused (exit 130).
 */
export async function driveHeadless(core: Orchestrator, runId: string, json: boolean): Promise<number> {
  const off = [
    core.events.on('task:status-changed', (e) =>
      process.stderr.write(`haco: ${e.taskId}: ${e.status}${e.error ? ` (${e.error})` : ''}\n`),
    ),
    core.events.on('attempt:started', (e) =>
      process.stderr.write(`haco: ${e.taskId}: attempt ${e.attempt} started (pid ${e.pid})\n`),
    ),
    core.events.on('breakpoint:opened', (b) =>
      process.stderr.write(`haco: breakpoint ${b.id} (${b.kind}): ${b.message}\n`),
    ),
  ];
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    process.stderr.write('haco: interrupted; stopping agents (the run can be resumed)\n');
    core.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const status = await core.drive(runId, { waitForAnswers: false });
    const summary = summarizeRun(
      core.db,
      runId,
      Date.now(),
      await runChanges(core.db, core.workspace, runId),
    );
    process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    return interrupted ? ExitCode.interrupted : exitCodeFor(status);
  } finally {
    off.forEach((f) => f());
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    core.close();
  }
}

/** `haco run`, `haco resume`, `haco validate`. */
export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description(
      'run a plan: validate it, wait at the plan-approval breakpoint (unless --yes), run its tasks',
    )
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--config <file>', 'config file, the last layer over ~/.config/haco and .haco/config.yaml')
    .option('-y, --yes', 'approve the plan without stopping')
    .option('--headless', 'no dashboard even on a terminal (progress on stderr, summary on stdout)')
    .option(
      '--json',
      'print one JSON object at the end: {run_id, status, tasks, breakpoints, cost_usd, duration_ms}',
    )
    .option('--concurrency <n>', 'workers at the same time (overrides config)', parseConcurrency)
    .action((planFile: string, flags: RunFlags) =>
      runCommand(async () => {
        if (!flags.headless && !flags.json && process.stdin.isTTY && process.stdout.isTTY) {
          // On a terminal, `haco run` is the dashboard; scripts get the headless path.
          const { runTui } = await import('./haco-tui.js');
          return runTui({
            planFile,
            ...(flags.config ? { configFile: flags.config } : {}),
            ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
            ...(flags.yes ? { autoApprove: true } : {}),
          });
        }
        const { config, plan, workspace } = await loadInputs(planFile, flags.config);
        const core = await Orchestrator.open(workspace.root);
        const runId = await core.createRun(plan, config, {
          planFile,
          ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
          ...(flags.yes ? { autoApprove: true, approvedBy: '--yes' } : {}),
        });
        process.stderr.write(`haco: run ${runId} · ${plan.tasks.length} task(s) · ${plan.goal}\n`);
        return driveHeadless(core, runId, flags.json === true);
      }),
    );

  program
    .command('resume')
    .description('continue a paused or interrupted run')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--json', 'print one JSON object at the end')
    .action((runRef: string, flags: { json?: boolean }) =>
      runCommand(async () => {
        const core = await Orchestrator.open(process.cwd());
        const runId = core.resolveRun(runRef);
        return driveHeadless(core, runId, flags.json === true);
      }),
    );

  program
    .command('validate')
    .description('check a plan: schema, dependencies, agents, ownership; every problem on its own line')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--config <file>', 'config file')
    .action((planFile: string, flags: { config?: string }) =>
      runCommand(async () => {
        const { plan } = await loadInputs(planFile, flags.config);
        process.stdout.write(`${planFile}: valid · ${plan.tasks.length} task(s) · ${plan.goal}\n`);
        return ExitCode.completed;
      }),
    );
}

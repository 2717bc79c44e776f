import type { Command } from 'commander';

import { ExitCode, PAUSE_SIGNALS, type PauseSignal } from '../lib/errors.js';
import { assertRepositoryFree } from '../orchestrator/lease.js';
import { Orchestrator, type DriveOptions } from '../orchestrator/orchestrator.js';
import { runChanges, summarizeRun } from '../orchestrator/summary.js';
import { loadInputs, exitCodeFor, formatSummary, parseConcurrency, runCommand } from './common.js';
import { resumeOptions } from './resume-config.js';
import { openExisting } from './state-commands.js';
import { Workspace } from '../workspace/git.js';
import { preflightResume, preflightRun } from '../workspace/preflight.js';

interface RunFlags {
  config?: string;
  yes?: boolean;
  headless?: boolean;
  json?: boolean;
  concurrency?: number;
  allowDirty?: boolean;
}

/** `--allow-dirty`'s help, shared by `haco run` and `haco-tui`. */
export const ALLOW_DIRTY_HELP =
  "start even with uncommitted changes in the plan's owned paths; they go into the owning task's commit";

/**
 * Drives a run headless: progress lines on stderr, the summary (or `--json` object) on stdout.
 * SIGHUP, SIGINT and SIGTERM stop the agents (every marked descendant too), put their tasks back
 * to pending, leave the run paused and release the lease; the exit code is 128 + the signal's
 * number (129, 130, 143; see PAUSE_SIGNALS). A second signal meanwhile changes nothing.
 */
export async function driveHeadless(
  core: Orchestrator,
  runId: string,
  json: boolean,
  drive: DriveOptions = {},
): Promise<number> {
  const off = [
    core.events.on('task:status-changed', (e) => {
      // An agent's failure: the cause in parentheses, its last output lines below.
      const [cause, ...more] = e.error?.split('\n') ?? [];
      process.stderr.write(
        `haco: ${e.taskId}: ${e.status}${cause ? ` (${cause})` : ''}\n${more.map((l) => `haco:   ${l}\n`).join('')}`,
      );
    }),
    core.events.on('attempt:started', (e) =>
      process.stderr.write(
        `haco: ${e.taskId}: attempt ${e.attempt} started${e.pid === undefined ? '' : ` (pid ${e.pid})`}\n`,
      ),
    ),
    core.events.on('breakpoint:opened', (b) =>
      process.stderr.write(`haco: breakpoint ${b.id} (${b.kind}): ${b.message}\n`),
    ),
  ];
  let stopSignal: PauseSignal | undefined;
  const onSignal = (signal: PauseSignal): void => {
    if (stopSignal) return;
    stopSignal = signal;
    // After a hangup the terminal is gone: a failed write there must not crash the pause.
    if (signal === 'SIGHUP')
      for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
    process.stderr.write(
      `haco: ${signal}: pausing run ${runId}, stopping agents (continue with: haco resume ${runId})\n`,
    );
    core.interrupt();
  };
  const signals = Object.keys(PAUSE_SIGNALS) as PauseSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const status = await core.drive(runId, { ...drive, waitForAnswers: false });
    const summary = summarizeRun(
      core.db,
      runId,
      Date.now(),
      await runChanges(core.db, core.workspace, runId),
    );
    process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    return stopSignal ? PAUSE_SIGNALS[stopSignal] : exitCodeFor(status);
  } finally {
    off.forEach((f) => f());
    for (const signal of signals) process.off(signal, onSignal);
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
    .option('--allow-dirty', ALLOW_DIRTY_HELP)
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
            ...(flags.allowDirty ? { allowDirty: true } : {}),
          });
        }
        const { config, layers, plan, workspace } = await loadInputs(planFile, flags.config);
        // Read-only checks first: a refused start writes nothing.
        assertRepositoryFree(workspace.root);
        const notes = await preflightRun(workspace, plan, { allowDirty: flags.allowDirty === true });
        notes.forEach((note) => process.stderr.write(`haco: ${note}\n`));
        const core = await Orchestrator.open(workspace.root);
        let runId: string;
        try {
          runId = await core.createRun(plan, config, {
            planFile,
            configLayers: layers,
            ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
            ...(flags.yes ? { autoApprove: true, approvedBy: '--yes' } : {}),
          });
        } catch (error) {
          core.close();
          throw error;
        }
        process.stderr.write(`haco: run ${runId} · ${plan.tasks.length} task(s) · ${plan.goal}\n`);
        return driveHeadless(core, runId, flags.json === true);
      }),
    );

  program
    .command('resume')
    .description(
      'continue a paused, interrupted or failed run (failed tasks run again), with its config reloaded',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--config <file>', "config file replacing the run's own --config (fix an agent and continue)")
    .option('--json', 'print one JSON object at the end')
    .action((runRef: string, flags: { json?: boolean; config?: string }) =>
      runCommand(async () => {
        const repo = await Workspace.open(process.cwd());
        assertRepositoryFree(repo.root);
        const notes = await preflightResume(repo);
        notes.forEach((note) => process.stderr.write(`haco: ${note}\n`));
        const core = await openExisting();
        let runId: string;
        let drive: DriveOptions;
        try {
          runId = core.resolveRun(runRef);
          drive = resumeOptions(core, runId, flags.config);
        } catch (error) {
          core.close();
          throw error;
        }
        return driveHeadless(core, runId, flags.json === true, drive);
      }),
    );

  program
    .command('validate')
    .description('check a plan: schema, dependencies, agents, ownership; every problem on its own line')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--config <file>', 'config file')
    .option(
      '--json',
      'print one JSON object: {file, valid, goal, tasks, routing: [{task, agent, role?, reason}]} (problems still go to stderr, exit 2)',
    )
    .action((planFile: string, flags: { config?: string; json?: boolean }) =>
      runCommand(async () => {
        const { plan } = await loadInputs(planFile, flags.config);
        if (flags.json) {
          const routing = plan.routing ?? [];
          const out = { file: planFile, valid: true, goal: plan.goal, tasks: plan.tasks.length, routing };
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return ExitCode.completed;
        }
        process.stdout.write(`${planFile}: valid · ${plan.tasks.length} task(s) · ${plan.goal}\n`);
        return ExitCode.completed;
      }),
    );
}

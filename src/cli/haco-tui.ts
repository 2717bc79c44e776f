#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { loadConfig } from '../config/load.js';
import { toStorageError } from '../db/storage-errors.js';
import { ExitCode, HacoError, UsageError } from '../lib/errors.js';
import { packageVersion } from '../lib/version.js';
import { assertRepositoryFree } from '../orchestrator/lease.js';
import { Orchestrator, type DriveOptions } from '../orchestrator/orchestrator.js';
import { assertAgentsRunnable } from '../plan/agents-check.js';
import { loadPlan } from '../plan/validate.js';
import { Workspace } from '../workspace/git.js';
import { preflightRun } from '../workspace/preflight.js';
import { DEFAULT_THEME, THEMES, type ThemeName } from '../../themes/index.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { ALLOW_DIRTY_HELP } from './run-commands.js';
import { resumeOptions } from './resume-config.js';
import { openExisting } from './state-commands.js';
import { oneLineUsageErrors } from './usage.js';

/** What `haco-tui` (and later `haco run` on a terminal) needs to start a run on the dashboard. */
export interface RunTuiOptions {
  /** The plan file as the user typed it (relative to `cwd`). */
  readonly planFile: string;
  /** `--config FILE`, the last config layer. */
  readonly configFile?: string;
  /** Overrides the config's `concurrency`. */
  readonly concurrency?: number;
  readonly theme?: ThemeName;
  /** Approve the plan at once (`haco run --yes`); by default the user presses `a`. */
  readonly autoApprove?: boolean;
  /** `--allow-dirty`: start even with uncommitted changes in owned paths (see preflightRun). */
  readonly allowDirty?: boolean;
  /** Default: process.cwd(). */
  readonly cwd?: string;
}

/**
 * Loads config and plan, creates a run waiting at its plan-approval breakpoint, and runs it on the
 * dashboard until the user quits.
 * @returns the exit code: 0 completed, 1 failed (or cancelled), 3 left at a breakpoint, 130 interrupted
 * @throws HacoError (config, plan, usage problems; exit 2) before anything is drawn
 */
export async function runTui(options: RunTuiOptions): Promise<ExitCode> {
  assertTerminal();
  const cwd = options.cwd ?? process.cwd();
  const workspace = await Workspace.open(cwd);
  const configFile = options.configFile === undefined ? undefined : resolve(cwd, options.configFile);
  const { config } = loadConfig({
    repoRoot: workspace.root,
    ...(configFile === undefined ? {} : { configFile }),
  });
  const plan = loadPlan(resolve(cwd, options.planFile), config, workspace.root, options.planFile);
  assertAgentsRunnable(
    plan.tasks.map((t) => t.agent),
    config,
    workspace.root,
  );
  // Read-only checks first: a refused start writes nothing.
  assertRepositoryFree(workspace.root);
  const notes = await preflightRun(workspace, plan, { allowDirty: options.allowDirty === true });
  notes.forEach((note) => process.stderr.write(`haco-tui: ${note}\n`));
  const orchestrator = await Orchestrator.open(cwd);
  try {
    const runId = await orchestrator.createRun(plan, config, {
      planFile: options.planFile,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.autoApprove ? { autoApprove: true, approvedBy: 'cli' } : {}),
    });
    return await showDashboard({ orchestrator, runId, theme: options.theme ?? DEFAULT_THEME });
  } finally {
    orchestrator.close();
  }
}

/**
 * Shows one run of an open orchestrator on the dashboard and drives it until the user quits.
 *
 * Ink is loaded here, late, on purpose: Ink 6.8 decides at import time (is-in-ci) whether it may
 * draw live frames, and with `CI` set in its own environment it draws only the last frame at exit.
 * So `CI` / `CONTINUOUS_INTEGRATION` are removed before the dynamic import and put back after it
 * (agents never see `CI` anyway, see childEnv; verify commands get `CI=1`). React's production
 * build is chosen the same way, by `NODE_ENV` at import time (development React costs ~5 % CPU).
 * @throws UsageError when stdin or stdout is not a terminal
 */
export async function showDashboard(options: {
  orchestrator: Orchestrator;
  runId: string;
  theme: ThemeName;
  /** Options for `drive` (a resumed run's reloaded config). */
  drive?: DriveOptions;
}): Promise<ExitCode> {
  assertTerminal();
  const saved = {
    CI: process.env.CI,
    CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION,
    NODE_ENV: process.env.NODE_ENV,
  };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  process.env.NODE_ENV ??= 'production';
  const { mountDashboard } = await import('./mount-dashboard.js');
  // Put the environment back: agents and verify commands inherit it (NODE_ENV=production would
  // make an agent's `npm install` skip devDependencies).
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return mountDashboard({ ...options, theme: THEMES[options.theme] });
}

function assertTerminal(): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(
      'haco-tui needs an interactive terminal (for scripts use: haco run PLAN --headless)',
    );
  }
}

/**
 * `haco-tui --resume RUN [--config FILE]`: reloads the run's config from its layers (FILE replaces
 * the stored `--config`) and continues the run on the dashboard (a failed run's failed tasks run
 * again, see reopenFailedRun).
 * @throws HacoError before anything is drawn: no terminal, no runs in this repository, an unknown
 *   run, a reloaded config that is invalid (one line, exit 2)
 */
export async function resumeTui(options: {
  runRef: string;
  configFile?: string;
  theme?: ThemeName;
}): Promise<ExitCode> {
  assertTerminal();
  const orchestrator = await openExisting();
  try {
    const runId = orchestrator.resolveRun(options.runRef);
    const drive = resumeOptions(orchestrator, runId, options.configFile);
    return await showDashboard({ orchestrator, runId, theme: options.theme ?? DEFAULT_THEME, drive });
  } finally {
    orchestrator.close();
  }
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return n;
}

/** The `haco-tui` command line (commander 14). */
export function buildProgram(): Command {
  const program = new Command('haco-tui')
    .description('Run a plan of AI coding agents on this repository, in a terminal dashboard.')
    .option('--plan <file>', 'plan file (YAML or JSON) to run')
    .option('--resume <run>', 'continue a paused, interrupted or failed run (id or unique prefix) instead')
    .option('--config <file>', 'config file, applied over the built-in, user and repository configs')
    .option('--concurrency <n>', 'how many workers may run at once (overrides the config)', parseConcurrency)
    .option('--allow-dirty', ALLOW_DIRTY_HELP)
    .addOption(
      new Option('--theme <name>', 'colour theme').choices(Object.keys(THEMES)).default(DEFAULT_THEME),
    )
    .version(packageVersion())
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  return oneLineUsageErrors(program);
}

/**
 * The `haco-tui` entry point: parses `argv`, runs, and returns the exit code. Expected failures
 * print one line each to stderr (never a stack trace) and return their exit code (2 for usage,
 * config and plan errors).
 */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : ExitCode.usage;
    throw error;
  }
  const opts = program.opts<{
    plan?: string;
    resume?: string;
    config?: string;
    concurrency?: number;
    theme: ThemeName;
    allowDirty?: boolean;
  }>();
  if ((opts.plan === undefined) === (opts.resume === undefined)) {
    console.error('haco-tui: give either --plan FILE or --resume RUN (see haco-tui --help)');
    return ExitCode.usage;
  }
  try {
    if (opts.resume !== undefined)
      return await resumeTui({
        runRef: opts.resume,
        theme: opts.theme,
        ...(opts.config === undefined ? {} : { configFile: opts.config }),
      });
    return await runTui({
      planFile: opts.plan ?? '',
      theme: opts.theme,
      ...(opts.config === undefined ? {} : { configFile: opts.config }),
      ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
      ...(opts.allowDirty ? { allowDirty: true } : {}),
    });
  } catch (caught) {
    // A disk or database fault is expected, not a bug: one line and exit code 4.
    const error = toStorageError(caught) ?? caught;
    if (error instanceof HacoError) {
      for (const line of error.lines) console.error(`haco-tui: ${line}`);
      return error.exitCode;
    }
    console.error(`haco-tui: internal error: ${(error as Error).message}`);
    return ExitCode.failed;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  void main().then((code) => process.exit(code));
}

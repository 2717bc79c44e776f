#!/usr/bin/env node
import { existsSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { loadConfig } from '../config/load.js';
import { toStorageError } from '../db/storage-errors.js';
import { ExitCode, HacoError, PAUSE_SIGNALS, UsageError } from '../lib/errors.js';
import { packageVersion } from '../lib/version.js';
import { assertRepositoryFree } from '../orchestrator/lease.js';
import { Orchestrator, type DriveOptions } from '../orchestrator/orchestrator.js';
import { assertAgentsRunnable } from '../plan/agents-check.js';
import { loadPlan } from '../plan/validate.js';
import { planReviewView, type PlanReviewView } from '../state/plan-review.js';
import { repoContext } from '../supervisor/context.js';
import { estimatePlan } from '../supervisor/estimate.js';
import { supervisorClient } from '../supervisor/providers.js';
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
  /** Who approved it when `autoApprove` (recorded on the breakpoint); default `cli`. */
  readonly approvedBy?: string;
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
      ...(options.autoApprove ? { autoApprove: true, approvedBy: options.approvedBy ?? 'cli' } : {}),
    });
    // The plan-approval view: the same details as after planning from a request.
    const files = options.autoApprove ? [] : (await repoContext(workspace.root, 0)).files;
    const planReview = options.autoApprove
      ? undefined
      : planReviewView(plan, estimatePlan(plan, config, workspace.root, files));
    return await showDashboard({
      orchestrator,
      runId,
      theme: options.theme ?? DEFAULT_THEME,
      ...(planReview ? { planReview } : {}),
    });
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
  /** What the plan-approval view shows while the run waits at its plan_approval breakpoint. */
  planReview?: PlanReviewView;
}): Promise<ExitCode> {
  assertTerminal();
  const { mountDashboard } = await importForInk(() => import('./mount-dashboard.js'));
  return mountDashboard({ ...options, theme: THEMES[options.theme] });
}

/**
 * Imports an Ink module with the environment Ink and React read at import time: without
 * `CI` / `CONTINUOUS_INTEGRATION` and with `NODE_ENV` defaulting to production (see showDashboard).
 */
async function importForInk<T>(load: () => Promise<T>): Promise<T> {
  const saved = {
    CI: process.env.CI,
    CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION,
    NODE_ENV: process.env.NODE_ENV,
  };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  process.env.NODE_ENV ??= 'production';
  const loaded = await load();
  // Put the environment back: agents and verify commands inherit it (NODE_ENV=production would
  // make an agent's `npm install` skip devDependencies).
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return loaded;
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

/** What `haco-tui "REQUEST"` needs: the request and the run options of {@link runTui}. */
export interface RequestTuiOptions extends Omit<RunTuiOptions, 'planFile' | 'autoApprove' | 'approvedBy'> {
  /** What to build, in one sentence. */
  readonly request: string;
}

/**
 * `haco-tui "REQUEST"`: plans with the configured supervisor (config `supervisor:`) on the planning
 * screen (src/cli/mount-planning.tsx), and once the user approves the plan (saved under
 * `.haco/plans/`), runs it on the dashboard as {@link runTui} does, approved by the user.
 * @returns runTui's exit code after `a`; 1 after `r` (nothing run); 2 when planning failed or the
 *   provider could not answer (the line is printed; refused answers stay under `.haco/supervisor/`);
 *   130 after `q` while planning; 128 + the signal's number after SIGHUP, SIGINT, SIGTERM
 * @throws HacoError (config, usage problems; exit 2) before anything is drawn
 */
export async function runRequestTui(options: RequestTuiOptions): Promise<ExitCode> {
  assertTerminal();
  if (options.request.trim() === '') throw new UsageError('haco-tui: the request is empty');
  const cwd = options.cwd ?? process.cwd();
  const workspace = await Workspace.open(cwd);
  const configFile = options.configFile === undefined ? undefined : resolve(cwd, options.configFile);
  const { config } = loadConfig({
    repoRoot: workspace.root,
    ...(configFile === undefined ? {} : { configFile }),
  });
  const client = supervisorClient(config.supervisor, { repoRoot: workspace.root, env: process.env });
  const { mountPlanning } = await importForInk(() => import('./mount-planning.js'));
  const outcome = await mountPlanning({
    request: options.request,
    config,
    workspace,
    client,
    theme: THEMES[options.theme ?? DEFAULT_THEME],
    editor: process.env.EDITOR || process.env.VISUAL || 'vi',
  });
  switch (outcome.kind) {
    case 'approved':
      process.stderr.write(`haco-tui: plan saved in ${relative(cwd, outcome.planFile)}\n`);
      return runTui({
        ...options,
        planFile: relative(cwd, outcome.planFile),
        autoApprove: true,
        approvedBy: 'user',
      });
    case 'rejected':
      console.log('plan rejected · nothing was run');
      return ExitCode.failed;
    case 'failed':
      console.error(`haco-tui: ${outcome.line}`);
      return outcome.exitCode;
    case 'interrupted':
      console.log('planning interrupted · nothing was run');
      return outcome.signal ? PAUSE_SIGNALS[outcome.signal] : ExitCode.interrupted;
  }
}

/** Whether the `haco-tui` argument names an existing file (a plan) rather than a request. */
export function isPlanFileArgument(argument: string, cwd: string = process.cwd()): boolean {
  const path = resolve(cwd, argument);
  return existsSync(path) && statSync(path).isFile();
}

/** One word ending in .yaml, .yml or .json: meant as a plan file, not a request. */
function looksLikePlanFile(argument: string): boolean {
  return /^\S+\.(ya?ml|json)$/i.test(argument.trim());
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
    .argument(
      '[request]',
      'a plan file to run, or (when no such file exists) a request the supervisor turns into a plan for approval',
    )
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
  const argument = program.args[0];
  const givenPlan = argument !== undefined && isPlanFileArgument(argument);
  const planFile = givenPlan ? argument : opts.plan;
  const request = argument !== undefined && !givenPlan ? argument : undefined;
  const given = [argument, opts.plan, opts.resume].filter((x) => x !== undefined).length;
  if (given !== 1) {
    console.error(
      'haco-tui: give one of "REQUEST", PLAN (a file), --plan FILE or --resume RUN (see haco-tui --help)',
    );
    return ExitCode.usage;
  }
  if (request !== undefined && looksLikePlanFile(request)) {
    // A mistyped plan file name must not become a paid request to the supervisor.
    console.error(
      `haco-tui: ${request}: no such plan file (a request is a sentence, e.g. "add a login page")`,
    );
    return ExitCode.usage;
  }
  try {
    if (request !== undefined)
      return await runRequestTui({
        request,
        theme: opts.theme,
        ...(opts.config === undefined ? {} : { configFile: opts.config }),
        ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
        ...(opts.allowDirty ? { allowDirty: true } : {}),
      });
    if (opts.resume !== undefined)
      return await resumeTui({
        runRef: opts.resume,
        theme: opts.theme,
        ...(opts.config === undefined ? {} : { configFile: opts.config }),
      });
    return await runTui({
      planFile: planFile ?? '',
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

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { Command } from 'commander';
import { stringify } from 'yaml';

import { loadConfigLayers } from '../config/secrets.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { formatUsage } from '../orchestrator/usage.js';
import { estimatePlan, type PlanEstimate } from '../supervisor/estimate.js';
import { PlanningFailedError, planFromRequest } from '../supervisor/planner.js';
import { supervisorClient } from '../supervisor/providers.js';
import { Workspace } from '../workspace/git.js';
import { runCommand, shownPath } from './common.js';

interface PlanFlags {
  output?: string;
  json?: boolean;
  estimateOnly?: boolean;
  force?: boolean;
  config?: string;
}

/** The estimate in the snake_case of haco's other JSON output. */
function estimateJson(e: PlanEstimate): unknown {
  return {
    tasks: e.tasks.map((t) => ({
      id: t.id,
      agent: t.agent,
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
      cost_usd: t.costUsd,
    })),
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    cost_usd: e.costUsd,
  };
}

function estimateLine(e: PlanEstimate): string {
  const usd = e.costUsd === null ? 'cost unknown (no agent price in config)' : `≈ $${e.costUsd.toFixed(2)}`;
  return `estimate: ${e.tasks.length} task(s) · ≈ ${formatUsage(e.inputTokens, e.outputTokens, null) ?? '0 tok'} · ${usd}`;
}

/**
 * `haco plan "REQUEST"`: asks the configured supervisor (config `supervisor:`) for a plan,
 * validates it (with repair rounds) and writes it as YAML to `-o FILE` or
 * `.haco/plans/<timestamp>.yaml`; `--estimate-only` writes nothing. Exit 0, or 2 on a config,
 * provider or planning failure (one line).
 */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('turn a request into a validated plan with the supervisor model (config supervisor:)')
    .argument('<request>', 'what to build, in one sentence')
    .option('-o, --output <file>', 'plan file to write (default .haco/plans/<timestamp>.yaml)')
    .option('--force', 'overwrite the -o file when it exists')
    .option('--json', 'print one JSON object: {plan_file, plan, usage, cost_usd, estimate}')
    .option('--estimate-only', "plan, then print the plan's estimated tokens and cost; write no plan file")
    .option('--config <file>', 'config file, the last layer over ~/.config/haco and .haco/config.yaml')
    .action((request: string, flags: PlanFlags) =>
      runCommand(async () => {
        if (request.trim() === '') throw new UsageError('haco plan: the request is empty');
        const workspace = await Workspace.open(process.cwd());
        const { config } = loadConfigLayers(workspace.root, flags.config || undefined);
        const target = flags.estimateOnly
          ? undefined
          : flags.output
            ? resolve(flags.output)
            : join(
                workspace.root,
                '.haco',
                'plans',
                `${new Date().toISOString().replace(/[:.]/g, '-')}.yaml`,
              );
        if (target && flags.output && existsSync(target) && !flags.force)
          throw new UsageError(`${flags.output}: exists; pass --force to overwrite it`);
        const client = supervisorClient(config.supervisor, { repoRoot: workspace.root, env: process.env });
        if (process.stderr.isTTY)
          process.stderr.write(`haco: planning with ${client.provider} (${client.model})\n`);
        const result = await planFromRequest({ request, config, repoRoot: workspace.root, client }).catch(
          async (error: unknown) => {
            // The refused answers were saved under .haco/: keep it out of git status.
            if (error instanceof PlanningFailedError) await workspace.excludeHacoDir();
            throw error;
          },
        );
        const estimate = estimatePlan(result.plan, config, workspace.root, result.repoFiles);
        if (target) {
          // A plan under .haco/ stays out of git status, as haco run keeps it.
          if (!flags.output) await workspace.excludeHacoDir();
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, stringify(result.data));
        }
        const usage = {
          input_tokens: result.usage.input,
          output_tokens: result.usage.output,
          calls: result.calls,
        };
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ plan_file: target ?? null, plan: result.data, usage, cost_usd: result.costUsd, estimate: estimateJson(estimate) })}\n`,
          );
          return ExitCode.completed;
        }
        const spent =
          formatUsage(result.usage.input, result.usage.output, result.costUsd) ?? 'no usage reported';
        process.stderr.write(
          `haco: ${result.plan.tasks.length} task(s) · supervisor ${result.calls} call(s) · ${spent}\n`,
        );
        if (target) process.stdout.write(`${shownPath(target)}\n`);
        else process.stdout.write(`${estimateLine(estimate)}\n`);
        if (target) process.stderr.write(`haco: ${estimateLine(estimate)}\n`);
        return ExitCode.completed;
      }),
    );
}

import { statSync } from 'node:fs';
import { join } from 'node:path';

import type { Config } from '../config/schema.js';
import { ownershipMatcher } from '../ownership/paths.js';
import type { Plan } from '../plan/schema.js';
import { roundUsd } from '../orchestrator/usage.js';
import { CHARS_PER_TOKEN } from './context.js';

/** Assumed turns an agent takes per task: each re-reads its context (prompt and owned files). */
export const TURNS_PER_TASK = 4;
/** Output tokens assumed per task besides rewriting its owned files once. */
export const BASE_OUTPUT_TOKENS = 2_000;
/** Fixed input an agent CLI sends each turn (its system prompt and tool list), tokens. */
export const AGENT_OVERHEAD_TOKENS = 3_000;

/** One task's estimate. */
export interface TaskEstimate {
  readonly id: string;
  readonly agent: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD, null when the agent has no `price` in config. */
  readonly costUsd: number | null;
}

/** A plan's estimate: per task and in total (USD null when no task could be priced). */
export interface PlanEstimate {
  readonly tasks: readonly TaskEstimate[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
}

/**
 * A rough estimate of running a plan, per task: context = prompt + acceptance + verify text + the
 * current size of its owned files (bytes ÷ {@link CHARS_PER_TOKEN}) + {@link AGENT_OVERHEAD_TOKENS};
 * input = context × {@link TURNS_PER_TASK}; output = owned files' tokens + {@link BASE_OUTPUT_TOKENS};
 * priced with the agent's config `price` (USD per million tokens). Retries and reviews are not
 * counted. A heuristic for the approval screen, not a quote.
 */
export function estimatePlan(
  plan: Plan,
  config: Config,
  repoRoot: string,
  repoFiles: readonly string[],
): PlanEstimate {
  let input = 0;
  let output = 0;
  let cost: number | null = null;
  const tasks = plan.tasks.map((task): TaskEstimate => {
    let bytes = 0;
    const owns = ownershipMatcher(task.files);
    for (const file of repoFiles) {
      if (!owns(file)) continue;
      try {
        bytes += statSync(join(repoRoot, file)).size;
      } catch {
        // listed but gone: counts as empty
      }
    }
    const text = [task.prompt, ...task.acceptance, ...task.verify].join('\n');
    const fileTokens = Math.ceil(bytes / CHARS_PER_TOKEN);
    const context = Math.ceil(text.length / CHARS_PER_TOKEN) + fileTokens + AGENT_OVERHEAD_TOKENS;
    const inputTokens = context * TURNS_PER_TASK;
    const outputTokens = fileTokens + BASE_OUTPUT_TOKENS;
    const price = config.agents[task.agent]?.price;
    const costUsd = price
      ? roundUsd((inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1e6)
      : null;
    input += inputTokens;
    output += outputTokens;
    if (costUsd !== null) cost = (cost ?? 0) + costUsd;
    return { id: task.id, agent: task.agent, inputTokens, outputTokens, costUsd };
  });
  return { tasks, inputTokens: input, outputTokens: output, costUsd: cost === null ? null : roundUsd(cost) };
}

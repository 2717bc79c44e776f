import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { z } from 'zod';

import type { Config } from '../config/schema.js';
import { HacoError } from '../lib/errors.js';
import { roundUsd } from '../orchestrator/usage.js';
import { PlanSchema, type Plan } from '../plan/schema.js';
import { checkPlan } from '../plan/validate.js';
import { repoContext } from './context.js';
import { plannerPrompt, plannerSystem, repairPrompt } from './prompts.js';
import type { SupervisorClient } from './provider.js';

/** Repair rounds after a refused answer, at most (issue 8). */
export const MAX_REPAIR_ROUNDS = 2;

/** The plan schema as JSON Schema (input side: durations as text or seconds), for the providers. */
export function planJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** What {@link planFromRequest} needs. */
export interface PlanningInput {
  readonly request: string;
  readonly config: Config;
  readonly repoRoot: string;
  readonly client: SupervisorClient;
  /** Called with each piece of an answer as it streams (see CompletionRequest.onText). */
  readonly onText?: (chunk: string) => void;
  /**
   * Called before each repair round: `round` counts from 1 (at most {@link MAX_REPAIR_ROUNDS}),
   * `problems` are the validation lines of the refused answer sent back to the model.
   */
  readonly onRepair?: (round: number, problems: readonly string[]) => void;
  readonly signal?: AbortSignal;
}

/** A validated plan from the supervisor, with what it cost. */
export interface PlanningResult {
  readonly plan: Plan;
  /** The plan as the model wrote it (parsed JSON), to save as the plan file. */
  readonly data: unknown;
  /** Supervisor calls made (1 + repair rounds). */
  readonly calls: number;
  /** Tokens of all calls. */
  readonly usage: { readonly input: number; readonly output: number };
  /** USD of all calls, null when no call had a cost. */
  readonly costUsd: number | null;
  /** The repository's files (for the estimate). */
  readonly repoFiles: readonly string[];
}

/** Persistently refused answers: one line naming the saved answers' path, exit 2. */
export class PlanningFailedError extends HacoError {
  constructor(line: string) {
    super('supervisor.plan_invalid', [line]);
  }
}

/** Parses an answer as JSON: the whole text, or the outermost `{…}` (a fence or prose around it). */
export function parseAnswer(text: string): { data: unknown } | { problem: string } {
  const trimmed = text.trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  for (const candidate of [trimmed, start >= 0 && end > start ? trimmed.slice(start, end + 1) : '']) {
    if (candidate === '') continue;
    try {
      return { data: JSON.parse(candidate) as unknown };
    } catch {
      // try the next candidate
    }
  }
  return { problem: `the answer is not one JSON object (it starts "${trimmed.slice(0, 40)}")` };
}

/**
 * Asks the supervisor for a plan for `request` and validates each answer with the real validator
 * (`checkPlan`: schema, ids, dependencies, cycles, agents, repo rules, overlapping ownership).
 * A refused answer gets up to {@link MAX_REPAIR_ROUNDS} repair rounds carrying the validation lines.
 * Writes nothing on success; on failure writes only the raw answers, to
 * `.haco/supervisor/plan-<timestamp>.txt`.
 * @throws PlanningFailedError (exit 2) after the last refused answer, naming the saved file
 * @throws SupervisorUnavailableError (exit 2) when the provider cannot answer
 */
export async function planFromRequest(input: PlanningInput): Promise<PlanningResult> {
  const { config, repoRoot, client } = input;
  const schema = planJsonSchema();
  const context = await repoContext(repoRoot, config.supervisor.context_budget_tokens);
  const system = plannerSystem(schema);
  const first = plannerPrompt(input.request, config, repoRoot, context.text);
  const answers: string[] = [];
  let prompt = first;
  let inputTokens = 0;
  let outputTokens = 0;
  let cost: number | null = null;
  let problems: string[] = [];
  for (let round = 0; round <= MAX_REPAIR_ROUNDS; round++) {
    const answer = await client.complete({
      system,
      prompt,
      schema,
      schemaName: 'plan',
      ...(input.signal ? { signal: input.signal } : {}),
      ...(input.onText ? { onText: input.onText } : {}),
    });
    answers.push(answer.text);
    inputTokens += answer.usage.inputTokens;
    outputTokens += answer.usage.outputTokens;
    if (answer.costUsd !== undefined) cost = (cost ?? 0) + answer.costUsd;
    const parsed = answer.json !== undefined ? { data: answer.json } : parseAnswer(answer.text);
    if ('problem' in parsed) problems = [parsed.problem];
    else {
      const checked = checkPlan(parsed.data, config, repoRoot);
      if (checked.plan)
        return {
          plan: checked.plan,
          data: parsed.data,
          calls: round + 1,
          usage: { input: inputTokens, output: outputTokens },
          costUsd: cost === null ? null : roundUsd(cost),
          repoFiles: context.files,
        };
      problems = checked.problems.map((p) => `${p.path}: ${p.message}`);
    }
    prompt = repairPrompt(first, answer.text, problems);
    if (round < MAX_REPAIR_ROUNDS) input.onRepair?.(round + 1, problems);
  }
  const file = saveAnswers(repoRoot, answers, problems);
  throw new PlanningFailedError(
    `supervisor (${client.provider}): no valid plan after ${MAX_REPAIR_ROUNDS} repair rounds (last problem: ${problems[0] ?? 'unknown'}); answers saved in ${relative(process.cwd(), file) || file}`,
  );
}

/** Writes the refused answers and the last problems to `.haco/supervisor/plan-<timestamp>.txt`. */
function saveAnswers(repoRoot: string, answers: readonly string[], problems: readonly string[]): string {
  const dir = join(repoRoot, '.haco', 'supervisor');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `plan-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`);
  const body = answers.map((a, i) => `=== answer ${i + 1} ===\n${a}\n`).join('\n');
  writeFileSync(file, `${body}\n=== problems of the last answer ===\n${problems.join('\n')}\n`);
  return file;
}

import type { AttemptUpdate } from '../db/state-db.js';
import type { AttemptRow } from './types.js';

/**
 * Tokens one attempt used, in one shape for every agent type: the adapter normalises its agent's
 * own report (e.g. Claude Code's `result.usage`) into it.
 */
export interface TokenUsage {
  /** Input tokens, including cache writes and reads where the agent counts them apart. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The agent's own usage object as it reported it (stored as `attempts.usage_json`). */
  readonly raw?: unknown;
}

/** An agent's price for its model (config `agents.<name>.price`), USD per million tokens. */
export interface TokenPrice {
  readonly input_per_mtok: number;
  readonly output_per_mtok: number;
}

/**
 * The cost of an attempt, USD: what the agent reported when it did, else `usage` priced with the
 * config's `price`, else undefined (unknown, never 0).
 */
export function attemptCost(
  reportedUsd: number | undefined,
  usage: TokenUsage | undefined,
  price: TokenPrice | undefined,
): number | undefined {
  if (reportedUsd !== undefined) return reportedUsd;
  if (!usage || !price) return undefined;
  return (usage.inputTokens * price.input_per_mtok + usage.outputTokens * price.output_per_mtok) / 1e6;
}

/** Rounds USD to a millionth of a dollar so sums of floats print stably. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/**
 * Sums attempts' usage: `tokens` counts what was reported (0 when nothing was), `cost_usd` is null
 * when no attempt had a cost.
 */
export function sumUsage(attempts: readonly Pick<AttemptRow, 'inputTokens' | 'outputTokens' | 'costUsd'>[]): {
  tokens: { input: number; output: number };
  cost_usd: number | null;
} {
  let input = 0;
  let output = 0;
  let cost: number | null = null;
  for (const a of attempts) {
    input += a.inputTokens ?? 0;
    output += a.outputTokens ?? 0;
    if (a.costUsd !== null) cost = (cost ?? 0) + a.costUsd;
  }
  return { tokens: { input, output }, cost_usd: cost === null ? null : roundUsd(cost) };
}

/**
 * The `attempts` columns for a finished attempt's usage: tokens in their own columns, the agent's
 * raw report as `usage_json`, and the cost from {@link attemptCost}. Absent values stay unset.
 */
export function usageColumns(
  reportedUsd: number | undefined,
  usage: TokenUsage | undefined,
  price: TokenPrice | undefined,
): Pick<AttemptUpdate, 'costUsd' | 'usage' | 'inputTokens' | 'outputTokens'> {
  const cost = attemptCost(reportedUsd, usage, price);
  return {
    ...(cost === undefined ? {} : { costUsd: cost }),
    ...(usage === undefined ? {} : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }),
    ...(usage?.raw === undefined ? {} : { usage: usage.raw }),
  };
}

/** A token count as screens show it: `950`, `12.3k`, `4.1M`. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  const [value, unit] = n < 1e6 ? [n / 1000, 'k'] : [n / 1e6, 'M'];
  return `${value < 100 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}${unit}`;
}

/**
 * A task's or run's usage in one short phrase, `12.3k/1.1k tok $0.04` (input/output tokens, then
 * USD when known); undefined when there is nothing to show.
 */
export function formatUsage(input: number, output: number, costUsd: number | null): string | undefined {
  const parts: string[] = [];
  if (input > 0 || output > 0) parts.push(`${formatTokens(input)}/${formatTokens(output)} tok`);
  if (costUsd !== null) parts.push(`$${costUsd.toFixed(2)}`);
  return parts.length ? parts.join(' ') : undefined;
}

/** `$0.42 / $1.00`: spend against a budget (just the spend without one). */
export function formatSpend(spendUsd: number, budgetUsd: number | null): string {
  const spend = `$${spendUsd.toFixed(2)}`;
  return budgetUsd === null ? spend : `${spend} / $${budgetUsd.toFixed(2)}`;
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';

import { claudeUsage, parseClaudeLine } from '../../agents/claude-code.js';
import { loadConfig } from '../../src/config/load.js';
import { StateDb } from '../../src/db/state-db.js';
import { ConfigError } from '../../src/lib/errors.js';
import {
  attemptCost,
  formatTokens,
  formatUsage,
  sumUsage,
  usageColumns,
} from '../../src/orchestrator/usage.js';

const PRICE = { input_per_mtok: 3, output_per_mtok: 15 };

function tempDir(context: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'haco-usage-'));
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('usage', () => {
  it('claude-code: the result event’s usage becomes {inputTokens, outputTokens} with all input kinds', () => {
    const raw = {
      input_tokens: 10,
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 3000,
      output_tokens: 42,
    };
    const line = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'ok',
      total_cost_usd: 0.012,
      usage: raw,
    });
    const done = parseClaudeLine(line).find((s) => s.type === 'done');
    expect(done).toMatchObject({
      ok: true,
      costUsd: 0.012,
      usage: { inputTokens: 3210, outputTokens: 42, raw },
    });
    expect(claudeUsage(undefined)).toBeUndefined();
    expect(claudeUsage({ output_tokens: 5 })).toMatchObject({ inputTokens: 0, outputTokens: 5 });
  });

  it('a reported cost wins; else tokens are priced; else the cost is unknown, never 0', () => {
    const usage = { inputTokens: 2_000_000, outputTokens: 100_000 };
    expect(attemptCost(0.5, usage, PRICE)).toBe(0.5);
    expect(attemptCost(undefined, usage, PRICE)).toBe(7.5);
    expect(attemptCost(undefined, usage, undefined)).toBeUndefined();
    expect(attemptCost(undefined, undefined, PRICE)).toBeUndefined();
    expect(usageColumns(undefined, { ...usage, raw: { a: 1 } }, PRICE)).toEqual({
      costUsd: 7.5,
      inputTokens: 2_000_000,
      outputTokens: 100_000,
      usage: { a: 1 },
    });
    expect(usageColumns(undefined, undefined, PRICE)).toEqual({});
  });

  it('sums a task’s attempts from the state database (schema v4 columns)', (context) => {
    const db = new StateDb(join(tempDir(context), 'state.db'));
    context.onTestFinished(() => db.close());
    const cols = db.db.prepare('PRAGMA table_info(attempts)').all() as Array<{ name: string; type: string }>;
    expect(cols.filter((c) => c.name.endsWith('_tokens'))).toEqual([
      expect.objectContaining({ name: 'input_tokens', type: 'INTEGER' }),
      expect.objectContaining({ name: 'output_tokens', type: 'INTEGER' }),
    ]);
    db.db
      .prepare(
        `INSERT INTO runs (id, goal, plan_json, config_json, status, concurrency, created_at) VALUES ('r', 'g', '{}', '{}', 'running', 1, 0)`,
      )
      .run();
    db.db
      .prepare(
        `INSERT INTO tasks (run_id, id, ord, title, agent, status, spec_json) VALUES ('r', 't', 0, 't', 'a', 'running', '{}')`,
      )
      .run();
    const first = db.startAttempt('r', 't', 1, 0, 'x');
    const second = db.startAttempt('r', 't', 2, 0, 'y');
    db.startAttempt('r', 't', 3, 0, 'z'); // still running: nothing reported
    db.updateAttempt(first, usageColumns(0.25, { inputTokens: 1000, outputTokens: 10 }, undefined));
    db.updateAttempt(second, usageColumns(undefined, { inputTokens: 1_000_000, outputTokens: 0 }, PRICE));
    const attempts = db.getAttempts('r', 't');
    expect(attempts.map((a) => [a.inputTokens, a.outputTokens, a.costUsd])).toEqual([
      [1000, 10, 0.25],
      [1_000_000, 0, 3],
      [null, null, null],
    ]);
    expect(sumUsage(attempts)).toEqual({ tokens: { input: 1_001_000, output: 10 }, cost_usd: 3.25 });
    expect(sumUsage([])).toEqual({ tokens: { input: 0, output: 0 }, cost_usd: null });
  });

  it('formats tokens and usage for screens', () => {
    expect([0, 950, 1000, 12_345, 123_456, 4_100_000].map(formatTokens)).toEqual([
      '0',
      '950',
      '1k',
      '12.3k',
      '123k',
      '4.1M',
    ]);
    expect(formatUsage(12_345, 1_100, 0.0412)).toBe('12.3k/1.1k tok $0.04');
    expect(formatUsage(0, 0, 0.5)).toBe('$0.50');
    expect(formatUsage(0, 0, null)).toBeUndefined();
  });

  it('config: any agent takes price {input_per_mtok, output_per_mtok}; a bad one is one line', (context) => {
    const dir = tempDir(context);
    mkdirSync(join(dir, 'home'));
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      'agents:\n  x: {type: command, command: ./a.sh, price: {input_per_mtok: 3, output_per_mtok: 15}}\n',
    );
    const { config } = loadConfig({ home: join(dir, 'home'), configFile: file });
    expect(config.agents.x?.price).toEqual(PRICE);
    writeFileSync(
      file,
      'agents:\n  x: {type: command, command: ./a.sh, price: {input_per_mtok: -1, output_per_mtok: 15}}\n',
    );
    let lines: readonly string[] = [];
    try {
      loadConfig({ home: join(dir, 'home'), configFile: file });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      lines = error.lines;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('agents.x.price.input_per_mtok');
  });
});

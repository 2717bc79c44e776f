import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

/**
 * A fake Claude Code: a real executable speaking claude's stream-json (system/init, then a
 * `result` with usage but, unlike claude, no total_cost_usd), writing its owned file first and
 * exiting when haco closes its stdin.
 */
const FAKE_CLAUDE = `#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"fake-session-1"}'
read -r _prompt
printf 'priced\\n' > priced.txt
echo '{"type":"result","subtype":"success","is_error":false,"session_id":"fake-session-1","result":"wrote priced.txt","usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":500,"output_tokens":200}}'
cat > /dev/null
`;

function setUp(context: TestContext, files: Record<string, string>, executables: string[] = []): TempRepo {
  const repo = makeRepo({ files: { 'README.md': '# demo\n', ...files }, executables });
  context.onTestFinished(() => repo.dispose());
  return repo;
}

describe('usage per attempt and per task', () => {
  it('prices tokens with the agent config when the agent reports no cost; status shows both', async (context) => {
    const repo = setUp(context, { 'fake-claude.sh': FAKE_CLAUDE }, ['fake-claude.sh']);
    writeFileSync(
      join(repo.root, 'haco-config.yaml'),
      stringify({
        agents: {
          priced: {
            type: 'claude-code',
            command: './fake-claude.sh',
            price: { input_per_mtok: 3, output_per_mtok: 15 },
          },
        },
        defaults: { agent: 'priced', timeout: '1m' },
      }),
    );
    writeFileSync(
      join(repo.root, 'plan.yaml'),
      stringify({
        version: 1,
        goal: 'usage',
        tasks: [{ id: 'priced', title: 'priced', files: ['priced.txt'], prompt: 'write priced.txt' }],
      }),
    );
    const env = { HOME: repo.home };
    const run = await runHaco(['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    // input = input + cache writes + cache reads; cost = (1500 × 3 + 200 × 15) / 1e6 USD.
    const expected = { tokens: { input: 1500, output: 200 }, cost_usd: 0.0075 };
    expect(summary.tasks.find((t) => t.id === 'priced')).toMatchObject({ status: 'done', ...expected });
    expect(summary.cost_usd).toBe(0.0075);

    const status = await runHaco(['status', '--json'], { cwd: repo.root, env });
    expect((JSON.parse(status.stdout) as RunSummary).tasks[0]).toMatchObject(expected);
    const human = await runHaco(['status'], { cwd: repo.root, env });
    expect(human.stdout).toContain('· $0.01 · 1.5k/200 tok ·');
    expect(human.stdout).toMatch(/priced +done +1 attempt +[0-9a-f]{8} 1\.5k\/200 tok \$0\.01/);

    // Tokens in their own columns; the agent's own usage object kept as it reported it.
    const row = withState(repo.root, (db) =>
      db.db.prepare('SELECT input_tokens, output_tokens, cost_usd, usage_json FROM attempts').get(),
    ) as { input_tokens: number; output_tokens: number; cost_usd: number; usage_json: string };
    expect(row).toMatchObject({ input_tokens: 1500, output_tokens: 200, cost_usd: 0.0075 });
    expect(JSON.parse(row.usage_json)).toMatchObject({ input_tokens: 1000, cache_read_input_tokens: 500 });
  });

  it('records the real claude CLI’s tokens and its own cost (the price config does not override it)', async (context) => {
    const repo = setUp(context, {});
    const server = await startAnthropicServer((_req, turn) =>
      turn === 0
        ? {
            text: 'Writing it.',
            toolUses: [{ name: 'Write', input: { file_path: join(repo.root, 'out.txt'), content: 'hi\n' } }],
          }
        : undefined,
    );
    context.onTestFinished(() => server.close());
    writeFileSync(
      join(repo.root, 'haco-config.yaml'),
      stringify({
        agents: {
          claude: { ...claudeAgent(server), price: { input_per_mtok: 1000, output_per_mtok: 1000 } },
        },
        defaults: { agent: 'claude', timeout: '2m' },
      }),
    );
    writeFileSync(
      join(repo.root, 'plan.yaml'),
      stringify({
        version: 1,
        goal: 'usage',
        tasks: [{ id: 'out', title: 'out', files: ['out.txt'], prompt: 'write out.txt' }],
      }),
    );
    const run = await runHaco(['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    expect(readFileSync(join(repo.root, 'out.txt'), 'utf8')).toBe('hi\n');
    const task = (JSON.parse(run.stdout) as RunSummary).tasks[0];
    const [attempt] = withState(repo.root, (db) => db.getAttempts(JSON.parse(run.stdout).run_id as string));
    expect(task?.tokens.input).toBeGreaterThan(0);
    expect(task?.tokens.output).toBeGreaterThan(0);
    expect(task?.tokens).toEqual({ input: attempt?.inputTokens, output: attempt?.outputTokens });
    // claude's own total_cost_usd, not the (absurd) configured price.
    const priced = ((task?.tokens.input ?? 0) * 1000 + (task?.tokens.output ?? 0) * 1000) / 1e6;
    expect(task?.cost_usd).toBeGreaterThan(0);
    expect(task?.cost_usd).toBeLessThan(priced);
    expect(task?.cost_usd).toBeCloseTo(attempt?.costUsd ?? -1, 6);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { startAnthropicServer, type AnthropicServer } from '../helpers/anthropic-server.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const ADD_JS = 'export function add(a, b) {\n  return a + b;\n}\n';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

/** The mathlib config with `add` given to the real claude CLI, pointed at the scripted server. */
function claudeConfig(server: AnthropicServer): string {
  return stringify({
    concurrency: 4,
    agents: {
      fake: { type: 'command', command: './.fake-agent/agent.mjs' },
      claude: claudeAgent(server),
    },
    defaults: { agent: 'fake', timeout: '2m' },
  });
}

it('runs the real claude CLI as one worker: its file is written and committed, session id and cost recorded', async () => {
  const repo: TempRepo = makeRepo({ example: 'mathlib' });
  cleanups.push(() => repo.dispose());
  const server = await startAnthropicServer((_req, turn) =>
    turn === 0
      ? {
          text: 'Writing add.',
          toolUses: [{ name: 'Write', input: { file_path: join(repo.root, 'src/add.js'), content: ADD_JS } }],
        }
      : undefined,
  );
  cleanups.push(() => server.close());
  writeFileSync(join(repo.root, 'claude.yaml'), claudeConfig(server));
  const plan = readFileSync(join(repo.root, 'plan.yaml'), 'utf8').replace(
    '  - id: add\n',
    '  - id: add\n    agent: claude\n',
  );
  writeFileSync(join(repo.root, 'plan-claude.yaml'), plan);

  const result = await runHaco(['run', 'plan-claude.yaml', '--config', 'claude.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(result.stderr).not.toContain('internal error');
  expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0);
  const summary = JSON.parse(result.stdout) as RunSummary;
  expect(summary.status).toBe('completed');

  // The model's Write reached the disk, passed verification and was committed alone.
  expect(readFileSync(join(repo.root, 'src/add.js'), 'utf8')).toBe(ADD_JS);
  const add = summary.tasks.find((t) => t.id === 'add')!;
  expect(add).toMatchObject({ status: 'done', attempts: 1 });
  expect(repo.git('show', '--name-only', '--format=%s', add.commit!).split('\n').filter(Boolean)).toEqual([
    'haco(add): add(a, b)',
    'src/add.js',
  ]);

  // The attempt records claude's own session id and the cost from its result event.
  const [attempt] = withState(repo.root, (db) => db.getAttempts(summary.run_id, 'add'));
  expect(attempt?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  expect(attempt?.costUsd).toBeGreaterThan(0);
  expect(summary.cost_usd).toBeCloseTo(attempt!.costUsd!, 6);

  // The model got haco's prompt (owned files included) and the tool result of its write.
  const turns = server.requests.filter((r) => !r.side);
  expect(JSON.stringify(turns[0]?.body.messages)).toContain('src/add.js');
  expect(JSON.stringify(turns[1]?.body.messages)).toContain('tool_result');
});

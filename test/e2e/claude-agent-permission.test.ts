/**
 * `agent_permission` breakpoints with the real claude CLI: a shell command outside
 * `permissions.bash_allow` stops a headless run (exit 3); `haco approve` + `haco resume` let the
 * agent run it and finish. On the dashboard path (drive waiting for answers) the agent waits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import {
  startAnthropicServer,
  type ReceivedRequest,
  type ScriptedTurn,
} from '../helpers/anthropic-server.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { openRun } from '../helpers/run.js';

const ADD_JS = 'export function add(a, b) {\n  return a + b;\n}\n';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

/**
 * The model: first asks to run a node one-liner (claude runs read-only commands such as `uname`
 * without asking, so it must be one that claude asks about); once it has the output, writes its file.
 */
function script(repo: TempRepo) {
  return (req: ReceivedRequest): ScriptedTurn | undefined => {
    const last = (req.body.messages as Array<{ content: unknown }>).at(-1)?.content;
    const results = Array.isArray(last)
      ? (last as Array<{ type: string; is_error?: boolean }>).filter((b) => b.type === 'tool_result')
      : [];
    if (results.length === 0) {
      return {
        toolUses: [
          { name: 'Bash', input: { command: 'node -e "console.log(6 * 7)"', description: 'compute' } },
        ],
      };
    }
    if (results[0]?.is_error) return { text: 'I may not run that.' };
    if (JSON.stringify(last).includes('42')) {
      return {
        toolUses: [{ name: 'Write', input: { file_path: join(repo.root, 'src/add.js'), content: ADD_JS } }],
      };
    }
    return undefined;
  };
}

async function setup(): Promise<{ repo: TempRepo }> {
  const repo = makeRepo({ example: 'mathlib' });
  cleanups.push(() => repo.dispose());
  const server = await startAnthropicServer(script(repo));
  cleanups.push(() => server.close());
  writeFileSync(
    join(repo.root, 'claude.yaml'),
    stringify({ agents: { claude: claudeAgent(server) }, defaults: { agent: 'claude' } }),
  );
  const plan = {
    version: 1,
    goal: 'Write add',
    tasks: [
      {
        id: 'add',
        files: ['src/add.js'],
        prompt: 'Implement add in src/add.js.',
        verify: ['node --test test/add.test.js'],
      },
    ],
  };
  writeFileSync(join(repo.root, 'one.yaml'), stringify(plan));
  return { repo };
}

it('headless: a shell command outside the allowlist pauses the run; approve + resume finish it', async () => {
  const { repo } = await setup();
  const opts = { cwd: repo.root, env: { HOME: repo.home } };
  const paused = await runHaco(['run', 'one.yaml', '--config', 'claude.yaml', '--yes', '--json'], opts);
  expect(paused.exitCode).toBe(3);
  const summary = JSON.parse(paused.stdout) as RunSummary;
  const asked = summary.breakpoints.find((b) => b.kind === 'agent_permission');
  expect(asked).toMatchObject({
    task: 'add',
    status: 'pending',
    message: expect.stringContaining('console.log(6 * 7)'),
  });

  expect((await runHaco(['approve', summary.run_id, String(asked!.id)], opts)).exitCode).toBe(0);
  const resumed = await runHaco(['resume', summary.run_id, '--json'], opts);
  if (resumed.exitCode !== 0) console.log(paused.stderr, resumed.stderr, resumed.stdout);
  expect(resumed.exitCode).toBe(0);
  const done = JSON.parse(resumed.stdout) as RunSummary;
  expect(done.status).toBe('completed');
  expect(done.tasks[0]).toMatchObject({ id: 'add', status: 'done', attempts: 2 });
  expect(readFileSync(join(repo.root, 'src/add.js'), 'utf8')).toBe(ADD_JS);
});

it('dashboard path: the agent waits at the breakpoint, and a rejection reaches the model', async () => {
  const { repo } = await setup();
  const { core, runId } = await openRun(repo, { configFile: 'claude.yaml', planFile: 'one.yaml' });
  cleanups.push(() => core.close());
  core.events.on('breakpoint:opened', (b) => {
    if (b.kind === 'agent_permission') void core.answer(runId, b.id, 'reject', 'test');
  });
  // The model gives up after the refusal, so verification fails and the task fails: one attempt.
  expect(await core.drive(runId, { waitForAnswers: true })).toBe('failed');
  const attempts = core.db.getAttempts(runId, 'add');
  expect(attempts.map((a) => a.status)).toEqual(['failed']);
  expect(core.db.getBreakpoints(runId).find((b) => b.kind === 'agent_permission')?.status).toBe('rejected');
});

/**
 * Before-the-write ownership enforcement, end to end: the real claude CLI (2.1.112) run by the
 * built `haco run`, asking haco before each write or shell command over its stdio permission
 * protocol, against the scripted model server.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import {
  startAnthropicServer,
  type AnthropicServer,
  type ReceivedRequest,
  type ScriptedTurn,
} from '../helpers/anthropic-server.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const ADD_JS = 'export function add(a, b) {\n  return a + b;\n}\n';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

/** A config whose only agent is the real claude CLI, pointed at the scripted server. */
function claudeConfig(server: AnthropicServer): string {
  return stringify({
    concurrency: 1,
    agents: {
      claude: claudeAgent(server),
    },
    defaults: { agent: 'claude', timeout: '2m' },
  });
}

/** One task, `add`, owning only src/add.js. */
const PLAN = stringify({
  version: 1,
  goal: 'Write add',
  tasks: [
    {
      id: 'add',
      title: 'add(a, b)',
      files: ['src/add.js'],
      prompt: 'Implement `add(a, b)` in src/add.js as a named export.',
      verify: ['node --test test/add.test.js'],
    },
  ],
});

/** The tool_result blocks of the last user message of a model request: what the model just got back. */
function lastToolResults(req: ReceivedRequest | undefined): Array<{ isError: boolean; text: string }> {
  const messages = (req?.body?.messages ?? []) as Array<{ role: string; content: unknown }>;
  const last = messages.at(-1);
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<{ type: string; is_error?: boolean; content?: unknown }>)
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      isError: b.is_error === true,
      text: typeof b.content === 'string' ? b.content : JSON.stringify(b.content),
    }));
}

/** Runs the `add` task on claude with a scripted model; returns what the test needs to look at. */
async function runScripted(script: (repo: TempRepo) => Array<ScriptedTurn | undefined>): Promise<{
  repo: TempRepo;
  server: AnthropicServer;
  summary: RunSummary;
}> {
  const repo = makeRepo({ example: 'mathlib' });
  cleanups.push(() => repo.dispose());
  const turns = script(repo);
  const server = await startAnthropicServer((_req, turn) => turns[turn]);
  cleanups.push(() => server.close());
  writeFileSync(join(repo.root, 'claude.yaml'), claudeConfig(server));
  writeFileSync(join(repo.root, 'plan-perm.yaml'), PLAN);
  const result = await runHaco(['run', 'plan-perm.yaml', '--config', 'claude.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(result.stderr).not.toContain('internal error');
  expect(result.exitCode, result.stderr).toBe(0);
  return { repo, server, summary: JSON.parse(result.stdout) as RunSummary };
}

function expectAddDone(repo: TempRepo, summary: RunSummary): void {
  expect(summary.status).toBe('completed');
  const add = summary.tasks.find((t) => t.id === 'add')!;
  expect(add).toMatchObject({ status: 'done', attempts: 1 });
  expect(readFileSync(join(repo.root, 'src/add.js'), 'utf8')).toBe(ADD_JS);
  expect(repo.git('show', '--name-only', '--format=%s', add.commit!).split('\n').filter(Boolean)).toEqual([
    'haco(add): add(a, b)',
    'src/add.js',
  ]);
  const [attempt] = withState(repo.root, (db) => db.getAttempts(summary.run_id, 'add'));
  expect(attempt?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  expect(attempt?.costUsd).toBeGreaterThan(0);
}

function loggedMessages(repo: TempRepo, runId: string): string[] {
  return withState(repo.root, (db) => db.getEvents(runId))
    .filter((e) => e.kind === 'run:logged')
    .map((e) => (e.payload as { message: string }).message);
}

it('refuses a write outside the task before it happens; the model is told its files and writes its own', async () => {
  const { repo, server, summary } = await runScripted((r) => [
    {
      text: 'Writing a secret.',
      toolUses: [{ name: 'Write', input: { file_path: join(r.root, 'other/secret.txt'), content: 'leak' } }],
    },
    {
      text: 'Writing add.',
      toolUses: [{ name: 'Write', input: { file_path: join(r.root, 'src/add.js'), content: ADD_JS } }],
    },
  ]);

  // The outside write never reached the disk, at any point (refused before the tool ran).
  expect(existsSync(join(repo.root, 'other'))).toBe(false);
  expectAddDone(repo, summary);

  // The model received the refusal as an error tool result naming the files it owns…
  const turns = server.requests.filter((r) => !r.side);
  expect(turns).toHaveLength(3);
  expect(lastToolResults(turns[1])).toEqual([
    {
      isError: true,
      text: "haco: other/secret.txt is outside this task's files; you own: src/add.js. Change only those.",
    },
  ]);
  // …and its own write succeeded.
  expect(lastToolResults(turns[2])).toEqual([
    { isError: false, text: expect.stringContaining('src/add.js') as string },
  ]);
  expect(loggedMessages(repo, summary.run_id)).toContain(
    "refused Write: haco: other/secret.txt is outside this task's files; you own: src/add.js. Change only those.",
  );
});

it('runs a shell command on permissions.bash_allow without asking (others pause the run: claude-agent-permission.test.ts)', async () => {
  const { repo, server, summary } = await runScripted((r) => [
    { toolUses: [{ name: 'Bash', input: { command: 'ls src', description: 'list sources' } }] },
    { toolUses: [{ name: 'Write', input: { file_path: join(r.root, 'src/add.js'), content: ADD_JS } }] },
  ]);
  expectAddDone(repo, summary);
  const turns = server.requests.filter((r) => !r.side);
  expect(turns).toHaveLength(3);
  // `ls*` is on the default allowlist: the command ran and the model saw its output.
  expect(lastToolResults(turns[1])).toEqual([
    { isError: false, text: expect.stringContaining('index.js') as string },
  ]);
  expect(summary.breakpoints.filter((b) => b.kind === 'agent_permission')).toEqual([]);
});

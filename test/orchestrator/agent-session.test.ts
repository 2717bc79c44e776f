/**
 * runAgentSession with an agent that asks before its tools: a fake `claude` (a real executable
 * speaking claude's stream-json stdio protocol) started through the claude-code adapter.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import { runAgentSession, type AgentSessionHooks } from '../../src/orchestrator/agent-session.js';
import type { TaskSpec } from '../../src/plan/schema.js';
import type { WorkerSession } from '../../src/sessions/worker-session.js';

/**
 * Reads the prompt line, asks to Write FILE, reports the answer it got as a tool result, ends with
 * `result`, then waits for end-of-file on stdin like claude does. Every stdin line is logged.
 */
const FAKE_CLAUDE = `#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const log = process.env.FAKE_LOG;
const out = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
out({ type: 'system', subtype: 'init', session_id: 'fake-session' });
let step = 0;
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  appendFileSync(log, line + '\\n');
  const msg = JSON.parse(line);
  if (step === 0 && msg.type === 'user') {
    step = 1;
    out({ type: 'control_request', request_id: 'req-1', request: { subtype: 'can_use_tool', tool_name: 'Write', input: { file_path: '/r/x.txt', content: 'x' } } });
  } else if (step === 1 && msg.type === 'control_response') {
    step = 2;
    const answer = msg.response.response;
    out({ type: 'user', message: { content: [{ type: 'tool_result', is_error: answer.behavior === 'deny', content: answer.message ?? 'written' }] } });
    out({ type: 'result', subtype: 'success', is_error: false, result: 'done.', session_id: 'fake-session', total_cost_usd: 0.01 });
  }
});
rl.on('close', () => { appendFileSync(log, 'EOF\\n'); process.exit(0); });
`;

const dirs: string[] = [];
const sessions: WorkerSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) {
    await s.kill(100);
    s.dispose();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const task: TaskSpec = {
  id: 't',
  title: 'T',
  agent: 'claude',
  files: ['a.txt'],
  dependsOn: [],
  prompt: 'p',
  acceptance: [],
  verify: [],
  timeoutMs: 20_000,
  retries: 0,
};

async function run(
  onPermission: (request: PermissionRequest) => Promise<PermissionDecision>,
  timeoutMs = task.timeoutMs,
) {
  const dir = mkdtempSync(join(tmpdir(), 'haco-session-'));
  dirs.push(dir);
  const bin = join(dir, 'fake-claude.mjs');
  writeFileSync(bin, FAKE_CLAUDE);
  chmodSync(bin, 0o755);
  const log = join(dir, 'stdin.log');
  writeFileSync(log, '');
  let session: WorkerSession | undefined;
  const requests: PermissionRequest[] = [];
  const hooks: AgentSessionHooks = {
    onStarted: (s) => {
      session = s;
      sessions.push(s);
    },
    onSessionId: () => undefined,
    onPermission: (request) => {
      requests.push(request);
      return onPermission(request);
    },
  };
  const outcome = await runAgentSession(
    { type: 'claude-code', command: bin, env: { FAKE_LOG: log } },
    { ...task, timeoutMs },
    {
      repoRoot: dir,
      runId: 'r1',
      attempt: 1,
      prompt: 'do it',
      promptFile: join(dir, 'prompt.md'),
      taskFile: join(dir, 'task.json'),
      attemptDir: dir,
      transcriptFile: join(dir, 'transcript.log'),
      abort: new AbortController().signal,
    },
    hooks,
  );
  if (!session) throw new Error('the session never started');
  return { outcome, requests, stdin: readFileSync(log, 'utf8').trim().split('\n'), session };
}

/** Waits until the pane shows `text` (the emulator parses asynchronously); fails after 5 s. */
async function waitForScreen(session: WorkerSession, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!session.text().join('\n').includes(text)) {
    if (Date.now() > deadline) throw new Error(`pane never showed ${text}:\n${session.text().join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('answers a permission request on the agent’s stdin, shows it in the pane, and closes stdin after the result', async () => {
  const { outcome, requests, stdin, session } = await run(() =>
    Promise.resolve({ behavior: 'deny', message: 'haco: not yours' }),
  );
  expect(requests).toEqual([
    expect.objectContaining({
      requestId: 'req-1',
      tool: 'Write',
      action: { kind: 'write', paths: ['/r/x.txt'] },
    }),
  ]);
  expect(stdin.map((l) => (l === 'EOF' ? l : (JSON.parse(l) as { type: string }).type))).toEqual([
    'user',
    'control_response',
    'EOF',
  ]);
  expect(JSON.parse(stdin[1]!)).toMatchObject({
    response: { request_id: 'req-1', response: { behavior: 'deny', message: 'haco: not yours' } },
  });
  // The fake exits by itself at end-of-file: exit code 0, not a kill.
  expect(outcome).toMatchObject({ kind: 'done', exitCode: 0, costUsd: 0.01 });
  await waitForScreen(session, '? Write(/r/x.txt) — denied');
  await waitForScreen(session, '⎿ error: haco: not yours');
});

it('fails the attempt when the permission hook throws', async () => {
  const { outcome } = await run(() => Promise.reject(new Error('database is locked')));
  expect(outcome).toEqual({
    kind: 'failed',
    exitCode: null,
    signal: null,
    reason: 'could not decide on Write: database is locked',
  });
});

it('times out while a permission question waits for an answer', async () => {
  const { outcome } = await run(() => new Promise<PermissionDecision>(() => undefined), 1500);
  expect(outcome).toMatchObject({ kind: 'timed_out' });
});

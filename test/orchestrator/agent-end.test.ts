/**
 * How an agent's end becomes its attempt's outcome: signal deaths fail (unless a protocol agent had
 * reported its result), and every failure carries the agent's last output lines. Fake agents are
 * real shell scripts in a pty.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import type { AgentConfig } from '../../src/config/schema.js';
import { runAgentSession, type AgentOutcome } from '../../src/orchestrator/agent-session.js';
import type { TaskSpec } from '../../src/plan/schema.js';
import type { WorkerSession } from '../../src/sessions/worker-session.js';

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
  agent: 'fake',
  files: ['out.txt'],
  dependsOn: [],
  prompt: 'p',
  acceptance: [],
  verify: [],
  timeoutMs: 30_000,
  retries: 0,
};

/** Runs `script` as a `command` agent (or, with `claude`, as a claude-code agent's executable). */
async function run(
  script: string,
  options: { type?: 'command' | 'claude-code'; timeoutMs?: number } = {},
): Promise<{ outcome: AgentOutcome; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'haco-end-'));
  dirs.push(dir);
  const bin = join(dir, 'agent.sh');
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  const agent: AgentConfig =
    options.type === 'claude-code'
      ? { type: 'claude-code', command: bin }
      : { type: 'command', command: bin };
  const outcome = await runAgentSession(
    agent,
    { ...task, timeoutMs: options.timeoutMs ?? task.timeoutMs },
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
    {
      onStarted: (s) => void sessions.push(s),
      onSessionId: () => undefined,
      onPermission: () => Promise.resolve({ behavior: 'deny', message: 'no' }),
    },
  );
  return { outcome, dir };
}

const INIT = `echo '{"type":"system","subtype":"init","session_id":"s1"}'`;
const RESULT = `echo '{"type":"result","subtype":"success","is_error":false,"result":"all done","session_id":"s1","total_cost_usd":0.02}'`;

it('fails an agent killed by SIGKILL half-way through a file, with its last output lines', async () => {
  const { outcome, dir } = await run(
    ['echo "writing out.txt"', 'printf "half" > out.txt', 'echo "about to be killed"', 'kill -9 $$'].join(
      '\n',
    ),
  );
  expect(outcome).toEqual({
    kind: 'failed',
    exitCode: 137,
    signal: 9,
    reason: 'agent killed by SIGKILL\nlast output:\n  | writing out.txt\n  | about to be killed',
  });
  expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('half');
});

it('fails an agent that crashes with SIGSEGV even though nothing reports an exit code', async () => {
  const { outcome } = await run('echo "segfaulting"; kill -SEGV $$');
  expect(outcome).toMatchObject({
    kind: 'failed',
    signal: 11,
    reason: expect.stringMatching(/^agent killed by SIGSEGV\n/),
  });
});

it('keeps the last 10 non-empty lines of a failing agent, colours stripped', async () => {
  const { outcome } = await run(
    'i=1; while [ $i -le 15 ]; do printf "\\033[1;31mstep %d\\033[0m\\n\\n" $i; i=$((i+1)); done; exit 3',
  );
  expect(outcome.kind).toBe('failed');
  const reason = outcome.kind === 'failed' ? outcome.reason : '';
  expect(reason.split('\n')).toEqual([
    'agent exited with code 3',
    'last output:',
    ...Array.from({ length: 10 }, (_, i) => `  | step ${i + 6}`),
  ]);
});

it('puts what a hung agent printed into its timeout failure', async () => {
  const { outcome } = await run('echo "compiling the world"; sleep 60', { timeoutMs: 1500 });
  expect(outcome).toEqual({
    kind: 'timed_out',
    reason: 'agent timed out after 1s; its process group was killed\nlast output:\n  | compiling the world',
  });
});

it('counts a protocol agent as done when it reported its result and was killed afterwards', async () => {
  const { outcome } = await run([INIT, RESULT, 'kill -9 $$'].join('\n'), { type: 'claude-code' });
  expect(outcome).toMatchObject({ kind: 'done', signal: 9, costUsd: 0.02 });
});

it('counts a protocol agent as done when haco had to kill it after its result', async () => {
  // It never exits by itself: haco's own cleanup kill ends it after EXIT_AFTER_DONE_MS.
  const { outcome } = await run([INIT, RESULT, 'trap "" TERM; sleep 60'].join('\n'), { type: 'claude-code' });
  expect(outcome).toEqual({ kind: 'done', exitCode: null, signal: null, costUsd: 0.02 });
});

it('fails a protocol agent killed before its result, naming the signal and its last output', async () => {
  const { outcome } = await run(
    [
      INIT,
      `echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Editing out.txt"}]}}'`,
      'kill -KILL $$',
    ].join('\n'),
    { type: 'claude-code' },
  );
  expect(outcome).toMatchObject({
    kind: 'failed',
    signal: 9,
    reason: [
      'agent killed by SIGKILL before reporting a result',
      'last output:',
      '  | claude session s1',
      '  | Editing out.txt',
    ].join('\n'),
  });
});

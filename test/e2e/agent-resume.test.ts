/**
 * End-to-end, issue 7's "Resume" acceptance point: haco killed with SIGKILL during an attempt of the
 * real claude (2.1.112) or codex (0.171) CLI, against the scripted model server; `haco resume` then
 * continues the agent's own session (`--resume <session_id>`, `codex exec … resume <thread_id>`)
 * with a short "you were interrupted" prompt, and the server sees the earlier conversation (the
 * original prompt and the earlier tool result) in the resumed attempt's first request. The same
 * after a clean stop (SIGTERM), where the prompt does not claim the files were restored.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { reapersOf, startHaco } from '../helpers/background.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';
import { CODEX_BIN, CODEX_MODEL } from '../support/cli-env.js';
import { startModelServer, type Dialect, type Script, type Turn } from '../support/model-server.js';

const FILE = 'out.txt';
const PROMPT = 'Write out.txt, then say what you did.';

/**
 * SIGKILL: haco crashes, its watchdog kills the agent, and resume restores the task's files to the
 * checkpoint first. SIGTERM: haco stops the agent and pauses the run; the files stay as they are.
 */
const CASES: ReadonlyArray<{ agent: 'claude' | 'codex'; dialect: Dialect; signal: 'SIGKILL' | 'SIGTERM' }> = [
  { agent: 'claude', dialect: 'anthropic', signal: 'SIGKILL' },
  { agent: 'codex', dialect: 'responses', signal: 'SIGKILL' },
  { agent: 'codex', dialect: 'responses', signal: 'SIGTERM' },
];

describe('resume of the agent session after haco was stopped', () => {
  it.for(CASES)(
    '$agent, $signal: the resumed attempt continues the same conversation',
    { timeout: 240_000 },
    async ({ agent, dialect, signal }, context) => {
      const isCrash = signal === 'SIGKILL';
      const repo = makeRepo({ files: { 'README.md': '# resume\n' } });
      context.onTestFinished(() => repo.dispose());
      // Turn 0 writes the owned file; turn 1 keeps the model "thinking" while haco is killed.
      const first: Turn = { write: { path: FILE, content: 'first\n' } };
      const script: Script = { root: repo.root, [dialect]: [first, { text: 'thinking', delayMs: 60_000 }] };
      const server = await startModelServer(script);
      context.onTestFinished(() => server.close());
      const agents = {
        claude: claudeAgent({ url: server.url, requests: [], close: () => server.close() }),
        codex: { type: 'codex', command: CODEX_BIN, model: CODEX_MODEL, base_url: `${server.url}/v1` },
      };
      writeFileSync(
        join(repo.root, 'cfg.yaml'),
        stringify({ agents: { [agent]: agents[agent] }, defaults: { agent, timeout: '2m' } }),
      );
      writeFileSync(
        join(repo.root, 'plan.yaml'),
        stringify({
          version: 1,
          goal: 'resume an agent session',
          tasks: [{ id: 't', title: 'write out', files: [FILE], prompt: PROMPT, retries: 0 }],
        }),
      );
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'plan');
      const env = { HOME: repo.home };

      const haco = startHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--headless'], {
        cwd: repo.root,
        env,
      });
      const runId = (await haco.waitForStderr(/haco: run ([0-9a-f]{8})/))[1]!;
      // The turn-1 request arrived (the file is written) and the agent's session id is recorded.
      await vi.waitFor(
        () =>
          expect(
            server.turnsOf(dialect).some((r) => r.toolResults.length === 1),
            haco.stderr(),
          ).toBe(true),
        { timeout: 120_000, interval: 100 },
      );
      const sessionId = withState(repo.root, (db) => db.getAttempts(runId, 't')[0]?.sessionId);
      expect(sessionId).toBeTruthy();
      expect(readFileSync(join(repo.root, FILE), 'utf8')).toBe('first\n');
      process.kill(haco.pid, signal);
      const exit = await haco.exited;
      expect(isCrash ? exit.signal : exit.code, haco.stderr()).toBe(isCrash ? 'SIGKILL' : 143);
      await vi.waitFor(() => expect(reapersOf(haco.pid)).toEqual([]), { timeout: 10_000 });
      const before = server.turnsOf(dialect).length;

      // The resumed session writes the file again (haco restored it after the crash) or changes
      // the one it wrote (after a clean stop), and finishes.
      const again: Turn = isCrash
        ? { write: { path: FILE, content: 'second\n' } }
        : { edit: { path: FILE, old: 'first', new: 'second' } };
      script[dialect] = [first, again, { text: 'Wrote out.txt.' }];
      const resumed = await runHaco(['resume', runId, '--json'], { cwd: repo.root, env });
      expect(resumed.exitCode, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
      const summary = JSON.parse(resumed.stdout) as RunSummary;
      expect(summary.status).toBe('completed');
      expect(summary.tasks[0]).toMatchObject({ id: 't', status: 'done', attempts: 2 });
      expect(readFileSync(join(repo.root, FILE), 'utf8')).toBe('second\n');

      // The resumed attempt's first request carries the earlier conversation, then the resume prompt.
      const request = server.turnsOf(dialect)[before];
      expect(request, 'no request after resume').toBeDefined();
      const texts = request!.userTexts;
      const original = texts.findIndex((t) => t.includes(PROMPT));
      const resumedAt = texts.findIndex((t) => t.includes('You were interrupted'));
      expect(original, texts.join('\n---\n')).toBeGreaterThanOrEqual(0);
      expect(resumedAt, texts.join('\n---\n')).toBeGreaterThan(original);
      expect(texts[resumedAt]!.includes('haco restored the files you own')).toBe(isCrash);
      expect(texts[resumedAt]).toContain(`- ${FILE}`);
      expect(request!.toolResults).toHaveLength(1);
      expect(request!.toolResults[0]!.isError).toBe(false);

      const logs = withState(repo.root, (db) => db.getEvents(runId));
      const messages = logs.map((e) => (e.payload as { message?: string }).message ?? '');
      expect(messages).toContain(`attempt 2 resumes ${agent} session ${sessionId}`);
      const promptFile = join(repo.root, '.haco', 'runs', runId, 't', 'attempt-2', 'prompt.md');
      expect(readFileSync(promptFile, 'utf8')).toMatch(/^You were interrupted/);
    },
  );
});

/**
 * End-to-end, issue 9's "Hybrid e2e" acceptance point: a task with `delegate:` runs the real claude
 * CLI (2.1.112) against the scripted model server; its scripted turns write a draft request, run
 * the exact `haco worker` command of the task prompt through the Bash tool (allowed without a
 * breakpoint), then write the drafted file. The server sees the Ollama request, the file is
 * committed, and `haco status --json` shows the local tokens on that task.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import type { Config } from '../../src/config/schema.js';
import { delegateSetup } from '../../src/orchestrator/delegate.js';
import type { RunSummary } from '../../src/orchestrator/types.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo } from '../helpers/repo.js';
import { startModelServer, type Script, type Turn } from '../support/model-server.js';

const FILE = 'src/add.ts';
const REQUEST = 'Draft src/add.ts: export function add(a: number, b: number): number.';
const DRAFT = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';

describe('the hybrid loop inside a run', () => {
  it(
    'claude delegates a draft to haco worker, integrates it, and the local tokens are recorded',
    { timeout: 240_000 },
    async (context) => {
      const repo = makeRepo({ files: { 'README.md': '# hybrid\n' } });
      context.onTestFinished(() => repo.dispose());
      const local = { type: 'ollama', host: '', model: 'stub-model' };
      // The claude turns need the run's id (the request file lives under .haco/runs/RUN/): they are
      // read when each request arrives, after haco created the run's directory.
      const claudeTurns = (): Turn[] => {
        const runs = join(repo.root, '.haco', 'runs');
        const runId = existsSync(runs) ? readdirSync(runs)[0] : undefined;
        if (runId === undefined) return [{ text: 'no run yet' }];
        const setup = delegateSetup({ agents: { local } } as unknown as Config, repo.root, runId, {
          id: 't',
          delegate: 'local',
        });
        if (!setup) throw new Error('no delegate setup');
        return [
          { write: { path: relative(repo.root, setup.promptFile), content: `${REQUEST}\n` } },
          { shell: { command: setup.command } },
          { write: { path: FILE, content: DRAFT } },
          { text: 'Integrated the reviewed draft.' },
        ];
      };
      const script: Script = {
        root: repo.root,
        ollama: [{ text: `Here it is:\n\`\`\`ts\n${DRAFT}\`\`\`\n` }],
        get anthropic() {
          return claudeTurns();
        },
      };
      const server = await startModelServer(script);
      context.onTestFinished(() => server.close());
      local.host = server.url;
      writeFileSync(
        join(repo.root, 'cfg.yaml'),
        stringify({
          agents: {
            claude: claudeAgent({ url: server.url, requests: [], close: () => server.close() }),
            local,
          },
          defaults: { agent: 'claude', timeout: '2m' },
        }),
      );
      writeFileSync(
        join(repo.root, 'plan.yaml'),
        stringify({
          version: 1,
          goal: 'hybrid',
          tasks: [{ id: 't', files: [FILE], prompt: 'Write src/add.ts.', delegate: 'local', retries: 0 }],
        }),
      );
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'plan');
      const env = { HOME: repo.home };

      const run = await runHaco(
        ['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--headless', '--json'],
        {
          cwd: repo.root,
          env,
        },
      );
      expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
      const summary = JSON.parse(run.stdout) as RunSummary;
      // Only the plan's approval (--yes): the worker command needed no breakpoint.
      expect(summary.breakpoints.map((b) => b.kind)).toEqual(['plan_approval']);

      // The worker's request reached the Ollama dialect with the agent's request text.
      const drafts = server.turnsOf('ollama');
      expect(drafts).toHaveLength(1);
      expect(drafts[0]!.userTexts.join('\n')).toContain(REQUEST);
      // The agent was told the protocol, ran the command without a breakpoint and got the draft.
      const claude = server.turnsOf('anthropic');
      expect(claude[0]!.userTexts.join('\n')).toContain('Delegate drafts to the local worker');
      const workerResult = claude.find((r) => r.toolResults.length === 2)!.toolResults[1]!;
      expect(workerResult.isError, workerResult.content).toBe(false);
      expect(JSON.parse(workerResult.content)).toMatchObject({ ok: true, output: DRAFT });

      expect(readFileSync(join(repo.root, FILE), 'utf8')).toBe(DRAFT);
      expect(repo.git('log', '-1', '--format=%s')).toBe('haco(t): t');
      expect(repo.git('status', '--porcelain', '--', FILE)).toBe('');

      const status = await runHaco(['status', summary.run_id, '--json'], { cwd: repo.root, env });
      expect(status.exitCode, status.stderr).toBe(0);
      const task = (JSON.parse(status.stdout) as RunSummary).tasks[0]!;
      expect(task.local_tokens?.calls).toBe(1);
      expect(task.local_tokens?.input).toBeGreaterThan(0);
      expect(task.local_tokens?.output).toBeGreaterThan(0);

      const logs = await runHaco(['logs', summary.run_id], { cwd: repo.root, env });
      expect(logs.stdout).toMatch(/delegated a draft to stub-model: ok, \d+ B prompt/);
    },
  );
});

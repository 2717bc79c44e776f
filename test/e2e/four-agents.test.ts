/**
 * End-to-end, issue 7's first acceptance point: four agents of four kinds at the same moment on one
 * repository — the real claude (2.1.112), codex (0.171) and opencode (1.18) CLIs and a `command`
 * agent (a shell script) — all pointed at ONE scripted model server speaking their three dialects,
 * through the built `haco run --yes --json`. No network beyond 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { claudeAgent } from '../helpers/claude.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';
import { CODEX_BIN, CODEX_MODEL, OPENCODE_BIN } from '../support/cli-env.js';
import { startModelServer } from '../support/model-server.js';

/**
 * The command agent: writes its owned file, then stays alive until the three CLI agents' files are
 * on disk (a 90 s deadline), so its attempt cannot end before theirs have started.
 */
const COMMAND_AGENT = `#!/bin/sh
printf 'from the command agent\\n' > by-command.txt
echo "command-agent: wrote by-command.txt"
deadline=$(( $(date +%s) + 90 ))
while [ ! -f by-claude.txt ] || [ ! -f by-codex.txt ] || [ ! -f by-opencode.txt ]; do
  [ "$(date +%s)" -ge "$deadline" ] && { echo "command-agent: the others never wrote" >&2; exit 1; }
  sleep 0.1
done
echo "command-agent: saw the other three files"
`;

/** Task id → agent name, owned file and the content its agent writes. */
const TASKS = {
  claude: { file: 'by-claude.txt', content: 'from claude\n' },
  codex: { file: 'by-codex.txt', content: 'from codex\n' },
  opencode: { file: 'by-opencode.txt', content: 'from opencode\n' },
  command: { file: 'by-command.txt', content: 'from the command agent\n' },
} as const;
type TaskId = keyof typeof TASKS;
const IDS = Object.keys(TASKS) as TaskId[];

describe('four agents at once', () => {
  it('claude, codex, opencode and a command agent run together against one server; each commits only its file', async (context) => {
    const repo = makeRepo({
      files: { 'README.md': '# demo\n', 'agent.sh': COMMAND_AGENT },
      executables: ['agent.sh'],
    });
    context.onTestFinished(() => repo.dispose());
    const write = (id: TaskId) => ({ write: { path: TASKS[id].file, content: TASKS[id].content } });
    const server = await startModelServer({
      root: repo.root,
      anthropic: [write('claude'), { text: 'Wrote by-claude.txt.' }],
      responses: [write('codex'), { text: 'Wrote by-codex.txt.' }],
      chat: [write('opencode'), { text: 'Wrote by-opencode.txt.' }],
    });
    context.onTestFinished(() => server.close());
    writeFileSync(
      join(repo.root, 'haco-config.yaml'),
      stringify({
        concurrency: 4,
        agents: {
          claude: claudeAgent({ url: server.url, requests: [], close: () => server.close() }),
          codex: { type: 'codex', command: CODEX_BIN, model: CODEX_MODEL, base_url: `${server.url}/v1` },
          opencode: {
            type: 'opencode',
            command: OPENCODE_BIN,
            model: 'stub/stub-model',
            base_url: `${server.url}/v1`,
          },
          command: { type: 'command', command: './agent.sh' },
        },
        defaults: { agent: 'command', timeout: '2m' },
      }),
    );
    writeFileSync(
      join(repo.root, 'plan.yaml'),
      stringify({
        version: 1,
        goal: 'four agents at once',
        tasks: IDS.map((id) => ({
          id,
          title: id,
          agent: id,
          files: [TASKS[id].file],
          prompt: `write ${TASKS[id].file}`,
        })),
      }),
    );
    // The plan, config and agent script are the user's own files, committed before the run.
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'plan');

    const env = { HOME: repo.home };
    const run = await runHaco(['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(run.stderr).not.toContain('internal error');
    expect(run.exitCode, `${run.stderr}\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.status).toBe('completed');

    // Each task done in one attempt, with one commit `haco(<id>): …` holding only its own file.
    for (const id of IDS) {
      const task = summary.tasks.find((t) => t.id === id);
      expect(task, id).toMatchObject({ status: 'done', attempts: 1 });
      expect(readFileSync(join(repo.root, TASKS[id].file), 'utf8')).toBe(TASKS[id].content);
      expect(repo.git('log', '-1', '--format=%s', task!.commit!)).toMatch(new RegExp(`^haco\\(${id}\\): `));
      expect(repo.git('show', '--name-only', '--format=', task!.commit!).split('\n').filter(Boolean)).toEqual(
        [TASKS[id].file],
      );
    }
    const subjects = repo
      .git('log', '--format=%s')
      .split('\n')
      .filter((s) => s.startsWith('haco('));
    expect(subjects).toHaveLength(4);

    // The four attempts overlapped: every one started before any one ended.
    const attempts = withState(repo.root, (db) => db.getAttempts(summary.run_id));
    expect(attempts.map((a) => a.taskId).sort()).toEqual([...IDS].sort());
    const lastStart = Math.max(...attempts.map((a) => a.startedAt));
    const firstEnd = Math.min(...attempts.map((a) => a.endedAt ?? Number.POSITIVE_INFINITY));
    expect(lastStart).toBeLessThan(firstEnd);

    const transcript = (id: TaskId) =>
      readFileSync(
        join(repo.root, '.haco', 'runs', summary.run_id, id, 'attempt-1', 'transcript.log'),
        'utf8',
      );
    // Each transcript holds that agent's own tool call on its own file, and no other agent's file.
    const toolCall: Record<TaskId, RegExp> = {
      claude: /"name":"Write","input":\{"file_path":"[^"]*by-claude\.txt"/, // claude stream-json tool_use
      codex: /"type":"file_change","changes":\[\{"path":"[^"]*by-codex\.txt"/, // codex exec --json item
      opencode: /"tool":"write".*"filePath":"[^"]*by-opencode\.txt"/, // opencode run --format json part
      command: /command-agent: wrote by-command\.txt\r?\ncommand-agent: saw the other three files/,
    };
    for (const id of IDS) {
      const text = transcript(id);
      expect(text, id).toMatch(toolCall[id]);
      for (const other of IDS.filter((o) => o !== id))
        expect(text, id).not.toContain(`/${TASKS[other].file}`);
    }

    // Every CLI agent's turns were served by the one server, and its tokens reached status --json.
    expect(server.turnsOf('anthropic').length).toBeGreaterThanOrEqual(2);
    expect(server.turnsOf('responses').length).toBeGreaterThanOrEqual(2);
    expect(server.turnsOf('chat').length).toBeGreaterThanOrEqual(2);
    const status = await runHaco(['status', '--json'], { cwd: repo.root, env });
    const statusTasks = (JSON.parse(status.stdout) as RunSummary).tasks;
    for (const id of ['claude', 'codex', 'opencode'] as const) {
      const tokens = statusTasks.find((t) => t.id === id)?.tokens;
      expect(tokens?.input, id).toBeGreaterThan(0);
      expect(tokens?.output, id).toBeGreaterThan(0);
    }
  }, 120_000);
});

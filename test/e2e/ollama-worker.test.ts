import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it, type TestContext } from 'vitest';
import { stringify } from 'yaml';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { PROJECT_ROOT, makeRepo, type TempRepo } from '../helpers/repo.js';
import { startModelServer, type ModelServer, type Turn } from '../support/model-server.js';

const block = (path: string, content: string): string => `=== FILE: ${path} ===\n${content}=== END FILE ===`;

/** A repo whose config has an `ollama` agent on `server` (model `model`) and a one-task plan owning src/mine/. */
async function setUp(
  context: TestContext,
  turns: Turn[],
  model = 'stub-model',
  taskExtra: Record<string, unknown> = {},
): Promise<{ repo: TempRepo; server: ModelServer }> {
  const repo = makeRepo({
    files: { 'README.md': '# demo\n', 'src/mine/a.txt': 'old\n', 'src/other.txt': 'theirs\n' },
  });
  context.onTestFinished(() => repo.dispose());
  const server = await startModelServer({ root: repo.root, ollama: turns, sequential: true });
  context.onTestFinished(() => server.close());
  writeFileSync(
    join(repo.root, 'haco-config.yaml'),
    stringify({
      agents: {
        local: { type: 'ollama', host: server.url, model, options: { temperature: 0 }, keep_alive: '1m' },
      },
      defaults: { agent: 'local', timeout: '2m' },
    }),
  );
  writeFileSync(
    join(repo.root, 'plan.yaml'),
    stringify({
      version: 1,
      goal: 'ollama drafts',
      tasks: [
        {
          id: 'mine',
          title: 'mine',
          files: ['src/mine/'],
          prompt: 'Change a.txt to say new and add b.txt',
          acceptance: ['a.txt says new'],
          ...taskExtra,
        },
      ],
    }),
  );
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'plan');
  return { repo, server };
}

const haco = (repo: TempRepo, args: string[]) => runHaco(args, { cwd: repo.root, env: { HOME: repo.home } });
const run = (repo: TempRepo) =>
  haco(repo, ['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes', '--json']);

describe('ollama agent (ollama-js against the scripted /api/chat)', { timeout: 120_000 }, () => {
  it('applies the draft inside the task’s files, commits it, and records the tokens', async (context) => {
    const diff = ['--- a/src/mine/a.txt', '+++ b/src/mine/a.txt', '@@ -1 +1 @@', '-old', '+new', ''].join(
      '\n',
    );
    const { repo, server } = await setUp(context, [
      {
        text: `Here is my change:\n\`\`\`diff\n${diff}--- /dev/null\n+++ b/src/mine/b.txt\n@@ -0,0 +1 @@\n+bee\n\`\`\`\nDone!`,
      },
    ]);
    const result = await run(repo);
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0);
    const task = (JSON.parse(result.stdout) as RunSummary).tasks[0];
    expect(task).toMatchObject({ id: 'mine', status: 'done' });
    expect(readFileSync(join(repo.root, 'src/mine/a.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(repo.root, 'src/mine/b.txt'), 'utf8')).toBe('bee\n');
    expect(
      repo.git('show', '--name-only', '--format=', task!.commit!).split('\n').filter(Boolean).sort(),
    ).toEqual(['src/mine/a.txt', 'src/mine/b.txt']);
    // The model was told the task, its acceptance, its files' content and the reply format.
    const [asked] = server.turnsOf('ollama');
    const prompt = asked?.userTexts.at(-1) ?? '';
    expect(prompt).toContain('Change a.txt to say new');
    expect(prompt).toContain('a.txt says new');
    expect(prompt).toContain('### src/mine/a.txt\n```\nold\n```');
    expect(prompt).toContain('=== FILE: path/to/file ===');
    expect(asked?.body).toMatchObject({
      model: 'stub-model',
      stream: true,
      options: { temperature: 0 },
      keep_alive: '1m',
    });
    expect(task!.tokens.input).toBeGreaterThan(0);
    expect(task!.tokens.output).toBeGreaterThan(0);
    // The pane showed the streamed reply and what haco did with it (its transcript keeps both).
    const runId = (JSON.parse(result.stdout) as RunSummary).run_id;
    const transcript = readFileSync(
      join(repo.root, '.haco/runs', runId, 'mine/attempt-1/transcript.log'),
      'utf8',
    );
    expect(transcript).toContain('Here is my change:');
    expect(transcript).toContain('haco: draft applied (src/mine/a.txt, src/mine/b.txt)');
  });

  it('a draft touching a foreign file never reaches the disk; the model hears the exact error and its clean draft lands', async (context) => {
    const { repo, server } = await setUp(context, [
      { text: `${block('src/mine/a.txt', 'new\n')}\n${block('src/other.txt', 'stolen\n')}` },
      { text: block('src/mine/a.txt', 'new\n') },
    ]);
    const result = await run(repo);
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(0);
    expect(readFileSync(join(repo.root, 'src/other.txt'), 'utf8')).toBe('theirs\n');
    expect(readFileSync(join(repo.root, 'src/mine/a.txt'), 'utf8')).toBe('new\n');
    const asks = server.turnsOf('ollama');
    expect(asks).toHaveLength(2);
    expect(asks[1]?.userTexts.at(-1)).toBe(
      `haco refused your draft and wrote nothing of it: "src/other.txt" is not one of the task's files (src/mine/**); change only those\nSend the whole draft again, corrected, in the same reply format.`,
    );
    const task = (JSON.parse(result.stdout) as RunSummary).tasks[0];
    expect(repo.git('show', '--name-only', '--format=', task!.commit!).split('\n').filter(Boolean)).toEqual([
      'src/mine/a.txt',
    ]);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('fails the task when the second draft is refused too, writing nothing', async (context) => {
    const bad = `${block('src/other.txt', 'stolen\n')}`;
    const { repo, server } = await setUp(context, [{ text: bad }, { text: bad }]);
    const result = await run(repo);
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(1);
    const task = (JSON.parse(result.stdout) as RunSummary).tasks[0];
    expect(task?.status).toBe('failed');
    expect(server.turnsOf('ollama')).toHaveLength(2);
    expect(readFileSync(join(repo.root, 'src/other.txt'), 'utf8')).toBe('theirs\n');
    expect(readFileSync(join(repo.root, 'src/mine/a.txt'), 'utf8')).toBe('old\n');
  });

  it('at the task’s timeout the request is aborted and a late draft is never written', async (context) => {
    const { repo, server } = await setUp(
      context,
      [{ text: block('src/mine/a.txt', 'late\n'), delayMs: 8000 }],
      'stub-model',
      { timeout: '1s' },
    );
    const result = await run(repo);
    expect(result.exitCode, `${result.stderr}\n${result.stdout}`).toBe(1);
    const task = (JSON.parse(result.stdout) as RunSummary).tasks[0];
    expect(task?.status).toBe('failed');
    expect(task?.error).toContain('agent timed out after 1s; its request was aborted');
    expect(server.turnsOf('ollama')).toHaveLength(1);
    expect(readFileSync(join(repo.root, 'src/mine/a.txt'), 'utf8')).toBe('old\n');
  });

  it('a missing model: validate and run exit 2 naming the agent, the model and the server’s models; nothing is written', async (context) => {
    const { repo, server } = await setUp(context, [], 'nope');
    const line = `haco: agent "local" (ollama): model "nope" not found on ${server.url}; the server has: stub-model`;
    for (const args of [
      ['validate', 'plan.yaml', '--config', 'haco-config.yaml'],
      ['run', 'plan.yaml', '--config', 'haco-config.yaml', '--yes'],
    ]) {
      const result = await haco(repo, args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim()).toBe(line);
    }
    expect(existsSync(join(repo.root, '.haco'))).toBe(false);
    expect(server.turnsOf('ollama')).toHaveLength(0);
    // haco doctor reports the same check for the agent (no program to look for).
    const doctor = await haco(repo, ['doctor', '--json', '--config', 'haco-config.yaml']);
    const agents = (JSON.parse(doctor.stdout) as { agents: Record<string, unknown>[] }).agents;
    expect(agents.find((a) => a.name === 'local')).toMatchObject({
      type: 'ollama',
      command: '(no process)',
      found: false,
      problem: `model "nope" not found on ${server.url}; the server has: stub-model`,
    });
  });
});

describe('haco worker (the bridge) against the scripted server', { timeout: 60_000 }, () => {
  async function worker(
    context: TestContext,
    turns: Turn[],
    args: string[],
    input?: string,
  ): Promise<{ exitCode: number; stdout: string; stderr: string; server: ModelServer }> {
    const repo = makeRepo();
    context.onTestFinished(() => repo.dispose());
    const server = await startModelServer({ root: repo.root, ollama: turns, sequential: true });
    context.onTestFinished(() => server.close());
    const result = await execa(
      process.execPath,
      [`${PROJECT_ROOT}/dist/src/cli/haco.js`, 'worker', '--host', server.url, ...args],
      {
        cwd: repo.root,
        env: { HOME: repo.home, HACO_WORKER_MODEL: 'stub-model' },
        reject: false,
        ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
        timeout: 30_000,
      },
    );
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, server };
  }
  const chatty =
    'Sure! Here is the function you asked for:\n\n```ts\nexport const add = (a: number, b: number) => a + b;\n```\n\nIt adds two numbers. Let me know!';

  it('prints only the artifact of a chatty, fenced reply', async (context) => {
    const { exitCode, stdout, server } = await worker(context, [{ text: chatty }], ['write add']);
    expect(exitCode).toBe(0);
    expect(stdout).toBe('export const add = (a: number, b: number) => a + b;');
    expect(server.turnsOf('ollama')[0]?.userTexts.at(-1)).toBe('write add');
  });

  it('--json prints {ok, output, error, model, duration_ms, tokens}', async (context) => {
    const { exitCode, stdout } = await worker(context, [{ text: chatty }], ['write add', '--json']);
    expect(exitCode).toBe(0);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['duration_ms', 'error', 'model', 'ok', 'output', 'tokens']);
    expect(out).toMatchObject({
      ok: true,
      output: 'export const add = (a: number, b: number) => a + b;\n',
      error: null,
      model: 'stub-model',
      tokens: { input: expect.any(Number), output: expect.any(Number) },
    });
    expect(out.duration_ms).toBeGreaterThanOrEqual(0);
    expect((out.tokens as { output: number }).output).toBeGreaterThan(0);
  });

  it('reads the prompt from stdin', async (context) => {
    const { exitCode, stdout, server } = await worker(
      context,
      [{ text: 'const x = 1;' }],
      [],
      'from stdin\n',
    );
    expect(exitCode).toBe(0);
    expect(stdout).toBe('const x = 1;');
    expect(server.turnsOf('ollama')[0]?.userTexts.at(-1)).toBe('from stdin');
  });

  it('--diff asks for a unified diff and prints only the diff', async (context) => {
    const diff = '--- a/x.ts\n+++ b/x.ts\n@@ -1 +1 @@\n-a\n+b';
    const { exitCode, stdout, server } = await worker(
      context,
      [{ text: `The diff:\n\n${diff}\n\nThat should do it.` }],
      ['fix x', '--diff'],
    );
    expect(exitCode).toBe(0);
    expect(stdout).toBe(diff);
    const system = (server.turnsOf('ollama')[0]?.body as { messages: { role: string; content: string }[] })
      .messages[0];
    expect(system?.content).toContain('unified diff');
  });

  it('a reply with no diff under --diff is a model error: exit 1, ok false', async (context) => {
    const { exitCode, stdout } = await worker(
      context,
      [{ text: 'I cannot do that.' }],
      ['fix x', '--diff', '--json'],
    );
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      output: '',
      error: 'the reply holds no unified diff',
    });
  });

  it('a missing model exits 2 listing the server’s models; no prompt exits 2', async (context) => {
    const missing = await worker(context, [], ['hi', '--model', 'nope']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.trim()).toBe(
      `haco: worker: model "nope" not found on ${missing.server.url}; the server has: stub-model`,
    );
    expect(missing.stdout).toBe('');
    expect(missing.server.turnsOf('ollama')).toHaveLength(0);
    const empty = await worker(context, [], []);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr.trim()).toBe('haco: worker: the prompt is empty');
  });
});

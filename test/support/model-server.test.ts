import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { CLAUDE_BIN } from '../helpers/claude.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { CODEX_BIN, codexEnv, OPENCODE_BIN, opencodeEnv } from './cli-env.js';
import { startModelServer, type ModelServer } from './model-server.js';

let repo: TempRepo | undefined;
let server: ModelServer | undefined;

afterEach(async () => {
  await server?.close();
  repo?.dispose();
  server = undefined;
  repo = undefined;
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI to its end. stdin is /dev/null: both codex and opencode read stdin until EOF when it is
 * not a TTY, so an open pipe hangs them.
 */
function run(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not end within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('scripted model server', () => {
  it('answers an Ollama /api/chat round trip, tags, version and show', async () => {
    repo = makeRepo();
    server = await startModelServer({ root: repo.root, ollama: [{ text: 'Hello from the stub' }] });
    const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as {
      models: Array<{ name: string }>;
    };
    expect(tags.models.map((m) => m.name)).toEqual(['stub-model']);
    const version = (await (await fetch(`${server.url}/api/version`)).json()) as { version: string };
    expect(version.version).toMatch(/^\d+\.\d+/);
    const missing = await fetch(`${server.url}/api/show`, {
      method: 'POST',
      body: JSON.stringify({ model: 'nope' }),
    });
    expect(missing.status).toBe(404);

    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'stub-model', messages: [{ role: 'user', content: 'hi there' }] }),
    });
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: { content: string }; done: boolean; eval_count?: number });
    expect(lines.map((l) => l.message.content).join('')).toBe('Hello from the stub');
    expect(lines.at(-1)?.done).toBe(true);
    expect(lines.slice(0, -1).every((l) => !l.done)).toBe(true);
    expect(lines.at(-1)?.eval_count).toBeGreaterThan(0);
    const [chat, ...others] = server.turnsOf('ollama');
    expect(others).toEqual([]);
    expect(chat?.path).toBe('/api/chat');
    expect(chat?.body.messages[0].content).toBe('hi there');
  });

  it('drives the real codex exec --json to write a file and end cleanly', async () => {
    repo = makeRepo({ files: { 'README.md': '# repo\n' } });
    server = await startModelServer({
      root: repo.root,
      responses: [
        { write: { path: 'hello.txt', content: 'hello from codex\n' } },
        { text: 'Wrote hello.txt' },
      ],
    });
    const env = codexEnv(server, repo.home);
    const out = await run(
      CODEX_BIN,
      ['exec', '--json', '--sandbox', 'workspace-write', 'Write hello.txt'],
      repo.root,
      env,
      90_000,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(join(repo.root, 'hello.txt'), 'utf8')).toBe('hello from codex\n');
    const evs = events(out.stdout);
    expect(evs[0]?.type).toBe('thread.started');
    expect(evs.at(-1)?.type).toBe('turn.completed');
    const change = evs.find((e) => (e.item as { type?: string } | undefined)?.type === 'file_change');
    expect(change).toBeDefined();
    const turns = server.turnsOf('responses');
    expect(turns).toHaveLength(2);
    expect(turns[0]?.toolNames).toContain('apply_patch');
    expect(turns[1]?.toolResults).toHaveLength(1);
    expect(turns[1]?.toolResults[0]?.isError).toBe(false);
  }, 120_000);

  it('drives the real opencode run --format json to write a file and end cleanly', async () => {
    repo = makeRepo({ files: { 'README.md': '# repo\n' } });
    server = await startModelServer({
      root: repo.root,
      chat: [{ write: { path: 'hello.txt', content: 'hello from opencode\n' } }, { text: 'Wrote hello.txt' }],
    });
    const out = await run(
      OPENCODE_BIN,
      ['run', '--format', 'json', 'Write hello.txt'],
      repo.root,
      opencodeEnv(server, repo.home),
      150_000,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(join(repo.root, 'hello.txt'), 'utf8')).toBe('hello from opencode\n');
    const evs = events(out.stdout);
    const tool = evs.find((e) => e.type === 'tool_use');
    expect((tool?.part as { tool?: string } | undefined)?.tool).toBe('write');
    const finishes = evs.filter((e) => e.type === 'step_finish');
    expect((finishes.at(-1)?.part as { reason?: string } | undefined)?.reason).toBe('stop');
    expect(finishes.some((f) => ((f.part as { cost?: number }).cost ?? 0) > 0)).toBe(true);
    const turns = server.turnsOf('chat');
    expect(turns.length).toBeGreaterThanOrEqual(2);
    expect(turns[0]?.toolNames).toContain('write');
    expect(turns.at(-1)?.toolResults[0]?.isError).toBe(false);
    // opencode records its project id in .git/opencode, never in the work tree.
    expect(existsSync(join(repo.root, 'opencode'))).toBe(false);
    expect(repo.git('status', '--porcelain')).toBe('?? hello.txt');
  }, 180_000);

  it('fails a codex turn on a scripted error: turn.failed, exit 1, no retries', async () => {
    repo = makeRepo({ files: { 'README.md': '# repo\n' } });
    server = await startModelServer({
      root: repo.root,
      responses: [{ error: { status: 400, message: 'scripted refusal' }, delayMs: 50 }],
    });
    const out = await run(
      CODEX_BIN,
      ['exec', '--json', '--sandbox', 'workspace-write', 'Write hello.txt'],
      repo.root,
      codexEnv(server, repo.home),
      90_000,
    );
    expect(out.code).toBe(1);
    const failed = events(out.stdout).find((e) => e.type === 'turn.failed');
    expect(JSON.stringify(failed)).toContain('scripted refusal');
    expect(server.turnsOf('responses')).toHaveLength(1);
  }, 120_000);

  it('drives the real claude -p through the anthropic dialect to write a file', async () => {
    repo = makeRepo({ files: { 'README.md': '# repo\n' } });
    server = await startModelServer({
      root: repo.root,
      turns: [{ write: { path: 'hello.txt', content: 'hello from claude\n' } }, { text: 'Wrote hello.txt' }],
    });
    const out = await run(
      CLAUDE_BIN,
      [
        '-p',
        'Write hello.txt',
        '--verbose',
        '--output-format',
        'stream-json',
        '--model',
        'claude-sonnet-4-5',
        '--permission-mode',
        'acceptEdits',
        '--allowedTools',
        'Write,Edit,Read',
      ],
      repo.root,
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: repo.home,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_AUTH_TOKEN: 'test-token',
        ANTHROPIC_API_KEY: '',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
      },
      90_000,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(join(repo.root, 'hello.txt'), 'utf8')).toBe('hello from claude\n');
    expect(events(out.stdout).at(-1)?.type).toBe('result');
    const turns = server.turnsOf('anthropic');
    expect(turns).toHaveLength(2);
    expect(turns[1]?.toolResults).toEqual([expect.objectContaining({ isError: false })]);
  }, 120_000);

  it('records the refusal opencode gives the model for a write its permission rules deny', async () => {
    repo = makeRepo({ files: { 'README.md': '# repo\n' } });
    server = await startModelServer({
      root: repo.root,
      chat: [
        { write: { path: 'other.txt', content: 'not mine\n' } },
        { write: { path: 'mine.txt', content: 'mine\n' } },
        { text: 'Done' },
      ],
    });
    const env = {
      ...opencodeEnv(server, repo.home),
      OPENCODE_PERMISSION: JSON.stringify({ edit: { '*': 'deny', 'mine.txt': 'allow' } }),
    };
    const out = await run(OPENCODE_BIN, ['run', '--format', 'json', 'Write files'], repo.root, env, 150_000);
    expect(out.code, out.stderr).toBe(0);
    expect(existsSync(join(repo.root, 'other.txt'))).toBe(false);
    expect(readFileSync(join(repo.root, 'mine.txt'), 'utf8')).toBe('mine\n');
    const refused = server.turnsOf('chat').at(-1)?.toolResults[0];
    expect(refused?.isError).toBe(true);
    expect(refused?.content).toContain('mine.txt');
  }, 180_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { SupervisorSchema } from '../../src/config/supervisor.js';
import { planJsonSchema } from '../../src/supervisor/planner.js';
import { SupervisorUnavailableError, type CompletionRequest } from '../../src/supervisor/provider.js';
import { supervisorClient } from '../../src/supervisor/providers.js';
import { CLAUDE_BIN } from '../helpers/claude.js';
import { CODEX_BIN, CODEX_MODEL } from '../support/cli-env.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';

const ANSWER = JSON.stringify({ version: 1, goal: 'g', tasks: [{ id: 'a', files: ['a.txt'], prompt: 'p' }] });

let server: ModelServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

async function start(turns: { text: string }[]): Promise<ModelServer> {
  dir = mkdtempSync(join(tmpdir(), 'haco-sup-'));
  server = await startModelServer({ root: dir, turns, sequential: true });
  return server;
}

function request(chunks: string[]): CompletionRequest {
  return {
    system: 'you plan',
    prompt: 'plan this',
    schema: planJsonSchema(),
    schemaName: 'plan',
    onText: (c) => chunks.push(c),
  };
}

describe('supervisor providers against the scripted server', () => {
  it('anthropic: streams the answer, offers the schema as a forced tool, prices the tokens', async () => {
    const s = await start([{ text: ANSWER }]);
    const config = SupervisorSchema.parse({
      provider: 'anthropic',
      base_url: s.url,
      api_key_env: 'PLAN_KEY',
      price: { input_per_mtok: 3, output_per_mtok: 15 },
    });
    const client = supervisorClient(config, { repoRoot: dir ?? '', env: { PLAN_KEY: 'sk-test' } });
    const chunks: string[] = [];
    const answer = await client.complete(request(chunks));
    expect(answer.text).toBe(ANSWER);
    expect(chunks.join('')).toBe(ANSWER);
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.costUsd).toBeCloseTo(
      (answer.usage.inputTokens * 3 + answer.usage.outputTokens * 15) / 1e6,
      9,
    );
    const body = s.turnsOf('anthropic')[0]?.body as {
      tools: { name: string; input_schema: { required: string[] } }[];
      tool_choice: unknown;
      system: string;
    };
    expect(body.tools[0]?.name).toBe('plan');
    expect(body.tools[0]?.input_schema.required).toEqual(['version', 'goal', 'tasks']);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'plan' });
    expect(body.system).toBe('you plan');
  });

  it('anthropic: a missing key and an error status are one line each', async () => {
    const s = await start([]);
    const config = SupervisorSchema.parse({
      provider: 'anthropic',
      base_url: s.url,
      api_key_env: 'NO_SUCH_KEY',
    });
    const client = supervisorClient(config, { repoRoot: dir ?? '', env: {} });
    await expect(client.complete(request([]))).rejects.toThrow(
      'supervisor (anthropic): no API key: NO_SUCH_KEY is not set',
    );
    const failing = await startModelServer({
      root: dir ?? '',
      turns: [{ error: { status: 401, message: 'bad key' } }],
    });
    try {
      const bad = supervisorClient(SupervisorSchema.parse({ provider: 'anthropic', base_url: failing.url }), {
        repoRoot: dir ?? '',
        env: { ANTHROPIC_API_KEY: 'sk-wrong' },
      });
      const error = await bad.complete(request([])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SupervisorUnavailableError);
      expect((error as SupervisorUnavailableError).lines).toHaveLength(1);
      expect((error as SupervisorUnavailableError).lines[0]).toContain('401');
    } finally {
      await failing.close();
    }
  });

  it('ollama: streams the answer in parts and constrains it with format: <schema>', async () => {
    const s = await start([{ text: ANSWER }]);
    const client = supervisorClient(
      SupervisorSchema.parse({ provider: 'ollama', host: s.url, model: 'stub-model' }),
      {
        repoRoot: dir ?? '',
        env: {},
      },
    );
    const chunks: string[] = [];
    const answer = await client.complete(request(chunks));
    expect(answer.text).toBe(ANSWER);
    expect(chunks.length).toBe(2);
    expect(answer.usage.outputTokens).toBe(ANSWER.length);
    expect(answer.costUsd).toBeUndefined();
    const body = s.turnsOf('ollama')[0]?.body as {
      format: { required: string[] };
      messages: { role: string }[];
    };
    expect(body.format.required).toEqual(['version', 'goal', 'tasks']);
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('ollama: an unreachable host is one line naming it', async () => {
    const client = supervisorClient(
      SupervisorSchema.parse({ provider: 'ollama', host: 'http://127.0.0.1:9' }),
      {
        repoRoot: '.',
        env: {},
      },
    );
    await expect(client.complete(request([]))).rejects.toThrow(
      /^supervisor \(ollama\): http:\/\/127\.0\.0\.1:9: /,
    );
  });

  it('claude-code: the real CLI answers; usage and cost come from its result object', async () => {
    const s = await start([{ text: ANSWER }]);
    const home = join(dir ?? '', 'home');
    const config = SupervisorSchema.parse({ provider: 'claude-code', command: CLAUDE_BIN, base_url: s.url });
    const client = supervisorClient(config, {
      repoRoot: dir ?? '',
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ANTHROPIC_AUTH_TOKEN: 'test-token',
        ANTHROPIC_API_KEY: '',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      },
    });
    const chunks: string[] = [];
    const answer = await client.complete(request(chunks));
    expect(answer.text).toBe(ANSWER);
    expect(chunks).toEqual([ANSWER]);
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(typeof answer.costUsd).toBe('number');
    const body = s.turnsOf('anthropic')[0]?.body as { system: unknown; tools: { name: string }[] };
    expect(JSON.stringify(body.system)).toContain('you plan');
    expect(body.tools.map((t) => t.name).sort()).toEqual(['Glob', 'Grep', 'Read']);
  }, 60_000);

  it('codex: the real CLI answers through a private provider with --output-schema', async () => {
    const s = await start([{ text: ANSWER }]);
    const home = join(dir ?? '', 'home');
    const config = SupervisorSchema.parse({
      provider: 'codex',
      command: CODEX_BIN,
      base_url: `${s.url}/v1`,
      model: CODEX_MODEL,
      price: { input_per_mtok: 1, output_per_mtok: 2 },
    });
    const client = supervisorClient(config, {
      repoRoot: dir ?? '',
      env: { PATH: process.env.PATH, HOME: home },
    });
    const chunks: string[] = [];
    const answer = await client.complete(request(chunks));
    expect(answer.text).toBe(ANSWER);
    expect(chunks).toEqual([ANSWER]);
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.costUsd).toBeGreaterThan(0);
    const body = s.turnsOf('responses')[0]?.body as {
      text?: { format?: { schema?: { required?: string[] } } };
    };
    expect(body.text?.format?.schema?.required).toEqual(['version', 'goal', 'tasks']);
    expect(JSON.stringify(body)).toContain('plan this');
  }, 60_000);

  it('claude-code: a missing program is one line', async () => {
    const client = supervisorClient(SupervisorSchema.parse({ command: 'no-such-claude-xyz' }), {
      repoRoot: '.',
      env: {},
    });
    await expect(client.complete(request([]))).rejects.toThrow(
      'supervisor (claude-code): no-such-claude-xyz not found on PATH',
    );
  });
});

/**
 * End-to-end: the real `claude` CLI (@anthropic-ai/claude-code 2.1.112) in a real pty, driven headlessly
 * by the scripted local model server in ../helpers/anthropic-server.ts. No network beyond 127.0.0.1.
 */
import { describe, it, expect } from 'vitest';
import * as pty from '@lydell/node-pty';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startAnthropicServer,
  type AnthropicServer,
  type ReceivedRequest,
  type ScriptedTurn,
} from '../helpers/anthropic-server.js';

const CLAUDE_BIN = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const RUN_DEADLINE_MS = 45_000;

/** A content block inside a stream-json `assistant` / `user` message. */
interface ContentBlock {
  type: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  text?: string;
  tool_use_id?: string;
  is_error?: boolean;
  content?: unknown;
}

/** One line of `--output-format stream-json` (only the fields these tests read are typed). */
interface StreamEvent {
  type: string;
  subtype?: string;
  session_id?: string;
  model?: string;
  message?: { role?: string; content?: ContentBlock[] | string };
  result?: string;
  is_error?: boolean;
  total_cost_usd?: number;
  num_turns?: number;
  permission_denials?: unknown[];
}

/** Strips CSI (ESC [ ...), OSC (ESC ] ... BEL / ESC \) and other two-byte ESC sequences. */
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Splits raw pty output into JSON events: lines end in \r\n (pty ONLCR); non-JSON lines are skipped. */
function parseJsonLines(raw: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const rawLine of raw.split('\n')) {
    const line = rawLine.replace(ANSI_RE, '').replace(/\r$/, '').trim();
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as StreamEvent);
    } catch {
      // not a JSON event (e.g. a stderr line starting with '{'): ignore
    }
  }
  return events;
}

interface Sandbox {
  repo: string;
  home: string;
  cleanup(): void;
}

function makeSandbox(): Sandbox {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'haco-claude-e2e-')));
  const repo = path.join(root, 'repo');
  const home = path.join(root, 'home');
  fs.mkdirSync(repo);
  fs.mkdirSync(home);
  execFileSync('git', ['init', '-q'], { cwd: repo });
  return { repo, home, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/**
 * The child env: a copy of process.env without undefined values (node-pty would pass the string
 * "undefined"), without CI, and without any inherited ANTHROPIC_* / CLAUDE* settings.
 */
function claudeEnv(
  server: AnthropicServer,
  home: string,
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'CI' || k.startsWith('ANTHROPIC_') || k.startsWith('CLAUDE')) continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_AUTH_TOKEN: 'x',
    ANTHROPIC_API_KEY: '',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    ...extra,
  };
}

interface ClaudeRun {
  raw: string;
  events: StreamEvent[];
  exitCode: number;
  /** ms from spawn to the `result` event appearing in the output (-1 if never). */
  msToResult: number;
  /** ms from spawn to process exit. */
  msToExit: number;
}

/** Runs claude in a pty and resolves when it exits; kills it and rejects after `deadlineMs`. */
function runClaude(opts: {
  cwd: string;
  env: Record<string, string>;
  prompt: string;
  deadlineMs?: number;
}): Promise<ClaudeRun> {
  const args = [
    '-p',
    opts.prompt,
    '--verbose',
    '--output-format',
    'stream-json',
    '--model',
    'claude-sonnet-4-5',
    '--permission-mode',
    'default',
    '--allowedTools',
    'Read',
    'Write(hello.txt)',
    'Edit(hello.txt)',
  ];
  const started = Date.now();
  const child = pty.spawn(CLAUDE_BIN, args, {
    name: 'xterm-256color',
    cols: 120,
    rows: 40,
    cwd: opts.cwd,
    env: opts.env,
  });
  let raw = '';
  let msToResult = -1;
  child.onData((data) => {
    raw += data;
    if (msToResult < 0 && raw.includes('"type":"result"')) msToResult = Date.now() - started;
  });
  return new Promise<ClaudeRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(
        new Error(`claude did not exit within ${opts.deadlineMs ?? RUN_DEADLINE_MS} ms; output:\n${raw}`),
      );
    }, opts.deadlineMs ?? RUN_DEADLINE_MS);
    child.onExit(({ exitCode }) => {
      clearTimeout(timer);
      resolve({ raw, events: parseJsonLines(raw), exitCode, msToResult, msToExit: Date.now() - started });
    });
  });
}

/** The tool_result blocks in the last user message of a request body. */
function lastToolResults(req: ReceivedRequest): ContentBlock[] {
  const messages = (req.body?.messages ?? []) as Array<{ role: string; content: ContentBlock[] | string }>;
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const content = Array.isArray(lastUser?.content) ? lastUser.content : [];
  return content.filter((b) => b.type === 'tool_result');
}

/** The first event matching `pred`; fails the test with the raw output when there is none. */
function mustFind(run: ClaudeRun, pred: (e: StreamEvent) => boolean, what: string): StreamEvent {
  const found = run.events.find(pred);
  if (!found) throw new Error(`no ${what} event in claude output:\n${run.raw}`);
  return found;
}

/** The single element of `items`; fails the test otherwise. */
function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

function blocksOf(e: StreamEvent): ContentBlock[] {
  return Array.isArray(e.message?.content) ? e.message.content : [];
}

function toolUseIds(events: StreamEvent[]): string[] {
  return events
    .filter((e) => e.type === 'assistant')
    .flatMap(blocksOf)
    .filter((b) => b.type === 'tool_use')
    .map((b) => b.id ?? '');
}

describe('real claude CLI against the scripted Anthropic server', () => {
  it('writes an allowed file via a scripted Write tool_use and reports a result', async () => {
    const box = makeSandbox();
    const target = path.join(box.repo, 'hello.txt');
    const turns: ReceivedRequest[] = [];
    const server = await startAnthropicServer((req, turnIndex): ScriptedTurn | undefined => {
      turns.push(req);
      if (turnIndex === 0) {
        return {
          text: 'Writing hello.txt.',
          toolUses: [{ name: 'Write', input: { file_path: target, content: 'hi\n' } }],
        };
      }
      return undefined;
    });
    try {
      const run = await runClaude({
        cwd: box.repo,
        prompt: 'create hello.txt',
        env: claudeEnv(server, box.home, { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }),
      });
      console.log(
        `[claude e2e] allowed write: result after ${run.msToResult} ms, exit after ${run.msToExit} ms, code ${run.exitCode}`,
      );

      const init = mustFind(run, (e) => e.type === 'system' && e.subtype === 'init', 'system/init');
      expect(typeof init.session_id).toBe('string');
      expect(init.model).toBe('claude-sonnet-4-5');

      const result = mustFind(run, (e) => e.type === 'result', 'result');
      expect(result.session_id).toBe(init.session_id);
      expect(result.subtype).toBe('success');
      expect(result.is_error).toBe(false);
      expect(result.result).toBe('done.');
      expect(typeof result.total_cost_usd).toBe('number');
      console.log(`[claude e2e] total_cost_usd=${result.total_cost_usd} num_turns=${result.num_turns}`);
      expect(result.total_cost_usd).toBeGreaterThan(0);
      expect(run.exitCode).toBe(0);

      expect(fs.readFileSync(target, 'utf8')).toBe('hi\n');

      // Two real turns: the Write, then the follow-up carrying a successful tool_result.
      expect(turns).toHaveLength(2);
      const [id] = toolUseIds(run.events);
      const toolResult = only(lastToolResults(turns[1]!), 'tool_result blocks in turn 1');
      expect(toolResult.tool_use_id).toBe(id);
      expect(toolResult.is_error ?? false).toBe(false);
      // The stream-json transcript shows the tool_result as a `user` event too.
      const userEvent = run.events.find(
        (e) => e.type === 'user' && blocksOf(e).some((b) => b.tool_use_id === id),
      );
      expect(userEvent).toBeDefined();
    } finally {
      await server.close();
      box.cleanup();
    }
  }, 60_000);

  it('refuses a Write outside the allowed paths and tells the model with an error tool_result', async () => {
    const box = makeSandbox();
    const forbidden = path.join(box.repo, 'other.txt');
    const turns: ReceivedRequest[] = [];
    const server = await startAnthropicServer((req, turnIndex): ScriptedTurn | undefined => {
      turns.push(req);
      if (turnIndex === 0)
        return { toolUses: [{ name: 'Write', input: { file_path: forbidden, content: 'no\n' } }] };
      return undefined;
    });
    try {
      // Non-essential traffic left on here on purpose: claude then also sends its session-title side
      // request (prompt >= 10 chars), which must be answered without consuming the script.
      const run = await runClaude({
        cwd: box.repo,
        prompt: 'create other.txt please',
        env: claudeEnv(server, box.home, {}),
      });
      console.log(
        `[claude e2e] denied write: result after ${run.msToResult} ms, exit after ${run.msToExit} ms, code ${run.exitCode}`,
      );

      expect(fs.existsSync(forbidden)).toBe(false);

      const result = mustFind(run, (e) => e.type === 'result', 'result');
      expect(typeof result.session_id).toBe('string');
      expect(typeof result.total_cost_usd).toBe('number');
      expect(result.permission_denials).toEqual([
        expect.objectContaining({
          tool_name: 'Write',
          tool_input: expect.objectContaining({ file_path: forbidden }),
        }),
      ]);

      expect(turns).toHaveLength(2);
      const [id] = toolUseIds(run.events);
      const toolResult = only(lastToolResults(turns[1]!), 'tool_result blocks in turn 1');
      expect(toolResult).toMatchObject({ tool_use_id: id, is_error: true });
      expect(String(toolResult.content)).toContain("haven't granted it yet");

      const side = server.requests.filter((r) => r.side);
      expect(side.length).toBeGreaterThanOrEqual(1);
      expect(server.requests.filter((r) => !r.side)).toHaveLength(2);
    } finally {
      await server.close();
      box.cleanup();
    }
  }, 60_000);
});

describe('scripted Anthropic server protocol (no claude)', () => {
  it('answers probes, count_tokens, side requests and non-streaming turns without consuming the script on side requests', async () => {
    const seen: number[] = [];
    const server = await startAnthropicServer((_req, turnIndex) => {
      seen.push(turnIndex);
      return turnIndex === 0
        ? { text: 'hello', toolUses: [{ name: 'Read', input: { file_path: '/x' } }] }
        : undefined;
    });
    try {
      const post = (p: string, body: unknown) =>
        fetch(server.url + p, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await fetch(server.url + '/', { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(server.url + '/anything')).status).toBe(200);

      const count = await post('/v1/messages/count_tokens', {
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(((await count.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);

      // Quota check: max_tokens 1, no tools -> side request.
      const quota = await post('/v1/messages?beta=true', {
        model: 'claude-sonnet-4-5',
        max_tokens: 1,
        messages: [{ role: 'user', content: 'quota' }],
      });
      expect(await quota.json()).toMatchObject({ type: 'message', stop_reason: 'end_turn' });
      // Title request: JSON schema output, no tools -> JSON text.
      const title = await post('/v1/messages', {
        model: 'claude-haiku-4-5-20251001',
        max_tokens: 32000,
        tools: [],
        output_config: {
          format: { type: 'json_schema', schema: { properties: { title: { type: 'string' } } } },
        },
        messages: [{ role: 'user', content: 'write hello' }],
      });
      const titleMsg = (await title.json()) as { model: string; content: Array<{ text: string }> };
      expect(titleMsg.model).toBe('claude-haiku-4-5-20251001');
      expect(JSON.parse(titleMsg.content[0]!.text)).toEqual({ title: 'Scripted session' });
      expect(seen).toEqual([]);

      const tools = [{ name: 'Read', input_schema: { type: 'object' } }];
      const turn0 = await post('/v1/messages', {
        model: 'claude-sonnet-4-5',
        max_tokens: 32000,
        tools,
        messages: [],
      });
      expect(await turn0.json()).toMatchObject({
        model: 'claude-sonnet-4-5',
        stop_reason: 'tool_use',
        content: [
          { type: 'text', text: 'hello' },
          { type: 'tool_use', name: 'Read', input: { file_path: '/x' } },
        ],
        usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
      });

      // Streaming turn after the script ran out: "done." / end_turn, as SSE.
      const turn1 = await post('/v1/messages?beta=true', {
        model: 'claude-sonnet-4-5',
        max_tokens: 32000,
        tools,
        stream: true,
        messages: [],
      });
      expect(turn1.headers.get('content-type')).toContain('text/event-stream');
      const sse = await turn1.text();
      const names = [...sse.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      // Consecutive deltas collapse to one entry: the count depends on how the text is chunked.
      expect(names.filter((n, i) => !(n === 'content_block_delta' && names[i - 1] === n))).toEqual([
        'message_start',
        'ping',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      const text = [...sse.matchAll(/^data: (.*)$/gm)]
        .map((m) => JSON.parse(m[1]!) as { type: string; delta?: { text?: string } })
        .filter((d) => d.type === 'content_block_delta')
        .map((d) => d.delta?.text ?? '')
        .join('');
      expect(text).toBe('done.');
      expect(sse).toContain('"stop_reason":"end_turn"');
      expect(seen).toEqual([0, 1]);
      expect(server.requests.map((r) => r.side)).toEqual([true, true, true, false, false]);
    } finally {
      await server.close();
    }
  });
});

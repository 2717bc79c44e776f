/**
 * One scripted model server for the tests, speaking four dialects on one 127.0.0.1 port, so the real
 * agent CLIs behave as against the services:
 *
 * | dialect | route | client |
 * |---|---|---|
 * | `anthropic` | `POST /v1/messages[?beta=true]`, `/v1/messages/count_tokens` | claude 2.1 (`ANTHROPIC_BASE_URL=url`) |
 * | `responses` | `POST …/responses` | codex 0.171 (custom provider, `base_url = url + "/v1"`) |
 * | `chat` | `POST …/chat/completions` | opencode 1.18 (`@ai-sdk/openai-compatible`, `baseURL = url + "/v1"`) |
 * | `ollama` | `/api/chat`, `/api/generate`, `/api/tags`, `/api/show`, `/api/version`, `/api/ps` | ollama-js, fetch |
 *
 * Also `HEAD /` and `GET /` (claude probes it) and `GET …/models` (lists `stub-model`). Each dialect is
 * scripted as a list of {@link Turn}s (text, write, edit, shell, error, delay); turn k answers the
 * request carrying k tool results. Every request is recorded (see {@link RecordedRequest}), so tests can
 * check what the model was told: a refusal naming owned files, an earlier conversation on resume.
 * What each CLI needs from a server: research/agent-clis-offline.md §4.
 *
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import {
  estimateTokens,
  isSideRequest,
  sideAnswerText,
  writeJsonMessage,
  writeStream,
  type Block,
  type MessagesBody,
} from '../helpers/anthropic-server.js';
import { answerChat, chatToolNames, chatToolResults } from './chat-dialect.js';
import { answerOllamaChat, answerOllamaInfo, ollamaToolResults } from './ollama-dialect.js';
import { answerResponses, responsesToolNames, responsesToolResults } from './responses-dialect.js';
import { DONE_TEXT, pickTurn, turnDelay, type Turn } from './turns.js';

export type { Turn } from './turns.js';

/** The API a request spoke. */
export type Dialect = 'anthropic' | 'responses' | 'chat' | 'ollama';

/** One tool result found in a request's history. */
export interface ToolResult {
  /** The API's error flag (Anthropic), else guessed from the text (see turns.ts `looksLikeError`). */
  isError: boolean;
  /** The result text the model was given. */
  content: string;
}

/** A request the server received. */
export interface RecordedRequest {
  dialect: Dialect;
  method: string;
  /** URL path with query, e.g. `/v1/responses`. */
  path: string;
  /** Parsed JSON body, `null` when empty or not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary request fields
  body: any;
  /** Names of the tools offered to the model. */
  toolNames: string[];
  /** Tool results in the request's history, oldest first. */
  toolResults: ToolResult[];
  /**
   * The text of each user message in the request's history, oldest first (a message of several
   * text parts joined by newlines): the prompt, and on resume the earlier prompt and the new one.
   */
  userTexts: string[];
  /** True for a side request (a title, token count) that did not consume a turn. */
  side: boolean;
  /** The turn served, when one was. */
  answered?: Turn;
}

/** What the server plays. A dialect without its own list uses `turns`. */
export interface Script {
  /** Absolute repository root: write/edit paths are joined to it where a CLI wants absolute paths. */
  root: string;
  turns?: Turn[];
  anthropic?: Turn[];
  responses?: Turn[];
  chat?: Turn[];
  ollama?: Turn[];
  /**
   * Turn k answers the k-th turn-consuming request of its dialect instead of the request carrying k
   * tool results: for clients that ask again in a new conversation (the supervisor's repair rounds).
   */
  sequential?: boolean;
}

/** A running scripted model server. */
export interface ModelServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash); OpenAI clients take `url + "/v1"`. */
  url: string;
  /** Every request of a dialect, in arrival order (side requests included; `HEAD /` and `GET …/models` probes are not recorded). */
  requests: RecordedRequest[];
  /** The requests of one dialect that consumed a turn (no side requests). */
  turnsOf(dialect: Dialect): RecordedRequest[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

function anthropicToolResults(body: unknown): ToolResult[] {
  const out: ToolResult[] = [];
  for (const m of ((body as MessagesBody | null)?.messages ?? []) as Array<{ content?: unknown }>) {
    if (!Array.isArray(m.content)) continue;
    for (const block of m.content as Array<{ type?: string; is_error?: boolean; content?: unknown }>) {
      if (block.type !== 'tool_result') continue;
      const content =
        typeof block.content === 'string'
          ? block.content
          : Array.isArray(block.content)
            ? (block.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('')
            : '';
      out.push({ isError: block.is_error === true, content });
    }
  }
  return out;
}

/** claude's tools: `Write {file_path, content}`, `Edit {file_path, old_string, new_string}`, `Bash`. */
function anthropicBlocks(turn: Turn, root: string): Block[] {
  const id = `toolu_${Math.random().toString(36).slice(2, 14)}`;
  if (turn.write)
    return [
      {
        type: 'tool_use',
        id,
        name: 'Write',
        input: { file_path: join(root, turn.write.path), content: turn.write.content },
      },
    ];
  if (turn.edit)
    return [
      {
        type: 'tool_use',
        id,
        name: 'Edit',
        input: {
          file_path: join(root, turn.edit.path),
          old_string: turn.edit.old,
          new_string: turn.edit.new,
        },
      },
    ];
  if (turn.shell)
    return [
      {
        type: 'tool_use',
        id,
        name: 'Bash',
        input: { command: turn.shell.command, description: 'Scripted command' },
      },
    ];
  return [{ type: 'text', text: turn.text ?? DONE_TEXT }];
}

function answerAnthropic(res: http.ServerResponse, rec: RecordedRequest, turn: Turn, root: string): void {
  const body = rec.body as MessagesBody | null;
  const model = typeof body?.model === 'string' ? body.model : 'claude-sonnet-4-5';
  const blocks = rec.side
    ? [{ type: 'text' as const, text: sideAnswerText(body) }]
    : anthropicBlocks(turn, root);
  const stop = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const input = estimateTokens(body?.messages) + estimateTokens(body?.system);
  if (body?.stream === true) writeStream(res, model, blocks, input, stop);
  else writeJsonMessage(res, model, blocks, input, stop);
}

/**
 * User message texts of any dialect: `messages` (Anthropic, Chat Completions, Ollama) or `input`
 * (Responses), each `{role: "user", content}` with content a string or parts carrying `text`.
 */
function userTexts(body: unknown): string[] {
  const b = (body ?? {}) as { messages?: unknown; input?: unknown };
  const items = Array.isArray(b.messages) ? b.messages : Array.isArray(b.input) ? b.input : [];
  if (typeof b.input === 'string') return [b.input];
  const out: string[] = [];
  for (const item of items as Array<{ role?: unknown; content?: unknown }>) {
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') out.push(item.content);
    else if (Array.isArray(item.content)) {
      const parts = (item.content as Array<{ text?: unknown }>)
        .map((p) => p?.text)
        .filter((t): t is string => typeof t === 'string');
      if (parts.length) out.push(parts.join('\n'));
    }
  }
  return out;
}

function dialectOf(method: string, path: string): Dialect | undefined {
  if (path.startsWith('/api/')) return 'ollama';
  if (method !== 'POST') return undefined;
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.endsWith('/responses')) return 'responses';
  if (path.endsWith('/chat/completions')) return 'chat';
  return undefined;
}

function errorBody(dialect: Dialect, message: string): unknown {
  if (dialect === 'anthropic') return { type: 'error', error: { type: 'api_error', message } };
  if (dialect === 'ollama') return { error: message };
  return { error: { message, type: 'server_error', code: null } };
}

function inspect(
  dialect: Dialect,
  body: unknown,
): Pick<RecordedRequest, 'toolNames' | 'toolResults' | 'side'> {
  switch (dialect) {
    case 'anthropic': {
      const tools = ((body as MessagesBody | null)?.tools ?? []) as Array<{ name?: string }>;
      const toolNames = Array.isArray(tools) ? tools.map((t) => t.name ?? '') : [];
      return { toolNames, toolResults: anthropicToolResults(body), side: isSideRequest(body) };
    }
    case 'responses': {
      const toolNames = responsesToolNames(body);
      return { toolNames, toolResults: responsesToolResults(body), side: toolNames.length === 0 };
    }
    case 'chat': {
      const toolNames = chatToolNames(body);
      return { toolNames, toolResults: chatToolResults(body), side: toolNames.length === 0 };
    }
    case 'ollama':
      return { toolNames: [], toolResults: ollamaToolResults(body), side: false };
  }
}

async function handle(
  script: Script,
  requests: RecordedRequest[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  raw: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const pathname = path.split('?')[0] ?? path;
  let body: unknown = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = null;
  }
  const dialect = dialectOf(method, pathname);
  if (!dialect) {
    if (method === 'GET' && pathname.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ object: 'list', data: [{ id: 'stub-model', object: 'model', owned_by: 'haco' }] }),
      );
    } else if (method === 'HEAD' || method === 'GET') {
      res.writeHead(200);
      res.end();
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${method} ${path}` } }));
    }
    return;
  }
  const rec: RecordedRequest = {
    dialect,
    method,
    path,
    body,
    userTexts: userTexts(body),
    ...inspect(dialect, body),
  };
  requests.push(rec);
  if (dialect === 'ollama' && answerOllamaInfo(res, method, pathname, body)) {
    rec.side = true; // tags, version, show, ps: not a model turn
    return;
  }
  if (pathname === '/v1/messages/count_tokens') {
    rec.side = true;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ input_tokens: estimateTokens(body) }));
    return;
  }
  const turn = rec.side
    ? { text: '' }
    : pickTurn(
        script[dialect] ?? script.turns ?? [],
        script.sequential
          ? requests.filter((r) => r.dialect === dialect && !r.side).length - 1
          : rec.toolResults.length,
      );
  if (!rec.side) rec.answered = turn;
  await turnDelay(turn);
  if (turn.error) {
    res.writeHead(turn.error.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(errorBody(dialect, turn.error.message)));
    return;
  }
  if (dialect === 'anthropic') answerAnthropic(res, rec, turn, script.root);
  else if (dialect === 'responses') answerResponses(res, body, turn, script.root);
  else if (dialect === 'chat') answerChat(res, body, turn, script.root);
  else answerOllamaChat(res, pathname, body, turn);
}

/**
 * Starts the server on 127.0.0.1, on an ephemeral port.
 * @throws the listen error (e.g. EADDRINUSE) by rejecting
 */
export function startModelServer(script: Script): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(script, requests, req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        turnsOf: (dialect) => requests.filter((r) => r.dialect === dialect && !r.side),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * A scripted local model server that speaks enough of the Anthropic Messages API to drive the real
 * `claude` CLI (tested against @anthropic-ai/claude-code 2.1.112) headlessly.
 *
 * Protocol source: the Anthropic Messages API reference and its streaming page
 * ("Streaming Messages": message_start, content_block_start / content_block_delta / content_block_stop,
 * message_delta, message_stop, with `text_delta` and `input_json_delta` deltas).
 *
 * Point claude at it with `ANTHROPIC_BASE_URL=<server.url>`, `ANTHROPIC_AUTH_TOKEN=x`,
 * `ANTHROPIC_API_KEY=''` and `--model claude-sonnet-4-5` (a real model id, so claude can price the
 * reported usage and `total_cost_usd` is non-zero).
 *
 * Only `node:http` is used; the server listens on 127.0.0.1 on an ephemeral port.
 *
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

/** One scripted model turn: text and/or tool_use blocks the model "says". */
export type ScriptedTurn = {
  text?: string;
  toolUses?: Array<{ name: string; input: Record<string, unknown> }>;
};

/**
 * A request the server received (parsed JSON body).
 *
 * `requests` on the server holds every POST (real turns and side requests alike); `side` tells which
 * ones were answered generically without consulting the script.
 */
export interface ReceivedRequest {
  /** URL path including the query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** Parsed JSON body (`null` when the body was empty or not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary request fields
  body: any;
  /** True when the server classified this as one of claude's side requests (see {@link isSideRequest}). */
  side?: boolean;
}

/** A running scripted server. */
export interface AnthropicServer {
  /** Base URL for `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Every POST the server received, in arrival order. */
  requests: ReceivedRequest[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** The parts of a Messages request body this server looks at. */
export interface MessagesBody {
  model?: unknown;
  max_tokens?: unknown;
  stream?: unknown;
  tools?: unknown;
  messages?: unknown;
  system?: unknown;
  output_config?: { format?: JsonSchemaFormat };
  output_format?: JsonSchemaFormat;
}

interface JsonSchemaFormat {
  type?: string;
  schema?: { properties?: Record<string, { type?: string } | undefined> };
}

/** One content block of an assistant message. */
export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

const SIDE_MAX_TOKENS = 1024;

/**
 * Classifies a `POST /v1/messages` body as a side request of claude (not a turn of the main agent loop).
 *
 * Main-loop turns of claude 2.1.112 always carry the full tool list (23 tools) and `max_tokens: 32000`.
 * Seen on the wire: the session-title request (model `claude-haiku-4-5-20251001`, `tools: []`,
 * `max_tokens: 32000`, `output_config.format` a JSON schema `{title: string}`), sent when the prompt is
 * at least 10 characters and `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` is unset. Found in cli.js but not
 * seen in `-p` runs: the quota check (`max_tokens: 1`, message `"quota"`) and model validation
 * (`max_tokens: 1`). So: no tools, or `max_tokens` below 1024, means a side request. Token counting
 * (`/v1/messages/count_tokens`) is recognised by its path instead.
 */
export function isSideRequest(body: unknown): boolean {
  if (!body || typeof body !== 'object') return true;
  const { tools, max_tokens } = body as MessagesBody;
  if (!Array.isArray(tools) || tools.length === 0) return true;
  if (typeof max_tokens === 'number' && max_tokens < SIDE_MAX_TOKENS) return true;
  return false;
}

/** Rough token estimate (4 characters a token), never below 1. */
export function estimateTokens(value: unknown): number {
  const s = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(s.length / 4));
}

/** A random id with a prefix, e.g. `msg_3f…` (24 hex digits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function turnToBlocks(turn: ScriptedTurn): Block[] {
  const blocks: Block[] = [];
  if (turn.text !== undefined && turn.text !== '') blocks.push({ type: 'text', text: turn.text });
  for (const t of turn.toolUses ?? []) {
    blocks.push({ type: 'tool_use', id: newId('toolu'), name: t.name, input: t.input });
  }
  if (blocks.length === 0) blocks.push({ type: 'text', text: '' });
  return blocks;
}

/** Generic answer for a side request: a JSON title when a JSON schema output is asked for, else "ok". */
export function sideAnswerText(body: MessagesBody | null): string {
  const fmt = body?.output_config?.format ?? body?.output_format;
  if (fmt && typeof fmt === 'object' && fmt.type === 'json_schema') {
    const props = fmt.schema?.properties ?? {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      out[k] =
        v?.type === 'boolean'
          ? false
          : v?.type === 'number' || v?.type === 'integer'
            ? 0
            : 'Scripted session';
    }
    return JSON.stringify(out);
  }
  return 'ok';
}

function sseEvent(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Splits a string into up to `parts` roughly equal chunks (at least one, possibly empty). */
function chunk(s: string, parts: number): string[] {
  if (s.length === 0) return [''];
  const size = Math.max(1, Math.ceil(s.length / parts));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/**
 * Writes a whole Messages answer as SSE (message_start … message_stop) and ends the response.
 * `stopReason` is `"tool_use"` or `"end_turn"`; tokens are counts.
 */
export function writeStream(
  res: http.ServerResponse,
  model: string,
  blocks: Block[],
  inputTokens: number,
  stopReason: string,
): void {
  const outputTokens = estimateTokens(blocks);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': newId('req'),
  });
  sseEvent(res, 'message_start', {
    type: 'message_start',
    message: {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
      },
    },
  });
  sseEvent(res, 'ping', { type: 'ping' });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      sseEvent(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      });
      for (const piece of chunk(block.text, 3)) {
        sseEvent(res, 'content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: piece },
        });
      }
    } else {
      sseEvent(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const piece of chunk(JSON.stringify(block.input), 3)) {
        sseEvent(res, 'content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: piece },
        });
      }
    }
    sseEvent(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sseEvent(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  sseEvent(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** Writes a whole Messages answer as one JSON message (for `stream: false`) and ends the response. */
export function writeJsonMessage(
  res: http.ServerResponse,
  model: string,
  blocks: Block[],
  inputTokens: number,
  stopReason: string,
): void {
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req') });
  res.end(
    JSON.stringify({
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: blocks,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: estimateTokens(blocks),
      },
    }),
  );
}

function writeJson(res: http.ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
}

/**
 * Starts the scripted server on 127.0.0.1 (ephemeral port).
 *
 * Routes:
 * - `HEAD /` and any `GET`: 200, empty body (claude probes `HEAD /` at start-up).
 * - `POST /v1/messages/count_tokens`: `{ input_tokens }` estimated from the body.
 * - `POST /v1/messages[?beta=true]`: a side request (see {@link isSideRequest}) gets a generic one-text
 *   answer and does not consume the script; a real turn calls `script(req, turnIndex)` (turnIndex counts
 *   real turns from 0) and answers with its text/tool_use blocks, `stop_reason` `"tool_use"` when there are
 *   tool uses, else `"end_turn"`. When the script returns `undefined` the answer is the text `"done."` with
 *   `end_turn`. Streamed as SSE when `stream: true`, otherwise one JSON message.
 * - Anything else: 404 with an Anthropic-style error body.
 *
 * The response `model` is the requested model; usage reports input tokens (~body length / 4) and output
 * tokens, so claude prices the run (non-zero `total_cost_usd` for a known model id).
 *
 * If `script` throws, the request is answered with a 500 `api_error` (claude will retry / report it).
 */
export function startAnthropicServer(
  script: (req: ReceivedRequest, turnIndex: number) => ScriptedTurn | undefined,
): Promise<AnthropicServer> {
  const requests: ReceivedRequest[] = [];
  let turnIndex = 0;
  const log = process.env.HACO_TEST_SERVER_LOG === '1';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      if (method === 'HEAD' || method === 'GET') {
        if (log) console.error(`[anthropic-server] ${method} ${path}`);
        res.writeHead(200);
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: MessagesBody | null = null;
      try {
        body = raw ? (JSON.parse(raw) as MessagesBody) : null;
      } catch {
        body = null;
      }
      const pathname = path.split('?')[0] ?? path;
      if (method !== 'POST' || !pathname.startsWith('/v1/messages')) {
        if (log) console.error(`[anthropic-server] unhandled ${method} ${path}`);
        writeJson(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `no route ${path}` },
        });
        return;
      }
      if (pathname === '/v1/messages/count_tokens') {
        const received: ReceivedRequest = { path, body, side: true };
        requests.push(received);
        if (log) console.error(`[anthropic-server] POST ${path} (count_tokens)`);
        writeJson(res, 200, { input_tokens: estimateTokens(body?.messages) });
        return;
      }
      if (pathname !== '/v1/messages') {
        writeJson(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `no route ${path}` },
        });
        return;
      }
      const side = isSideRequest(body);
      const received: ReceivedRequest = { path, body, side };
      requests.push(received);
      const model: string = typeof body?.model === 'string' ? body.model : 'claude-sonnet-4-5';
      const inputTokens = estimateTokens(body?.messages) + estimateTokens(body?.system);
      let blocks: Block[];
      let stopReason = 'end_turn';
      if (side) {
        blocks = [{ type: 'text', text: sideAnswerText(body) }];
        if (log) {
          console.error(
            `[anthropic-server] side POST ${path} max_tokens=${String(body?.max_tokens)} tools=${Array.isArray(body?.tools) ? body.tools.length : 0}`,
          );
        }
      } else {
        let turn: ScriptedTurn | undefined;
        try {
          turn = script(received, turnIndex++);
        } catch (err) {
          writeJson(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
          return;
        }
        if (log)
          console.error(`[anthropic-server] turn ${turnIndex - 1} POST ${path}: ${JSON.stringify(turn)}`);
        if (turn === undefined) {
          blocks = [{ type: 'text', text: 'done.' }];
        } else {
          blocks = turnToBlocks(turn);
          if (blocks.some((b) => b.type === 'tool_use')) stopReason = 'tool_use';
        }
      }
      if (body?.stream === true) writeStream(res, model, blocks, inputTokens, stopReason);
      else writeJsonMessage(res, model, blocks, inputTokens, stopReason);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

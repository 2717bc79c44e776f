/**
 * Ollama dialect of the scripted model server: `POST /api/chat` (NDJSON stream, last line
 * `done: true`, or one object when `stream: false`), `POST /api/generate`, `GET /api/tags`,
 * `POST /api/show`, `GET /api/version`, `GET /api/ps`. Shapes as ollama-js 0.6.4 reads them
 * (research/agent-clis-offline.md §3; Ollama's docs/api.md).
 *
 * @module
 */
import type http from 'node:http';

import { looksLikeError, type Turn } from './turns.js';
import type { ToolResult } from './model-server.js';

/** The only model the server knows. */
export const OLLAMA_MODEL = 'stub-model';

interface OllamaBody {
  model?: string;
  stream?: boolean;
  messages?: Array<{ role?: string; content?: string }>;
}

/** Tool results in the history: messages with `role: "tool"`. */
export function ollamaToolResults(body: unknown): ToolResult[] {
  return ((body as OllamaBody | null)?.messages ?? [])
    .filter((m) => m.role === 'tool')
    .map((m) => ({ isError: looksLikeError(m.content ?? ''), content: m.content ?? '' }));
}

function json(res: http.ServerResponse, status: number, data: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(data));
}

/** A write, edit or shell turn becomes one `tool_calls` entry named `write`/`edit`/`shell`. */
function toolCalls(turn: Turn): unknown[] | undefined {
  if (turn.write) return [{ function: { name: 'write', arguments: turn.write } }];
  if (turn.edit) return [{ function: { name: 'edit', arguments: turn.edit } }];
  if (turn.shell) return [{ function: { name: 'shell', arguments: turn.shell } }];
  return undefined;
}

/** Answers the GET routes and `/api/show`; returns false for a path this dialect does not serve. */
export function answerOllamaInfo(
  res: http.ServerResponse,
  method: string,
  path: string,
  body: unknown,
): boolean {
  if (method === 'GET' && path === '/api/version') json(res, 200, { version: '0.12.0' });
  else if (method === 'GET' && path === '/api/tags')
    json(res, 200, {
      models: [
        { name: OLLAMA_MODEL, model: OLLAMA_MODEL, size: 1, digest: 'stub', details: { family: 'stub' } },
      ],
    });
  else if (method === 'GET' && path === '/api/ps') json(res, 200, { models: [] });
  else if (method === 'POST' && path === '/api/show') {
    const model = (body as OllamaBody | null)?.model;
    if (model !== OLLAMA_MODEL) json(res, 404, { error: `model '${String(model)}' not found` });
    else
      json(res, 200, { capabilities: ['completion', 'tools'], details: { family: 'stub' }, model_info: {} });
  } else return false;
  return true;
}

/**
 * Answers `POST /api/chat` (`message`) or `/api/generate` (`response`) with `turn`: its text in two
 * NDJSON parts and a last `done: true` line with `eval_count` / `prompt_eval_count`, or one object when
 * `stream` is false. Ends the response.
 */
export function answerOllamaChat(res: http.ServerResponse, path: string, body: unknown, turn: Turn): void {
  const b = (body ?? {}) as OllamaBody;
  const model = b.model ?? OLLAMA_MODEL;
  const text = turn.text ?? '';
  const calls = toolCalls(turn);
  const isChat = path === '/api/chat';
  const part = (content: string, extra: object = {}): object =>
    isChat
      ? {
          model,
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content, ...extra },
          done: false,
        }
      : { model, created_at: new Date().toISOString(), response: content, done: false };
  const last = {
    ...part(b.stream === false ? text : '', calls ? { tool_calls: calls } : {}),
    done: true,
    done_reason: 'stop',
    prompt_eval_count: JSON.stringify(b.messages ?? '').length,
    eval_count: Math.max(1, text.length),
  };
  if (b.stream === false) {
    json(res, 200, last);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const half = Math.ceil(text.length / 2);
  for (const piece of [text.slice(0, half), text.slice(half)]) {
    if (piece) res.write(`${JSON.stringify(part(piece))}\n`);
  }
  res.end(`${JSON.stringify(last)}\n`);
}

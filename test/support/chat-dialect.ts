/**
 * OpenAI Chat Completions dialect of the scripted model server, as opencode 1.18 speaks it through
 * `@ai-sdk/openai-compatible` (`POST <baseURL>/chat/completions`, `stream: true`,
 * `stream_options.include_usage`). Chunk shapes: research/agent-clis-offline.md §2.2.
 *
 * @module
 */
import type http from 'node:http';
import { join } from 'node:path';

import { estimateTokens, newId } from '../helpers/anthropic-server.js';
import { looksLikeError, TITLE_TEXT, toPatch, type Turn } from './turns.js';
import type { ToolResult } from './model-server.js';

/** The parts of a Chat Completions request body this dialect reads. */
interface ChatBody {
  model?: string;
  stream?: boolean;
  tools?: Array<{ function?: { name?: string } }>;
  messages?: Array<{ role?: string; content?: unknown }>;
}

/** Tool names offered in the request. */
export function chatToolNames(body: unknown): string[] {
  return ((body as ChatBody | null)?.tools ?? []).map((t) => t.function?.name ?? '');
}

/** Tool results in the history: messages with `role: "tool"` (they carry no error flag). */
export function chatToolResults(body: unknown): ToolResult[] {
  return ((body as ChatBody | null)?.messages ?? [])
    .filter((m) => m.role === 'tool')
    .map((m) => {
      const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
      return { isError: looksLikeError(content), content };
    });
}

/**
 * The tool call for a turn, in opencode's tool names: `write {filePath, content}` and
 * `edit {filePath, oldString, newString}` with absolute paths, or `apply_patch {patchText}` when
 * opencode offers that instead (model ids like `gpt-*`); `bash {command, description}`.
 */
function toolCall(turn: Turn, tools: string[], root: string): { name: string; args: object } | undefined {
  const patch = toPatch(turn);
  if (patch !== undefined && !tools.includes('write') && tools.includes('apply_patch'))
    return { name: 'apply_patch', args: { patchText: patch } };
  if (turn.write)
    return { name: 'write', args: { filePath: join(root, turn.write.path), content: turn.write.content } };
  if (turn.edit)
    return {
      name: 'edit',
      args: { filePath: join(root, turn.edit.path), oldString: turn.edit.old, newString: turn.edit.new },
    };
  if (turn.shell)
    return { name: 'bash', args: { command: turn.shell.command, description: 'Scripted command' } };
  return undefined;
}

/**
 * Answers one Chat Completions request with `turn`: SSE chunks (role, then content or one tool call,
 * then `finish_reason`, a usage chunk, `data: [DONE]`) when `stream` is true, else one JSON completion.
 * A request without tools gets the title text. Ends the response.
 */
export function answerChat(res: http.ServerResponse, body: unknown, turn: Turn, root: string): void {
  const b = (body ?? {}) as ChatBody;
  const tools = chatToolNames(body);
  const call = tools.length === 0 ? undefined : toolCall(turn, tools, root);
  const text = tools.length === 0 ? TITLE_TEXT : call ? '' : (turn.text ?? '');
  const id = newId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const model = b.model ?? 'stub-model';
  const toolCalls = call
    ? [
        {
          index: 0,
          id: newId('call'),
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.args) },
        },
      ]
    : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  const usage = {
    prompt_tokens: estimateTokens(b.messages),
    completion_tokens: estimateTokens(call ?? text),
    total_tokens: estimateTokens(b.messages) + estimateTokens(call ?? text),
  };
  const base = { id, object: 'chat.completion.chunk', created, model };
  if (b.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, tool_calls: toolCalls },
            finish_reason: finish,
          },
        ],
        usage,
      }),
    );
    return;
  }
  const send = (data: unknown): boolean => res.write(`data: ${JSON.stringify(data)}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
  if (toolCalls) send({ ...base, choices: [{ index: 0, delta: { tool_calls: toolCalls } }] });
  else send({ ...base, choices: [{ index: 0, delta: { content: text } }] });
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  send({ ...base, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

/**
 * OpenAI Responses dialect of the scripted model server, as codex 0.171 speaks it
 * (`POST <base_url>/responses`, `stream: true`, `store: false` so every request carries the whole
 * history). SSE shapes verified against the real codex: research/agent-clis-offline.md §1.3–1.4.
 *
 * @module
 */
import type http from 'node:http';

import { estimateTokens, newId } from '../helpers/anthropic-server.js';
import { looksLikeError, TITLE_TEXT, toPatch, type Turn } from './turns.js';
import type { ToolResult } from './model-server.js';

/** The parts of a Responses request body this dialect reads. */
interface ResponsesBody {
  model?: string;
  tools?: Array<{ type?: string; name?: string }>;
  input?: Array<{ type?: string; output?: unknown; tools?: Array<{ name?: string }> }>;
}

/** Tool names offered in the request (top-level `tools`, and code mode's `additional_tools` item). */
export function responsesToolNames(body: unknown): string[] {
  const b = (body ?? {}) as ResponsesBody;
  const names = (b.tools ?? []).map((t) => t.name ?? t.type ?? '');
  for (const item of b.input ?? []) {
    if (item.type === 'additional_tools') names.push(...(item.tools ?? []).map((t) => t.name ?? ''));
  }
  return names;
}

/** Tool results in the history: input items whose type ends in `_call_output`. */
export function responsesToolResults(body: unknown): ToolResult[] {
  const b = (body ?? {}) as ResponsesBody;
  return (b.input ?? [])
    .filter((i) => typeof i.type === 'string' && i.type.endsWith('_call_output'))
    .map((i) => {
      const content =
        typeof i.output === 'string'
          ? i.output
          : Array.isArray(i.output)
            ? (i.output as Array<{ text?: string }>).map((p) => p.text ?? '').join('')
            : JSON.stringify(i.output);
      return { isError: looksLikeError(content), content };
    });
}

type Item = Record<string, unknown>;

/**
 * The output item for a turn, adapted to the tools codex offered: custom `apply_patch` (catalog
 * models such as gpt-5.5), code mode `exec` (gpt-6.2-sol), else the `exec_command` heredoc that
 * codex intercepts (unknown model slugs). Shell turns are `exec_command` function calls.
 */
function turnItem(turn: Turn, tools: string[], root: string): Item {
  const callId = newId('call');
  const patch = toPatch(turn);
  if (patch !== undefined) {
    if (tools.includes('apply_patch'))
      return {
        type: 'custom_tool_call',
        call_id: callId,
        name: 'apply_patch',
        input: patch,
        status: 'completed',
      };
    if (tools.includes('exec'))
      return {
        type: 'custom_tool_call',
        call_id: callId,
        name: 'exec',
        input: `text(await tools.apply_patch(${JSON.stringify(patch)}));`,
        status: 'completed',
      };
    const cmd = `apply_patch <<'PATCH'\n${patch}PATCH\n`;
    return execCall(callId, cmd, root);
  }
  if (turn.shell) return execCall(callId, turn.shell.command, root);
  return {
    type: 'message',
    id: newId('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: turn.text ?? '', annotations: [] }],
  };
}

function execCall(callId: string, cmd: string, root: string): Item {
  return {
    type: 'function_call',
    id: newId('fc'),
    call_id: callId,
    name: 'exec_command',
    arguments: JSON.stringify({ cmd, workdir: root }),
    status: 'completed',
  };
}

function sse(res: http.ServerResponse, data: { type: string } & Record<string, unknown>): void {
  res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Answers one Responses request with `turn` as SSE: `response.created`, `response.output_item.added`,
 * a text delta for messages, `response.output_item.done`, `response.completed` (with usage). A request
 * without tools gets the title text. Ends the response.
 */
export function answerResponses(res: http.ServerResponse, body: unknown, turn: Turn, root: string): void {
  const tools = responsesToolNames(body);
  const item = tools.length === 0 ? turnItem({ text: TITLE_TEXT }, [], root) : turnItem(turn, tools, root);
  const id = newId('resp');
  const model = (body as ResponsesBody | null)?.model ?? 'stub-model';
  const input = estimateTokens((body as ResponsesBody | null)?.input);
  const output = estimateTokens(item);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  sse(res, { type: 'response.created', response: { id, status: 'in_progress', model, output: [] } });
  sse(res, { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } });
  if (item.type === 'message') {
    const text = ((item.content as Array<{ text: string }>)[0] ?? { text: '' }).text;
    sse(res, {
      type: 'response.output_text.delta',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta: text,
    });
  }
  sse(res, { type: 'response.output_item.done', output_index: 0, item });
  sse(res, {
    type: 'response.completed',
    response: {
      id,
      status: 'completed',
      model,
      output: [item],
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: input + output,
      },
    },
  });
  res.end();
}

import { Ollama, type Message } from 'ollama';
import { z } from 'zod';

import { CommonAgentFields } from '../src/config/agent-fields.js';
import type { TokenUsage } from '../src/orchestrator/usage.js';
import { parseDraftReply } from './ollama-reply.js';
import type { AgentAdapter, DraftIO, DraftResult, DraftSource } from './types.js';

/** Ollama's own default address (Ollama docs, `OLLAMA_HOST`). */
export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
/** Default `context_budget_tokens`: how much of the prompt the task's files may fill, tokens. */
export const DEFAULT_CONTEXT_BUDGET_TOKENS = 8192;
/** Rough characters per token for the budget (no tokenizer for every local model). */
const CHARS_PER_TOKEN = 4;

/** Generation options passed as ollama's `options` (`temperature`, `num_ctx`, `seed`, `stop`, …). */
const OptionsSchema = z.record(
  z.string(),
  z.union([z.number(), z.string(), z.boolean(), z.array(z.string())]),
);

/** `ollama`: a local model through ollama-js 0.6; no process (DESIGN.md, agent table). */
export const OllamaAgentSchema = z.strictObject({
  type: z.literal('ollama'),
  /** The Ollama server, e.g. `http://127.0.0.1:11434` (the default). */
  host: z.url().optional(),
  /** The model's name as `ollama list` shows it (`qwen2.5-coder:7b`). */
  model: z.string().min(1),
  options: OptionsSchema.optional(),
  /** How long the server keeps the model loaded after a request: `5m`, seconds, or -1 (forever). */
  keep_alive: z.union([z.string().min(1), z.number()]).optional(),
  /** Most tokens the task's file contents may take in the prompt (estimated at 4 characters each). */
  context_budget_tokens: z.number().int().positive().optional(),
  ...CommonAgentFields,
});

/** An `ollama` agent's configuration. */
export type OllamaAgentConfig = z.output<typeof OllamaAgentSchema>;

/** What `haco worker` and an `ollama` attempt send a model with: server, model and settings. */
export interface OllamaTarget {
  readonly host: string;
  readonly model: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly keep_alive?: string | number;
}

/** The target of an `ollama` agent config (its host or {@link DEFAULT_OLLAMA_HOST}). */
export function targetOf(config: OllamaAgentConfig): OllamaTarget {
  return {
    host: config.host ?? DEFAULT_OLLAMA_HOST,
    model: config.model,
    ...(config.options ? { options: config.options } : {}),
    ...(config.keep_alive === undefined ? {} : { keep_alive: config.keep_alive }),
  };
}

/** Whether `name` (as `/api/tags` lists it) is `model`; a name without a tag means `:latest` (Ollama's rule). */
function isModel(name: string, model: string): boolean {
  return name === model || name === `${model}:latest` || `${name}:latest` === model;
}

/**
 * Why `target.model` cannot be used: the server cannot be reached, or it lacks the model (the
 * message lists the models it has, from `GET /api/tags`). Never throws.
 * @returns one line, or undefined when the server has the model
 */
export async function modelProblem(target: OllamaTarget): Promise<string | undefined> {
  return (await checkModel(target))?.message;
}

/**
 * Like {@link modelProblem}, telling an unreachable server (`unreachable`) from a missing model
 * (`missing`, whose message lists the server's models). Never throws.
 */
export async function checkModel(
  target: OllamaTarget,
): Promise<{ readonly problem: 'unreachable' | 'missing'; readonly message: string } | undefined> {
  let names: string[];
  try {
    names = (await new Ollama({ host: target.host }).list()).models.map((m) => m.name);
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const message = `cannot reach the Ollama server at ${target.host}: ${e.cause?.code ?? e.message}`;
    return { problem: 'unreachable', message };
  }
  if (names.some((name) => isModel(name, target.model))) return undefined;
  const has = names.length ? `the server has: ${names.sort().join(', ')}` : 'the server has no models';
  return { problem: 'missing', message: `model "${target.model}" not found on ${target.host}; ${has}` };
}

/** One streamed reply: its text and its tokens. */
export interface ModelReply {
  readonly text: string;
  readonly usage: TokenUsage;
}

/**
 * Sends `messages` to the model (`POST /api/chat`, streamed) and calls `onText` with each piece as
 * it arrives. Tokens are Ollama's `prompt_eval_count` (input) and `eval_count` (output) of the
 * last part. `signal` aborts the request.
 * @throws Error (ollama-js `ResponseError`, a network error, or `AbortError`) when the request fails
 */
export async function chatOnce(
  target: OllamaTarget,
  messages: Message[],
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<ModelReply> {
  // ollama-js aborts a stream only once it has started: our signal also ends the request before.
  const client = new Ollama({
    host: target.host,
    ...(signal
      ? {
          fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
            fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
        }
      : {}),
  });
  signal?.throwIfAborted();
  const stream = await client.chat({
    model: target.model,
    messages,
    stream: true,
    ...(target.options ? { options: target.options } : {}),
    ...(target.keep_alive === undefined ? {} : { keep_alive: target.keep_alive }),
  });
  const stop = (): void => stream.abort();
  signal?.addEventListener('abort', stop, { once: true });
  let text = '';
  let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  try {
    for await (const part of stream) {
      const piece = part.message.content;
      if (piece) {
        text += piece;
        onText(piece);
      }
      if (part.done)
        usage = {
          inputTokens: part.prompt_eval_count,
          outputTokens: part.eval_count,
          raw: { prompt_eval_count: part.prompt_eval_count, eval_count: part.eval_count },
        };
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return { text, usage };
}

/** The format rules every draft prompt ends with (README, "ollama" agent type). */
export const DRAFT_FORMAT = [
  '## Reply format',
  'haco applies your reply itself; you cannot run tools. Reply with ONLY one of these, nothing else:',
  '1. A unified diff, git style (`--- a/path` / `+++ b/path`, `@@` hunks with 3 lines of context); a new file',
  '   comes from `--- /dev/null`.',
  '2. Whole-file blocks, one per changed file, holding its complete new content:',
  '=== FILE: path/to/file ===',
  '…the whole file…',
  '=== END FILE ===',
  'Change only the files listed under "Files you own"; a draft touching any other path is refused whole.',
].join('\n');

/**
 * The files section of a draft prompt: each owned file's current content, in order, until
 * `budgetTokens` (estimated at 4 characters a token) is spent; a file cut short says so, and files
 * past the budget are only named.
 */
export function filesSection(files: readonly DraftSource[], budgetTokens: number): string {
  let left = budgetTokens * CHARS_PER_TOKEN;
  const parts = ['## Current content of your files'];
  if (files.length === 0) parts.push('(none of them exists yet)');
  for (const { path, content } of files) {
    if (left <= 0) {
      parts.push(
        `### ${path}`,
        '(not shown: over the context budget; change it only with whole-file blocks if you must)',
      );
      continue;
    }
    const shown = content.length > left ? content.slice(0, left) : content;
    left -= shown.length;
    parts.push(`### ${path}`, '```', shown.replace(/\n$/, ''), '```');
    if (shown.length < content.length)
      parts.push(
        `(cut short here: ${content.length - shown.length} more characters; diff only the lines shown)`,
      );
  }
  return parts.join('\n');
}

const SYSTEM_PROMPT =
  'You are a code-drafting worker. You write drafts of files; haco checks and applies them. Answer only in the reply format asked for.';

/**
 * One `ollama` attempt: checks the model, asks for a draft with the task's prompt, its files and
 * {@link DRAFT_FORMAT}, streams the reply into the pane and hands the parsed draft to `io.apply`.
 * A draft that cannot be read or is refused is answered once with the exact error; a second
 * refusal fails the attempt.
 */
async function runDraft(config: OllamaAgentConfig, prompt: string, io: DraftIO): Promise<DraftResult> {
  const target = targetOf(config);
  const missing = await modelProblem(target);
  if (missing !== undefined) return { ok: false, message: missing };
  const budget = config.context_budget_tokens ?? DEFAULT_CONTEXT_BUDGET_TOKENS;
  const messages: Message[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    {
      role: 'user',
      content: [prompt.trimEnd(), '', filesSection(io.readOwnedFiles(), budget), '', DRAFT_FORMAT].join('\n'),
    },
  ];
  let inputTokens = 0;
  let outputTokens = 0;
  const rounds: unknown[] = [];
  const usage = (): TokenUsage => ({ inputTokens, outputTokens, raw: { rounds } });
  let refusal = '';
  for (let round = 1; round <= 2; round++) {
    io.display(`haco: asking ${target.model} on ${target.host}${round > 1 ? ' again' : ''}\n`);
    const reply = await chatOnce(target, messages, (text) => io.display(text), io.signal);
    inputTokens += reply.usage.inputTokens;
    outputTokens += reply.usage.outputTokens;
    rounds.push(reply.usage.raw);
    io.display('\n');
    const parsed = parseDraftReply(reply.text);
    const error = 'error' in parsed ? parsed.error : io.apply(parsed.changes);
    if (error === undefined) {
      io.display(
        `haco: draft applied (${'changes' in parsed ? parsed.changes.map((c) => c.path).join(', ') : ''})\n`,
      );
      return { ok: true, usage: usage() };
    }
    refusal = error;
    io.display(`haco: draft refused, nothing written: ${error}\n`);
    messages.push(
      { role: 'assistant', content: reply.text },
      {
        role: 'user',
        content: `haco refused your draft and wrote nothing of it: ${error}\nSend the whole draft again, corrected, in the same reply format.`,
      },
    );
  }
  return { ok: false, message: `draft refused twice: ${refusal}`, usage: usage() };
}

/**
 * `ollama`: a local model drafts, haco writes (least privilege, DESIGN.md "Agents"). No process:
 * the reply streams into the pane; it must be a unified diff or whole-file blocks for the task's
 * files only (agents/ollama-reply.ts), which haco applies all or nothing
 * (src/workspace/apply-draft.ts), asking once more with the exact error when it is refused.
 * Tokens are Ollama's `prompt_eval_count` / `eval_count`, summed over the attempt's requests.
 */
export const ollamaAdapter = {
  type: 'ollama',
  configSchema: OllamaAgentSchema,
  example: { type: 'ollama', model: 'qwen2.5-coder:7b', options: { temperature: 0.2 }, keep_alive: '10m' },
  completion: {
    kind: 'draft',
    run: (config, _task, ctx, io) => runDraft(config, ctx.prompt, io),
    check: (config) => modelProblem(targetOf(config)),
  },
  // No process: nothing of haco's environment is passed anywhere.
  envPassthrough: [],
} satisfies AgentAdapter<OllamaAgentConfig>;

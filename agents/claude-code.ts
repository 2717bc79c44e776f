import type { z } from 'zod';

import type { ClaudeCodeAgentSchema } from '../src/config/schema.js';
import type { AgentAdapter, AgentSignal } from './types.js';

type ClaudeCodeAgentConfig = z.output<typeof ClaudeCodeAgentSchema>;

/** Tools that only read; always allowed. */
const READ_TOOLS = ['Read', 'Glob', 'Grep', 'LS', 'TodoWrite'];
/** Tools that write a file; allowed only on the task's own paths. */
const WRITE_TOOLS = ['Write', 'Edit', 'MultiEdit', 'NotebookEdit'];

/**
 * Permission rules scoping writes to the task's files, e.g. `Write(src/a.ts)`. In `-p` mode with
 * `--permission-mode default`, a write outside them is refused without a prompt and the model gets
 * an error tool_result (FIELD-NOTES.md, checked with claude 2.1.x).
 */
export function allowedToolRules(files: readonly string[]): string[] {
  const rules = [...READ_TOOLS];
  for (const file of files) for (const tool of WRITE_TOOLS) rules.push(`${tool}(${file})`);
  return rules;
}

// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ANSI_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

type Block = { type?: string; text?: string; name?: string; input?: Record<string, unknown>; is_error?: boolean; content?: unknown };

function describeToolUse(block: Block): string {
  const input = block.input ?? {};
  const target = input.file_path ?? input.path ?? input.command ?? input.pattern ?? '';
  return `● ${block.name ?? 'tool'}(${String(target)})`;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: Block) => c.text ?? '').join(' ');
  return '';
}

/**
 * Reads one stream-json line of `claude -p --verbose --output-format stream-json` (Claude Code
 * 2.1.x): `system/init` carries session_id; `assistant` messages hold text and tool_use blocks;
 * `user` messages hold tool_result blocks; `result` ends the turn with is_error, session_id,
 * total_cost_usd (USD) and usage. Non-JSON lines are shown as they are.
 */
export function parseClaudeLine(line: string): AgentSignal[] {
  // The pty adds \r and, at exit, a line of terminal-reset sequences; stderr is mixed in.
  const trimmed = line.replace(ANSI_SEQUENCE, '').trim();
  if (!trimmed) return [];
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return [{ type: 'display', text: trimmed }];
  }
  const out: AgentSignal[] = [];
  if (typeof event.session_id === 'string' && (event.type === 'system' || event.type === 'result')) {
    out.push({ type: 'session', sessionId: event.session_id });
  }
  const message = event.message as { content?: Block[] } | undefined;
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init') out.push({ type: 'display', text: `claude session ${String(event.session_id)}` });
      break;
    case 'assistant':
      for (const block of message?.content ?? []) {
        if (block.type === 'text' && block.text) out.push({ type: 'display', text: block.text });
        if (block.type === 'tool_use') out.push({ type: 'display', text: describeToolUse(block) });
      }
      break;
    case 'user':
      for (const block of message?.content ?? []) {
        if (block.type !== 'tool_result') continue;
        const text = textOf(block.content).split('\n')[0]?.slice(0, 200) ?? '';
        out.push({ type: 'display', text: `  ⎿ ${block.is_error ? 'error: ' : ''}${text}` });
      }
      break;
    case 'result': {
      const cost = typeof event.total_cost_usd === 'number' ? event.total_cost_usd : undefined;
      const ok = event.is_error !== true && event.subtype === 'success';
      const result = typeof event.result === 'string' ? event.result : String(event.subtype ?? '');
      out.push({ type: 'display', text: `${ok ? '✔' : '✘'} ${result.split('\n')[0] ?? ''}` });
      out.push({
        type: 'done',
        ok,
        ...(cost === undefined ? {} : { costUsd: cost }),
        ...(event.usage === undefined ? {} : { usage: event.usage }),
        message: result,
      });
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * `claude-code`: Claude Code in headless stream-json mode,
 * `claude -p PROMPT --verbose --output-format stream-json --permission-mode default --allowedTools …`
 * (flags from Claude Code 2.1 `--help`). Done at the `result` event.
 */
export const claudeCodeAdapter = {
  type: 'claude-code',
  completion: 'protocol',
  launch(config, task, ctx) {
    const args = ['-p', ctx.prompt, '--verbose', '--output-format', 'stream-json', '--permission-mode', 'default'];
    args.push('--allowedTools', ...allowedToolRules(task.files));
    if (config.model) args.push('--model', config.model);
    args.push(...(config.args ?? []));
    return { command: config.command ?? 'claude', args, env: { ...config.env } };
  },
  parseLine: parseClaudeLine,
} satisfies AgentAdapter<ClaudeCodeAgentConfig>;

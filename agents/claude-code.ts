import { z } from 'zod';

import { CommonAgentFields } from '../src/config/agent-fields.js';
import type { TokenUsage } from '../src/orchestrator/usage.js';
import { PROXY_ENV } from './env.js';
import { readJsonLine } from './json-lines.js';
import type {
  AgentAdapter,
  AgentSignal,
  PermissionAction,
  PermissionDecision,
  PermissionRequest,
  StdinProtocol,
} from './types.js';

/** `claude-code`: the Claude Code CLI in headless stream-json mode. */
export const ClaudeCodeAgentSchema = z.strictObject({
  type: z.literal('claude-code'),
  /** Executable to run; default `claude` on PATH. */
  command: z.string().min(1).optional(),
  /** Model name passed as `--model`. */
  model: z.string().min(1).optional(),
  ...CommonAgentFields,
});

/** A `claude-code` agent's configuration. */
export type ClaudeCodeAgentConfig = z.output<typeof ClaudeCodeAgentSchema>;

/**
 * Tools that only read the repository (or, for TodoWrite, claude's own task list): pre-approved
 * with `--allowedTools`, so claude never asks about them.
 */
export const READ_TOOLS = ['Read', 'Glob', 'Grep', 'LS', 'NotebookRead', 'TodoWrite'];
/** Tools that write a file, and the input field naming it (Claude Code 2.1 tool schemas). */
const WRITE_TOOLS: Readonly<Record<string, string>> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

/**
 * What a claude tool would do, for haco's permission policy: READ_TOOLS read, WRITE_TOOLS write
 * the file their path field names, Bash runs its `command`; anything else (WebFetch, WebSearch,
 * Task, …) is `other`, which the user decides.
 */
export function claudeToolAction(tool: string, input: Readonly<Record<string, unknown>>): PermissionAction {
  if (READ_TOOLS.includes(tool)) return { kind: 'read' };
  const pathField = WRITE_TOOLS[tool];
  if (pathField !== undefined) {
    const path = input[pathField];
    return { kind: 'write', paths: typeof path === 'string' && path !== '' ? [path] : [] };
  }
  if (tool === 'Bash')
    return { kind: 'shell', command: typeof input.command === 'string' ? input.command : '' };
  return { kind: 'other' };
}

type Block = {
  type?: string;
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
  is_error?: boolean;
  content?: unknown;
};

/** `Write(/r/src/a.ts)`, `Bash(npm test)`: a tool and what it acts on. */
function toolCall(name: string, input: Readonly<Record<string, unknown>>): string {
  const target =
    input.file_path ?? input.notebook_path ?? input.path ?? input.command ?? input.pattern ?? input.url ?? '';
  return `${name}(${String(target)})`;
}

function describeToolUse(block: Block): string {
  return `● ${toolCall(block.name ?? 'tool', block.input ?? {})}`;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: Block) => c.text ?? '').join(' ');
  return '';
}

/**
 * Normalises the `usage` of Claude Code's `result` event (Anthropic Messages usage: `input_tokens`,
 * `cache_creation_input_tokens`, `cache_read_input_tokens`, `output_tokens`): input counts all
 * three input kinds. Undefined when the event has no usage object.
 */
export function claudeUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const n = (key: string): number => (typeof u[key] === 'number' ? u[key] : 0);
  return {
    inputTokens: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'),
    outputTokens: n('output_tokens'),
    raw: usage,
  };
}

/**
 * Reads one stream-json line of `claude -p --verbose --output-format stream-json` (Claude Code
 * 2.1.x): `system/init` carries session_id; `assistant` messages hold text and tool_use blocks;
 * `user` messages hold tool_result blocks; `result` ends the turn with is_error, session_id,
 * total_cost_usd (USD) and usage. With `--permission-prompt-tool stdio`, `control_request`
 * `{request_id, request: {subtype: "can_use_tool", tool_name, input}}` asks before a tool runs and
 * becomes a `permission` signal. Non-JSON lines are shown as they are.
 */
export function parseClaudeLine(line: string): AgentSignal[] {
  // The pty adds \r and, at exit, a line of terminal-reset sequences; stderr is mixed in.
  const read = readJsonLine(line);
  if (Array.isArray(read)) return read;
  const { event } = read;
  const out: AgentSignal[] = [];
  if (typeof event.session_id === 'string' && (event.type === 'system' || event.type === 'result')) {
    out.push({ type: 'session', sessionId: event.session_id });
  }
  const message = event.message as { content?: Block[] } | undefined;
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init')
        out.push({ type: 'display', text: `claude session ${String(event.session_id)}` });
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
    case 'control_request': {
      const request = event.request as
        { subtype?: unknown; tool_name?: unknown; input?: unknown } | undefined;
      if (request?.subtype !== 'can_use_tool' || typeof event.request_id !== 'string') {
        // Only sent for features haco does not turn on (hooks, MCP over the SDK): nothing to answer.
        out.push({ type: 'display', text: `? unhandled control request ${String(request?.subtype)}` });
        break;
      }
      const tool = typeof request.tool_name === 'string' ? request.tool_name : 'unknown';
      const input =
        request.input && typeof request.input === 'object' ? (request.input as Record<string, unknown>) : {};
      out.push({
        type: 'permission',
        request: { requestId: event.request_id, tool, input, action: claudeToolAction(tool, input) },
      });
      break;
    }
    case 'result': {
      const cost = typeof event.total_cost_usd === 'number' ? event.total_cost_usd : undefined;
      const usage = claudeUsage(event.usage);
      const ok = event.is_error !== true && event.subtype === 'success';
      const result = typeof event.result === 'string' ? event.result : String(event.subtype ?? '');
      out.push({ type: 'display', text: `${ok ? '✔' : '✘'} ${result.split('\n')[0] ?? ''}` });
      out.push({
        type: 'done',
        ok,
        ...(cost === undefined ? {} : { costUsd: cost }),
        ...(usage === undefined ? {} : { usage }),
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
 * Claude Code's stdin in `--input-format stream-json` mode (Claude Code 2.1.112, the same messages
 * the Agent SDK sends): the prompt as one `user` message; each `can_use_tool` control request
 * answered by a `control_response` with `{behavior: "allow", updatedInput}` or
 * `{behavior: "deny", message}` (the model gets the message as an error tool_result). claude stays
 * alive after `result` until stdin ends.
 */
export const claudeStdin: StdinProtocol = {
  fifo: 'stdin.fifo',
  initialInput(_task, ctx) {
    return [
      JSON.stringify({
        type: 'user',
        message: { role: 'user', content: ctx.prompt },
        parent_tool_use_id: null,
        session_id: '',
      }),
    ];
  },
  answerPermission(request: PermissionRequest, decision: PermissionDecision) {
    const response =
      decision.behavior === 'allow'
        ? { behavior: 'allow', updatedInput: request.input }
        : { behavior: 'deny', message: decision.message };
    return JSON.stringify({
      type: 'control_response',
      response: { subtype: 'success', request_id: request.requestId, response },
    });
  },
  describePermission(request, decision) {
    return `? ${toolCall(request.tool, request.input)} — ${decision.behavior === 'allow' ? 'allowed' : 'denied'}`;
  },
};

/**
 * What Claude Code reads from its environment (Claude Code 2.1 settings docs, "Environment
 * variables"): its API settings and keys (`ANTHROPIC_*`), its own switches (`CLAUDE_CODE_*`,
 * `CLAUDE_CONFIG_DIR`, `DISABLE_*`, `MAX_THINKING_TOKENS`, `MCP_*`), and proxies and CA
 * certificates (`HTTP(S)_PROXY`, `NO_PROXY`, `NODE_EXTRA_CA_CERTS`). Bedrock and Vertex users add
 * their cloud credentials with the agent's `env_passthrough` (e.g. `AWS_*`).
 */
export const CLAUDE_ENV: readonly string[] = [
  'ANTHROPIC_*',
  'CLAUDE_CODE_*',
  'CLAUDE_CONFIG_DIR',
  'DISABLE_*',
  'MAX_THINKING_TOKENS',
  'MCP_*',
  ...PROXY_ENV,
  'NODE_EXTRA_CA_CERTS',
];

/** The executable an attempt starts: the config's `command`, else `claude` on PATH. */
const claudeCommand = (config: ClaudeCodeAgentConfig): string => config.command ?? 'claude';

/**
 * `claude-code`: Claude Code in headless stream-json mode, reading its prompt and permission
 * answers on stdin: `claude -p --verbose --input-format stream-json --output-format stream-json
 * --permission-prompt-tool stdio --permission-mode default --allowedTools <READ_TOOLS>` (flags from
 * Claude Code 2.1 `--help`). Only reads are pre-approved, so every write and shell command reaches
 * haco as a `permission` signal before it runs. Done at the `result` event; stdin is then closed
 * and claude exits. (claude ignores a terminal stdin in `-p` mode, hence `stdin`: a FIFO.)
 */
export const claudeCodeAdapter = {
  type: 'claude-code',
  configSchema: ClaudeCodeAgentSchema,
  example: { type: 'claude-code', model: 'sonnet' },
  completion: { kind: 'protocol', parseLine: parseClaudeLine, stdin: claudeStdin },
  envPassthrough: CLAUDE_ENV,
  program: {
    command: claudeCommand,
    // The package of the `claude` bin (Claude Code docs, "Set up Claude Code").
    install: 'npm i -g @anthropic-ai/claude-code',
  },
  // `--resume <session_id>` (Claude Code 2.1.112 `--help`) continues the session with its history;
  // the resume prompt is the stream-json user message (claudeStdin.initialInput).
  canResume: true,
  launch(config, _task, ctx) {
    const args = ['-p', '--verbose', '--input-format', 'stream-json', '--output-format', 'stream-json'];
    if (ctx.resume) args.push('--resume', ctx.resume.sessionId);
    args.push(
      '--permission-prompt-tool',
      'stdio',
      '--permission-mode',
      'default',
      '--allowedTools',
      ...READ_TOOLS,
    );
    if (config.model) args.push('--model', config.model);
    args.push(...(config.args ?? []));
    return { command: claudeCommand(config), args, env: { ...config.env } };
  },
} satisfies AgentAdapter<ClaudeCodeAgentConfig>;

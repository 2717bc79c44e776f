import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { z } from 'zod';

import { CommonAgentFields } from '../src/config/agent-fields.js';
import type { TokenUsage } from '../src/orchestrator/usage.js';
import { askRequestReader, describeAsked } from './asking.js';
import { codexDenyOutput, codexToolAction } from './codex-hook.js';
import { PROXY_ENV } from './env.js';
import { readJsonLine } from './json-lines.js';
import type { AgentAdapter, AgentSignal, Completion } from './types.js';

/** `codex`: the OpenAI Codex CLI (`codex exec --json`). */
export const CodexAgentSchema = z.strictObject({
  type: z.literal('codex'),
  /** Executable to run; default `codex` on PATH. */
  command: z.string().min(1).optional(),
  /** Model slug (config.toml `model`); codex's default when absent. */
  model: z.string().min(1).optional(),
  /**
   * A Responses API endpoint (e.g. `http://127.0.0.1:8080/v1`; codex POSTs `<base_url>/responses`):
   * haco then configures a custom model provider for it. Absent: codex's built-in OpenAI provider.
   */
  base_url: z.url().optional(),
  /** Name of the variable holding the API key for `base_url` (provider `env_key`); none is sent when absent. */
  env_key: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  ...CommonAgentFields,
});

/** A `codex` agent's configuration. */
export type CodexAgentConfig = z.output<typeof CodexAgentSchema>;

/**
 * Normalises `turn.completed.usage` of `codex exec --json` (`input_tokens` counting cached input,
 * `cached_input_tokens`, `output_tokens`, `reasoning_output_tokens`): the thread's totals.
 * Undefined when the event has no usage object.
 */
export function codexUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const n = (key: string): number => (typeof u[key] === 'number' ? u[key] : 0);
  return { inputTokens: n('input_tokens'), outputTokens: n('output_tokens'), raw: usage };
}

type Item = {
  type?: string;
  text?: string;
  message?: string;
  command?: string;
  exit_code?: number | null;
  status?: string;
  changes?: { path?: string; kind?: string }[];
};

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

function describeItem(event: string, item: Item): string[] {
  switch (item.type) {
    case 'agent_message':
      return event === 'item.completed' && item.text ? [item.text] : [];
    case 'command_execution':
      if (event === 'item.started') return [`● $ ${item.command ?? ''}`];
      return event === 'item.completed' ? [`  ⎿ exit ${String(item.exit_code ?? '?')}`] : [];
    case 'file_change':
      if (event !== 'item.completed') return [];
      return (item.changes ?? []).map(
        (c) =>
          `● ${item.status === 'completed' ? '' : `${item.status ?? 'failed'}: `}${c.kind ?? 'change'} ${c.path ?? ''}`,
      );
    case 'error':
      // Warnings (model metadata, hook trust): the turn goes on.
      return event === 'item.completed' ? [`! ${firstLine(item.message ?? '')}`] : [];
    default:
      return [];
  }
}

/**
 * Reads one line of `codex exec --json` (codex 0.171; research/agent-clis-offline.md §1.2):
 * `thread.started` carries the session (thread) id; `item.*` events hold agent messages, shell
 * commands and file changes (an item of type `error` is a warning); `turn.completed` ends the
 * attempt with the thread's token usage (codex reports no cost); `turn.failed`, or an `error`
 * event other than a retry notice (`Reconnecting…`), fails it. Other lines (stderr in the pty)
 * are shown as they are.
 */
export function parseCodexLine(line: string): AgentSignal[] {
  const read = readJsonLine(line);
  if (Array.isArray(read)) return read;
  const { event } = read;
  switch (event.type) {
    case 'thread.started':
      if (typeof event.thread_id !== 'string') return [];
      return [
        { type: 'session', sessionId: event.thread_id },
        { type: 'display', text: `codex thread ${event.thread_id}` },
      ];
    case 'item.started':
    case 'item.completed':
      return describeItem(event.type, (event.item ?? {}) as Item).map((text) => ({ type: 'display', text }));
    case 'turn.completed': {
      const usage = codexUsage(event.usage);
      return [
        { type: 'display', text: '✔ turn completed' },
        { type: 'done', ok: true, ...(usage === undefined ? {} : { usage }) },
      ];
    }
    case 'turn.failed': {
      const error = event.error as { message?: unknown } | undefined;
      const message = typeof error?.message === 'string' ? error.message : 'turn failed';
      return [
        { type: 'display', text: `✘ ${firstLine(message)}` },
        { type: 'done', ok: false, message },
      ];
    }
    case 'error': {
      const message = typeof event.message === 'string' ? event.message : 'error';
      if (message.startsWith('Reconnecting')) return [{ type: 'display', text: `! ${firstLine(message)}` }];
      return [
        { type: 'display', text: `✘ ${firstLine(message)}` },
        { type: 'done', ok: false, message },
      ];
    }
    default:
      return [];
  }
}

/**
 * What codex reads from haco's environment: OpenAI settings and keys (`OPENAI_*`, `CODEX_API_KEY`),
 * proxies and CA certificates. A custom provider's `env_key` variable is added with the agent's
 * `env_passthrough` (unless it starts with `OPENAI_`).
 */
export const CODEX_ENV: readonly string[] = [
  'OPENAI_*',
  'CODEX_API_KEY',
  ...PROXY_ENV,
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * Reads a request of haco's codex hook (`CodexAskMessage`, ./codex-hook.ts) into a permission request;
 * undefined when the message has no tool name.
 */
export const codexAskRequest = askRequestReader('codex', (tool, input, message) => {
  const cwd = (message as { cwd?: unknown }).cwd;
  return codexToolAction({ tool, input, ...(typeof cwd === 'string' ? { cwd } : {}) });
});

/** A TOML basic string (JSON string escapes are valid TOML basic-string escapes). */
const tomlString = (s: string): string => JSON.stringify(s);

/** `path` as one shell word (codex runs a hook's `command` with the shell). */
const shellWord = (path: string): string =>
  /^[A-Za-z0-9_./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;

/**
 * config.toml for one attempt: the model, a custom Responses provider `haco` at `base_url` (no
 * retries past codex's defaults are changed), analytics and plugins off (both reach the network
 * on their own: research §1.1).
 */
function configToml(config: CodexAgentConfig): string {
  const lines: string[] = [];
  if (config.model) lines.push(`model = ${tomlString(config.model)}`);
  if (config.base_url) {
    lines.push('model_provider = "haco"', '[model_providers.haco]', 'name = "haco"');
    lines.push(`base_url = ${tomlString(config.base_url)}`, 'wire_api = "responses"');
    if (config.env_key) lines.push(`env_key = ${tomlString(config.env_key)}`);
  }
  lines.push('[analytics]', 'enabled = false', '[features]', 'plugins = false', '');
  return lines.join('\n');
}

/**
 * The hook wrapper: imports the built codex-hook module and runs it; on any error (the module
 * missing, bad input) it denies with exit code 2, since codex runs a tool whose hook crashed.
 */
function hookScript(hookModule: string): string {
  const fallback = codexDenyOutput('haco ownership hook failed; write refused');
  return [
    `#!${process.execPath}`,
    'try {',
    `  const { runCodexHook } = await import(${JSON.stringify(hookModule)});`,
    '  await runCodexHook();',
    '} catch (error) {',
    `  process.stdout.write(${JSON.stringify(`${fallback}\n`)});`,
    '  process.stderr.write(`haco ownership hook failed: ${String(error?.message ?? error)}; write refused\\n`);',
    '  process.exit(2);',
    '}',
    '',
  ].join('\n');
}

/** The executable an attempt starts: the config's `command`, else `codex` on PATH. */
const codexCommand = (config: CodexAgentConfig): string => config.command ?? 'codex';

/**
 * `codex`: the Codex CLI run once per attempt as `codex exec --json --sandbox workspace-write
 * --dangerously-bypass-hook-trust -c hooks.PreToolUse=[…] <prompt>` (codex 0.171,
 * research/agent-clis-offline.md §1) in the pty (a terminal stdin: codex reads a piped stdin into
 * the prompt). `launch` writes `codex-home/config.toml` in the task's directory (CODEX_HOME: model,
 * provider for `base_url`; shared by the task's attempts, since codex keeps its sessions there) and,
 * in the attempt directory, `codex-hook.mjs`, the PreToolUse hook that asks haco on the ask channel
 * before every tool call (./codex-hook.ts): a patch outside the task's owned files is refused (or
 * put to the user) before the write, shell commands follow `bash_allow`. Done at `turn.completed`.
 * A resumed attempt runs `codex exec <exec flags> resume <thread_id> -- <prompt>` (exec flags
 * before `resume`: `codex exec resume --help` of 0.171 has no `--sandbox`; §1.6).
 */
export const codexAdapter = {
  type: 'codex',
  configSchema: CodexAgentSchema,
  example: { type: 'codex', model: 'gpt-5.5' },
  // Typed as the union so code reading `completion.stdin` across ADAPTERS sees it is optional.
  completion: {
    kind: 'protocol',
    parseLine: parseCodexLine,
    ask: {
      readRequest: codexAskRequest,
      describePermission: describeAsked,
    },
  } as Completion,
  envPassthrough: CODEX_ENV,
  program: {
    command: codexCommand,
    // The package of the `codex` bin (openai/codex README, "Quickstart").
    install: 'npm i -g @openai/codex',
  },
  canResume: true,
  launch(config, task, ctx) {
    // Per task, not per attempt: `resume <thread_id>` needs the CODEX_HOME holding the session.
    const codexHome = join(dirname(ctx.attemptDir), 'codex-home');
    mkdirSync(codexHome, { recursive: true, mode: 0o700 });
    writeFileSync(join(codexHome, 'config.toml'), configToml(config));
    const hookFile = join(ctx.attemptDir, 'codex-hook.mjs');
    const hookModule = new URL('./codex-hook.js', import.meta.url).href;
    writeFileSync(hookFile, hookScript(hookModule));
    chmodSync(hookFile, 0o755);
    // codex runs the tool when its hook times out: the hook may wait (a breakpoint) until the
    // attempt's own timeout kills codex, never less.
    const hookTimeoutS = Math.ceil(task.timeoutMs / 1000) + 60;
    const hooks = `hooks.PreToolUse=[{matcher="*",hooks=[{type="command",command=${tomlString(shellWord(hookFile))},timeout=${hookTimeoutS}}]}]`;
    const args = ['exec', '--json', '--sandbox', 'workspace-write', '--dangerously-bypass-hook-trust'];
    // `--`: a prompt is never read as an option.
    const resume = ctx.resume ? ['resume', ctx.resume.sessionId] : [];
    args.push('-c', hooks, ...(config.args ?? []), ...resume, '--', ctx.prompt);
    return {
      command: codexCommand(config),
      args,
      env: {
        ...config.env,
        CODEX_HOME: codexHome,
        HACO_REPO_ROOT: ctx.repoRoot,
        // Unset (no ask channel): the hook refuses every tool call.
        ...(ctx.askSocket === undefined ? {} : { HACO_ASK_SOCKET: ctx.askSocket }),
      },
    };
  },
} satisfies AgentAdapter<CodexAgentConfig>;

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { z } from 'zod';

import { CommonAgentFields } from '../src/config/agent-fields.js';
import type { TokenUsage } from '../src/orchestrator/usage.js';
import { describeAsked } from './asking.js';
import { PROXY_ENV } from './env.js';
import { readJsonLine } from './json-lines.js';
import { opencodeAskRequest, opencodePermission, pluginScript } from './opencode-permissions.js';
import type { AgentAdapter, AgentSignal, Completion } from './types.js';

/** `opencode`: the OpenCode CLI (opencode-ai 1.18) in `opencode run --format json` mode. */
export const OpencodeAgentSchema = z.strictObject({
  type: z.literal('opencode'),
  /** Executable to run; default `opencode` on PATH. */
  command: z.string().min(1).optional(),
  /** `provider/model`, passed as `-m` (e.g. `anthropic/claude-sonnet-4-5`, `local/qwen3`). */
  model: z.string().regex(/^[^/\s]+\/\S+$/, 'expected provider/model, e.g. anthropic/claude-sonnet-4-5'),
  /**
   * An OpenAI-compatible endpoint (`http://host:port/v1`): haco then defines the model's provider
   * for opencode (`@ai-sdk/openai-compatible`, priced with `price` when given). Without it opencode
   * uses the providers of its own configuration.
   */
  base_url: z.url().optional(),
  ...CommonAgentFields,
});

/** An `opencode` agent's configuration. */
export type OpencodeAgentConfig = z.output<typeof OpencodeAgentSchema>;

export {
  opencodeAskRequest,
  opencodeEditRules,
  opencodePermission,
  opencodeToolAction,
  type OpencodeRules,
} from './opencode-permissions.js';

/** What opencode says when a `permission` rule refused a tool call (1.18.33). */
const REFUSAL = 'prevents you from using this specific tool call';

/** Per opencode session: tokens and cost summed over its steps, until the run's last step. */
interface Totals {
  input: number;
  output: number;
  cost: number;
  steps: unknown[];
}
/**
 * Sums by `sessionID` (every event carries it), so one stateless `parseLine` serves attempts
 * running at the same moment. An entry is dropped at its session's last step or error.
 */
const TOTALS = new Map<string, Totals>();

type Part = {
  text?: string;
  tool?: string;
  reason?: string;
  cost?: number;
  tokens?: { input?: number; output?: number; reasoning?: number; cache?: { read?: number; write?: number } };
  state?: { status?: string; input?: Record<string, unknown>; output?: unknown; error?: unknown };
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const firstLine = (v: unknown): string =>
  typeof v === 'string' ? (v.split('\n')[0] ?? '').slice(0, 200) : '';

/** `write(src/a.ts)`, `bash(npm test)`: a tool and what it acts on. */
function toolCall(part: Part): string {
  const input = part.state?.input ?? {};
  const target = input.filePath ?? input.command ?? input.pattern ?? input.url ?? input.path ?? '';
  return `${part.tool ?? 'tool'}(${String(target)})`;
}

/**
 * Reads one line of `opencode run --format json` (opencode 1.18.33, research/agent-clis-offline.md
 * §2.3): `{type, timestamp, sessionID, part|error}` with `step_start`, `text` (whole text),
 * `tool_use` (finished calls: `state.status` completed|error, a refusal by a permission rule is an
 * error), `step_finish` (`part.reason` tool-calls|stop|…, `part.tokens`, `part.cost` USD) and
 * `error`. The first event of a session gives the `session` signal; the run ends at the first
 * `step_finish` whose reason is not `tool-calls` (`done` with the summed tokens and cost; a cost
 * of 0 — a model without prices — is left out so the config's `price` applies), or at `error`
 * (`done`, not ok). Other lines (stderr) are shown as they are.
 */
export function parseOpencodeLine(line: string): AgentSignal[] {
  const read = readJsonLine(line);
  if (Array.isArray(read)) return read;
  const { event } = read;
  const out: AgentSignal[] = [];
  const sessionId = typeof event.sessionID === 'string' ? event.sessionID : '';
  let totals = TOTALS.get(sessionId);
  if (!totals) {
    totals = { input: 0, output: 0, cost: 0, steps: [] };
    TOTALS.set(sessionId, totals);
    if (sessionId) {
      out.push({ type: 'session', sessionId });
      out.push({ type: 'display', text: `opencode session ${sessionId}` });
    }
  }
  const part = (event.part ?? {}) as Part;
  switch (event.type) {
    case 'text':
      if (part.text) out.push({ type: 'display', text: part.text });
      break;
    case 'tool_use': {
      out.push({ type: 'display', text: `● ${toolCall(part)}` });
      const status = part.state?.status;
      if (status === 'error') {
        const error = firstLine(part.state?.error);
        const refused = typeof part.state?.error === 'string' && part.state.error.includes(REFUSAL);
        out.push({ type: 'display', text: `  ⎿ ${refused ? 'refused' : 'error'}: ${error}` });
      } else {
        out.push({ type: 'display', text: `  ⎿ ${status ?? 'done'}: ${firstLine(part.state?.output)}` });
      }
      break;
    }
    case 'step_finish': {
      const t = part.tokens ?? {};
      totals.input += num(t.input) + num(t.cache?.read) + num(t.cache?.write);
      totals.output += num(t.output) + num(t.reasoning);
      totals.cost += num(part.cost);
      totals.steps.push(part.tokens);
      if (part.reason === 'tool-calls') break;
      TOTALS.delete(sessionId);
      const usage: TokenUsage = { inputTokens: totals.input, outputTokens: totals.output, raw: totals.steps };
      const ok = part.reason !== 'error' && part.reason !== 'content-filter';
      out.push({ type: 'display', text: `${ok ? '✔' : '✘'} finished (${String(part.reason)})` });
      out.push({
        type: 'done',
        ok,
        usage,
        ...(totals.cost > 0 ? { costUsd: totals.cost } : {}),
        message: `opencode finished: ${String(part.reason)}`,
      });
      break;
    }
    case 'error': {
      TOTALS.delete(sessionId);
      const error = (event.error ?? {}) as { name?: unknown; data?: { message?: unknown } };
      const message = `${String(error.name ?? 'error')}: ${String(error.data?.message ?? '')}`;
      out.push({ type: 'display', text: `✘ ${message}` });
      out.push({ type: 'done', ok: false, message });
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * What opencode reads from its environment: its own settings (`OPENCODE_*`), the XDG directories
 * it keeps its data in, provider keys of the common providers, and proxies and CA certificates.
 * Other providers' keys come with the agent's `env_passthrough`.
 */
export const OPENCODE_ENV: readonly string[] = [
  'OPENCODE_*',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_CACHE_HOME',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
  'GOOGLE_GENERATIVE_AI_API_KEY',
  ...PROXY_ENV,
  'NODE_EXTRA_CA_CERTS',
];

/** The executable an attempt starts: the config's `command`, else `opencode` on PATH. */
const opencodeCommand = (config: OpencodeAgentConfig): string => config.command ?? 'opencode';

/** The part of `OPENCODE_CONFIG_CONTENT` for a config with `base_url`: its provider, priced with `price`. */
function providerConfig(config: OpencodeAgentConfig, baseUrl: string): Record<string, unknown> {
  const slash = config.model.indexOf('/');
  const provider = config.model.slice(0, slash);
  const model = config.model.slice(slash + 1);
  const cost = config.price
    ? { cost: { input: config.price.input_per_mtok, output: config.price.output_per_mtok } }
    : {};
  return {
    model: config.model,
    provider: {
      [provider]: {
        npm: '@ai-sdk/openai-compatible',
        // A local OpenAI-compatible server takes any key; the SDK wants one.
        options: { baseURL: baseUrl, apiKey: 'haco' },
        models: { [model]: cost },
      },
    },
  };
}

/**
 * `opencode`: `opencode run --format json -m <model> <prompt>` (opencode 1.18.33, verified in
 * research/agent-clis-offline.md §2), stdin the pty (an open pipe would hang it). Before each tool
 * call haco's plugin (`plugin` in `OPENCODE_CONFIG_CONTENT`, ./opencode-plugin.ts) asks haco on
 * the ask channel, so writes outside the task's files are refused (or put to the user with
 * `permissions.outside_write: breakpoint`) and shell commands follow `bash_allow`; with `deny`,
 * opencode's own edit rules ({@link opencodePermission}) refuse outside writes too. Done at the
 * run's last step (see {@link parseOpencodeLine}); `--session <id>` resumes.
 */
export const opencodeAdapter = {
  type: 'opencode',
  configSchema: OpencodeAgentSchema,
  example: { type: 'opencode', model: 'anthropic/claude-sonnet-4-5' },
  // Typed as the union: opencode reads no protocol on stdin (its stdin is the pty).
  completion: {
    kind: 'protocol',
    parseLine: parseOpencodeLine,
    ask: { readRequest: opencodeAskRequest, describePermission: describeAsked },
  } as Completion,
  envPassthrough: OPENCODE_ENV,
  program: {
    command: opencodeCommand,
    // The package of the `opencode` bin (opencode docs, "Install").
    install: 'npm i -g opencode-ai',
  },
  // `--session <id>` continues the session with its history (research/agent-clis-offline.md §2.6).
  canResume: true,
  launch(config, task, ctx) {
    const session = ctx.resume ? ['--session', ctx.resume.sessionId] : [];
    const args = [
      'run',
      '--format',
      'json',
      ...session,
      '-m',
      config.model,
      ...(config.args ?? []),
      ctx.prompt,
    ];
    // haco's plugin asks before every tool. Named in the config content (a `file://` plugin):
    // an extra config directory would make opencode install its plugin packages there first.
    const pluginFile = join(ctx.attemptDir, 'opencode-plugin.js');
    const pluginModule = new URL('./opencode-plugin.js', import.meta.url).href;
    writeFileSync(pluginFile, pluginScript(pluginModule), { mode: 0o600 });
    // With `deny`, opencode's own edit rules refuse outside writes too (a second line behind the
    // plugin); with `breakpoint` they must not, or a write the user approved would still fail.
    const permission =
      ctx.outsideWrite === 'breakpoint'
        ? { edit: 'allow', external_directory: 'deny' }
        : opencodePermission(task.files);
    const env: Record<string, string> = {
      ...config.env,
      OPENCODE_PERMISSION: JSON.stringify(permission),
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        ...(config.base_url ? providerConfig(config, config.base_url) : {}),
        plugin: [pathToFileURL(pluginFile).href],
      }),
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      // Unset (no ask channel): the plugin refuses every tool call.
      ...(ctx.askSocket === undefined ? {} : { HACO_ASK_SOCKET: ctx.askSocket }),
    };
    if (config.base_url) {
      env.OPENCODE_DISABLE_MODELS_FETCH = '1';
    }
    return { command: opencodeCommand(config), args, env };
  },
} satisfies AgentAdapter<OpencodeAgentConfig>;

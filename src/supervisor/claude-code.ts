import { execa } from 'execa';

import { CLAUDE_ENV } from '../../agents/claude-code.js';
import type { SupervisorConfig } from '../config/schema.js';
import { BASE_ENV, envNameMatches, minimalEnv } from '../sessions/child-env.js';
import {
  oneLine,
  SupervisorUnavailableError,
  type Completion,
  type CompletionRequest,
  type SupervisorClient,
} from './provider.js';

/** Longest wait for one planning answer from the CLI, ms. */
export const CLAUDE_PLAN_TIMEOUT_MS = 15 * 60_000;

/** The read-only tools the planner's Claude Code may use to look around the repository. */
const READ_ONLY_TOOLS = 'Read,Glob,Grep';

/** `claude -p --output-format json`'s last object (claude 2.1.112). */
interface ClaudeResult {
  type?: string;
  is_error?: boolean;
  result?: string;
  total_cost_usd?: number;
  usage?: {
    input_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
    output_tokens?: number;
  };
}

/**
 * The `claude-code` provider: the user's Claude Code CLI, `claude -p --output-format json
 * --system-prompt S --tools Read,Glob,Grep`, the prompt on stdin (no argv length limit), run in
 * the repository root through execa with a minimal environment (the basics plus Claude Code's own
 * variables, CLAUDE_ENV, read from the `env` given). claude 2.1.112 has `--json-schema`, but it then insists on a
 * `StructuredOutput` tool call and re-asks forever when a model answers text (seen against the
 * scripted server), so the schema goes in the system prompt and the planner validates the answer.
 * Cost and usage come from the result object (`total_cost_usd`, `usage`). The answer arrives
 * whole: `onText` is called once. `base_url` sets ANTHROPIC_BASE_URL; `api_key_env` names a
 * variable whose value is passed as ANTHROPIC_API_KEY.
 */
export function claudeCodeClient(
  config: SupervisorConfig,
  cwd: string,
  env: NodeJS.ProcessEnv,
): SupervisorClient {
  const command = config.command ?? 'claude';
  const model = config.model ?? 'default';
  return {
    provider: 'claude-code',
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const args = ['-p', '--output-format', 'json', '--system-prompt', request.system];
      args.push('--tools', READ_ONLY_TOOLS);
      if (config.model) args.push('--model', config.model);
      // The basics and Claude Code's own variables, taken from `env` (haco's, or a test's).
      const extra: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(env))
        if ([...BASE_ENV, ...CLAUDE_ENV].some((p) => envNameMatches(name, p))) extra[name] = value;
      if (config.base_url) extra.ANTHROPIC_BASE_URL = config.base_url;
      if (config.api_key_env) extra.ANTHROPIC_API_KEY = env[config.api_key_env];
      const result = await execa(command, args, {
        cwd,
        env: minimalEnv([], extra),
        extendEnv: false,
        input: request.prompt,
        reject: false,
        timeout: CLAUDE_PLAN_TIMEOUT_MS,
        ...(request.signal ? { cancelSignal: request.signal } : {}),
      });
      let parsed: ClaudeResult | undefined;
      try {
        parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ClaudeResult;
      } catch {
        parsed = undefined;
      }
      if (result.failed || !parsed || parsed.is_error === true || typeof parsed.result !== 'string') {
        const why = result.code === 'ENOENT' ? `${command} not found on PATH` : undefined;
        const said = parsed?.result ?? (oneLine(result.stderr) || oneLine(result.stdout));
        throw new SupervisorUnavailableError(
          'claude-code',
          why ??
            `${command} failed${result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`}: ${said || 'no output'}`,
        );
      }
      request.onText?.(parsed.result);
      const u = parsed.usage ?? {};
      const usage = {
        inputTokens:
          (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
        outputTokens: u.output_tokens ?? 0,
        raw: u,
      };
      return {
        text: parsed.result,
        usage,
        ...(typeof parsed.total_cost_usd === 'number' ? { costUsd: parsed.total_cost_usd } : {}),
      };
    },
  };
}

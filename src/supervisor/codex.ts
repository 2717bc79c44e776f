import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { execa } from 'execa';

import { CODEX_ENV, codexUsage } from '../../agents/codex.js';
import type { SupervisorConfig } from '../config/schema.js';
import { BASE_ENV, envNameMatches, minimalEnv } from '../sessions/child-env.js';
import { attemptCost } from '../orchestrator/usage.js';
import {
  oneLine,
  SupervisorUnavailableError,
  type Completion,
  type CompletionRequest,
  type SupervisorClient,
} from './provider.js';

/** The last non-empty line of a CLI's stderr (codex prints warnings before the cause). */
function lastLine(text: string): string {
  return oneLine(text.trim().split('\n').pop() ?? '');
}

/** Longest wait for one planning answer from the CLI, ms. */
export const CODEX_PLAN_TIMEOUT_MS = 15 * 60_000;

/**
 * config.toml of a private CODEX_HOME for `base_url`: a custom Responses provider `haco` (codex
 * 0.171 ignores OPENAI_BASE_URL; research/agent-clis-offline.md §1.1), analytics and plugins off.
 */
function configToml(config: SupervisorConfig): string {
  const lines = ['model_provider = "haco"', '[model_providers.haco]', 'name = "haco"'];
  lines.push(`base_url = ${JSON.stringify(config.base_url)}`, 'wire_api = "responses"');
  if (config.api_key_env) lines.push(`env_key = ${JSON.stringify(config.api_key_env)}`);
  lines.push('[analytics]', 'enabled = false', '[features]', 'plugins = false', '');
  return lines.join('\n');
}

/**
 * The `codex` provider: `codex exec --json --ephemeral --sandbox read-only --output-schema FILE -`
 * (codex 0.171 `codex exec --help`: `--output-schema` is "a JSON Schema file describing the
 * model's final response shape"), system and prompt together on stdin, in the repository root,
 * with a minimal environment (the basics and CODEX_ENV, from `env`). Without `base_url` codex uses
 * the user's own login and CODEX_HOME (a subscription); with it, a private temporary CODEX_HOME
 * holds a custom provider and is removed afterwards. The answer is the last `agent_message`;
 * usage from `turn.completed`; codex reports no cost, so config `price` prices the tokens.
 * `onText` is called once with the whole answer.
 */
export function codexClient(config: SupervisorConfig, cwd: string, env: NodeJS.ProcessEnv): SupervisorClient {
  const command = config.command ?? 'codex';
  return {
    provider: 'codex',
    model: config.model ?? 'default',
    async complete(request: CompletionRequest): Promise<Completion> {
      const scratch = mkdtempSync(join(tmpdir(), 'haco-supervisor-'));
      try {
        const schemaFile = join(scratch, `${request.schemaName}.schema.json`);
        writeFileSync(schemaFile, JSON.stringify(request.schema));
        const extra: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(env))
          if ([...BASE_ENV, ...CODEX_ENV].some((p) => envNameMatches(name, p)) || name === config.api_key_env)
            extra[name] = value;
        if (config.base_url) {
          writeFileSync(join(scratch, 'config.toml'), configToml(config));
          extra.CODEX_HOME = scratch;
        }
        const args = ['exec', '--json', '--ephemeral', '--skip-git-repo-check', '--sandbox', 'read-only'];
        args.push('--output-schema', schemaFile);
        if (config.model) args.push('--model', config.model);
        args.push('-');
        const result = await execa(command, args, {
          cwd,
          env: minimalEnv([], extra),
          extendEnv: false,
          input: `${request.system}\n\n${request.prompt}`,
          reject: false,
          timeout: CODEX_PLAN_TIMEOUT_MS,
          ...(request.signal ? { cancelSignal: request.signal } : {}),
        });
        let text: string | undefined;
        let usage: Completion['usage'] = { inputTokens: 0, outputTokens: 0 };
        let failure: string | undefined;
        for (const line of result.stdout.split('\n')) {
          let event: {
            type?: string;
            item?: { type?: string; text?: string };
            usage?: unknown;
            error?: { message?: string };
            message?: string;
          };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            continue; // not an event line
          }
          if (event.type === 'item.completed' && event.item?.type === 'agent_message') text = event.item.text;
          else if (event.type === 'turn.completed') usage = codexUsage(event.usage) ?? usage;
          else if (event.type === 'turn.failed') failure = event.error?.message ?? 'turn failed';
          else if (event.type === 'error' && !event.message?.startsWith('Reconnecting'))
            failure = event.message ?? 'error';
        }
        if (text === undefined || failure !== undefined) {
          const why =
            result.code === 'ENOENT'
              ? `${command} not found on PATH`
              : `${command} failed${result.exitCode ? ` (exit ${result.exitCode})` : ''}: ${failure ?? (lastLine(result.stderr) || 'no answer')}`;
          throw new SupervisorUnavailableError('codex', why);
        }
        request.onText?.(text);
        const costUsd = attemptCost(undefined, usage, config.price);
        return { text, usage, ...(costUsd === undefined ? {} : { costUsd }) };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}

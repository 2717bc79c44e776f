import Anthropic from '@anthropic-ai/sdk';

import type { SupervisorConfig } from '../config/schema.js';
import { attemptCost } from '../orchestrator/usage.js';
import {
  SupervisorUnavailableError,
  type Completion,
  type CompletionRequest,
  type SupervisorClient,
} from './provider.js';

/** Model asked when config `supervisor.model` is unset. */
export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';

/**
 * The `anthropic` provider: the Messages API through @anthropic-ai/sdk 1.15 `messages.stream`.
 * The output is constrained by one tool named `schemaName` whose `input_schema` is the schema,
 * with `tool_choice` forcing it (Anthropic docs, "Tool use: forcing tool use"); the tool call's
 * input is the answer. A model (or compatible server) that answers with text instead is read as
 * JSON text. The key comes from the variable named by `api_key_env` (default ANTHROPIC_API_KEY);
 * `base_url` points at another endpoint. Cost: tokens priced with config `price`, else unknown.
 */
export function anthropicClient(config: SupervisorConfig, env: NodeJS.ProcessEnv): SupervisorClient {
  const model = config.model ?? ANTHROPIC_DEFAULT_MODEL;
  const keyName = config.api_key_env ?? 'ANTHROPIC_API_KEY';
  return {
    provider: 'anthropic',
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const apiKey = env[keyName];
      if (!apiKey) throw new SupervisorUnavailableError('anthropic', `no API key: ${keyName} is not set`);
      const client = new Anthropic({
        apiKey,
        maxRetries: 0,
        ...(config.base_url ? { baseURL: config.base_url } : {}),
      });
      try {
        const stream = client.messages.stream(
          {
            model,
            max_tokens: config.max_tokens,
            system: request.system,
            messages: [{ role: 'user', content: request.prompt }],
            tools: [
              {
                name: request.schemaName,
                description: `Submit the ${request.schemaName}.`,
                input_schema: request.schema as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: 'tool', name: request.schemaName },
          },
          request.signal ? { signal: request.signal } : {},
        );
        stream.on('text', (chunk) => request.onText?.(chunk));
        stream.on('inputJson', (chunk) => request.onText?.(chunk));
        const message = await stream.finalMessage();
        const call = message.content.find((b) => b.type === 'tool_use' && b.name === request.schemaName);
        const text =
          call?.type === 'tool_use'
            ? JSON.stringify(call.input)
            : message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        const u = message.usage;
        const usage = {
          inputTokens:
            u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
          outputTokens: u.output_tokens,
          raw: u,
        };
        const costUsd = attemptCost(undefined, usage, config.price);
        return {
          text,
          ...(call?.type === 'tool_use' ? { json: call.input } : {}),
          usage,
          ...(costUsd === undefined ? {} : { costUsd }),
        };
      } catch (error) {
        if (error instanceof SupervisorUnavailableError) throw error;
        throw new SupervisorUnavailableError('anthropic', (error as Error).message);
      }
    },
  };
}

import { Ollama } from 'ollama';

import type { SupervisorConfig } from '../config/schema.js';
import { attemptCost } from '../orchestrator/usage.js';
import {
  SupervisorUnavailableError,
  type Completion,
  type CompletionRequest,
  type SupervisorClient,
} from './provider.js';

/** Model asked when config `supervisor.model` is unset. */
export const OLLAMA_DEFAULT_MODEL = 'qwen2.5-coder:14b';

/**
 * The `ollama` provider: ollama-js 0.6 `chat({stream: true, format: <schema>})`, Ollama's
 * structured outputs (docs/api.md, "format": a JSON schema constrains the answer). `host` picks
 * the server (default http://127.0.0.1:11434). Usage from the last chunk's `prompt_eval_count` /
 * `eval_count`; cost only when config `price` is set.
 */
export function ollamaClient(config: SupervisorConfig): SupervisorClient {
  const model = config.model ?? OLLAMA_DEFAULT_MODEL;
  return {
    provider: 'ollama',
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const ollama = new Ollama({ host: config.host ?? 'http://127.0.0.1:11434' });
      const abort = (): void => ollama.abort();
      request.signal?.addEventListener('abort', abort, { once: true });
      try {
        const stream = await ollama.chat({
          model,
          stream: true,
          format: request.schema as object,
          options: { num_predict: config.max_tokens },
          messages: [
            { role: 'system', content: request.system },
            { role: 'user', content: request.prompt },
          ],
        });
        let text = '';
        let inputTokens = 0;
        let outputTokens = 0;
        for await (const part of stream) {
          const chunk = part.message.content;
          if (chunk) {
            text += chunk;
            request.onText?.(chunk);
          }
          if (part.done) {
            inputTokens = part.prompt_eval_count;
            outputTokens = part.eval_count;
          }
        }
        const usage = {
          inputTokens,
          outputTokens,
          raw: { prompt_eval_count: inputTokens, eval_count: outputTokens },
        };
        const costUsd = attemptCost(undefined, usage, config.price);
        return { text, usage, ...(costUsd === undefined ? {} : { costUsd }) };
      } catch (error) {
        throw new SupervisorUnavailableError(
          'ollama',
          `${config.host ?? 'http://127.0.0.1:11434'}: ${(error as Error).message}`,
        );
      } finally {
        request.signal?.removeEventListener('abort', abort);
      }
    },
  };
}

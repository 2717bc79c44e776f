import type { SupervisorConfig } from '../config/schema.js';
import { ExitCode, HacoError } from '../lib/errors.js';
import type { TokenUsage } from '../orchestrator/usage.js';

/**
 * One question to the supervisor model. The answer should be a JSON value matching `schema`;
 * each provider constrains its output as far as its API allows (see each provider's TSDoc), and
 * the caller validates the answer anyway.
 */
export interface CompletionRequest {
  /** The system prompt (role, rules, output format). */
  readonly system: string;
  /** The user message. */
  readonly prompt: string;
  /** JSON Schema (draft 2020-12 object) the answer must match. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** A short name for the schema (`plan`): the Anthropic tool name, the codex schema file name. */
  readonly schemaName: string;
  /** Aborts the call (the HTTP request or the CLI process). */
  readonly signal?: AbortSignal;
  /** Called with each piece of the answer as it arrives (a CLI without streaming calls it once). */
  readonly onText?: (chunk: string) => void;
}

/** What the supervisor model answered. */
export interface Completion {
  /** The answer's text as the model produced it (for a tool call, its input as JSON text). */
  readonly text: string;
  /** The answer already parsed, when the provider returned structured output. */
  readonly json?: unknown;
  /** Tokens the call used (0 when the provider reported none). */
  readonly usage: TokenUsage;
  /** Cost of the call, USD: reported by the provider (claude-code) or priced with config `price`. */
  readonly costUsd?: number;
}

/**
 * A supervisor model behind one method: the seam the planner, the reviewer stage and budgets use.
 * Implementations: src/supervisor/anthropic.ts, ollama.ts, claude-code.ts.
 */
export interface SupervisorClient {
  /** The configured provider, e.g. `anthropic`. */
  readonly provider: SupervisorConfig['provider'];
  /** The model asked, as the provider names it. */
  readonly model: string;
  /**
   * Asks one question.
   * @throws SupervisorUnavailableError (exit 2) when the provider cannot be reached, refuses the
   *   key, or its CLI fails; one line naming the provider and the cause
   */
  complete(request: CompletionRequest): Promise<Completion>;
}

/** A provider that could not answer: unreachable, bad key, CLI failure. Exit 2, one line. */
export class SupervisorUnavailableError extends HacoError {
  constructor(provider: string, cause: string) {
    super('supervisor.unavailable', [`supervisor (${provider}): ${oneLine(cause)}`], ExitCode.usage);
  }
}

/** The first line of a message, at most 300 characters. */
export function oneLine(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return first.length > 300 ? `${first.slice(0, 297)}...` : first.trim();
}

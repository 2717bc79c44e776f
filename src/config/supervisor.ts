import { z } from 'zod';

import { PriceSchema } from './agent-fields.js';

/**
 * The supervisor providers this build knows (src/supervisor/providers.ts): `anthropic` (Anthropic
 * Messages API through @anthropic-ai/sdk), `ollama` (a local or remote Ollama through ollama-js),
 * `claude-code` (the user's Claude Code CLI, `claude -p`, paid by subscription), `codex` (the user's
 * Codex CLI, `codex exec --output-schema`).
 */
export const SUPERVISOR_PROVIDERS = ['anthropic', 'ollama', 'claude-code', 'codex'] as const;
/** One of {@link SUPERVISOR_PROVIDERS}. */
export type SupervisorProvider = (typeof SUPERVISOR_PROVIDERS)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE = (lo: number, hi: number): string => `expected a whole number from ${lo} to ${hi}`;

/**
 * Config `supervisor:`, the model that turns a request into a plan (`haco plan`). One object for
 * every provider, so layers merge key by key; keys a provider does not use are ignored by it.
 * Keys are never written here: `api_key_env` names the variable of haco's environment that holds one.
 */
export const SupervisorSchema = z
  .strictObject({
    /** Which provider answers. Default `claude-code` (what users have by subscription). */
    provider: z.enum(SUPERVISOR_PROVIDERS).default('claude-code'),
    /** Model name as the provider knows it; default: the provider's own default (see README). */
    model: z.string().min(1).optional(),
    /** anthropic: API base URL; claude-code: ANTHROPIC_BASE_URL; codex: a Responses endpoint (…/v1). */
    base_url: z.url({ error: 'expected a URL such as http://127.0.0.1:8080' }).optional(),
    /** ollama: the server (default http://127.0.0.1:11434). */
    host: z.url({ error: 'expected a URL such as http://127.0.0.1:11434' }).optional(),
    /** NAME of the environment variable holding the API key (anthropic: default ANTHROPIC_API_KEY). */
    api_key_env: z.string().regex(ENV_NAME, 'expected an environment variable NAME, not a key').optional(),
    /** claude-code / codex: the program to run (default `claude` / `codex` on PATH). */
    command: z.string().min(1).optional(),
    /** Most output tokens of one answer. */
    max_tokens: z
      .int(WHOLE(256, 200_000))
      .min(256, WHOLE(256, 200_000))
      .max(200_000, WHOLE(256, 200_000))
      .default(16_000),
    /** Tokens of repository context (file tree and key files) in the planning prompt, ≈ 4 chars each. */
    context_budget_tokens: z
      .int(WHOLE(500, 1_000_000))
      .min(500, WHOLE(500, 1_000_000))
      .max(1_000_000, WHOLE(500, 1_000_000))
      .default(8_000),
    /** USD per million tokens, to price calls whose provider reports no cost (anthropic, ollama). */
    price: PriceSchema.optional(),
  })
  .prefault({});

/** The `supervisor` section after defaults. */
export type SupervisorConfig = z.output<typeof SupervisorSchema>;

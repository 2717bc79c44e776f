import type { SupervisorConfig, SupervisorProvider } from '../config/schema.js';
import { anthropicClient } from './anthropic.js';
import { claudeCodeClient } from './claude-code.js';
import { codexClient } from './codex.js';
import { ollamaClient } from './ollama.js';
import type { SupervisorClient } from './provider.js';

/** Where a provider runs: the repository root (CLI providers run there) and haco's environment. */
export interface ProviderContext {
  readonly repoRoot: string;
  readonly env: NodeJS.ProcessEnv;
}

const FACTORIES: Record<SupervisorProvider, (c: SupervisorConfig, ctx: ProviderContext) => SupervisorClient> =
  {
    anthropic: (c, ctx) => anthropicClient(c, ctx.env),
    ollama: (c) => ollamaClient(c),
    'claude-code': (c, ctx) => claudeCodeClient(c, ctx.repoRoot, ctx.env),
    codex: (c, ctx) => codexClient(c, ctx.repoRoot, ctx.env),
  };

/** The client for config `supervisor:` (its `provider` picks the implementation). */
export function supervisorClient(config: SupervisorConfig, ctx: ProviderContext): SupervisorClient {
  return FACTORIES[config.provider](config, ctx);
}

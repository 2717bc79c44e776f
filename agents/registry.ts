import type { AgentConfigBase } from '../src/config/agent-fields.js';
import { claudeCodeAdapter } from './claude-code.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { ollamaAdapter } from './ollama.js';
import { opencodeAdapter } from './opencode.js';
import type { AgentAdapter } from './types.js';

/**
 * Every agent type this build knows, one line each: the config's agent union, its error text and
 * the adapter lookup are all built from this list, so a new type is one `agents/<type>.ts` plus
 * one line here. Agent modules import only leaf modules (zod, src/config/agent-fields.ts, types),
 * never src/config/schema.ts, which imports this file.
 */
export const ADAPTERS = [
  commandAdapter,
  claudeCodeAdapter,
  codexAdapter,
  opencodeAdapter,
  ollamaAdapter,
] as const;

/** The `configSchema` of each adapter in a tuple of adapters, keeping the tuple. */
type SchemasOf<T extends readonly unknown[]> = {
  readonly [K in keyof T]: T[K] extends { readonly configSchema: infer S } ? S : never;
};

/** The config schemas of {@link ADAPTERS}, in the same order (a tuple, as `z.discriminatedUnion` wants). */
export const AGENT_CONFIG_SCHEMAS = ADAPTERS.map((adapter) => adapter.configSchema) as unknown as SchemasOf<
  typeof ADAPTERS
>;

/** The agent type names of {@link ADAPTERS}. */
export const AGENT_TYPES: readonly string[] = ADAPTERS.map((adapter) => adapter.type);

const BY_TYPE: ReadonlyMap<string, AgentAdapter> = new Map(
  ADAPTERS.map((adapter) => [adapter.type, adapter as unknown as AgentAdapter]),
);

/**
 * The adapter for a configured agent (the config was validated, so its type is known).
 * @throws Error when `config.type` is not in the registry (a config built in code without the schema)
 */
export function adapterFor<C extends AgentConfigBase>(config: C): AgentAdapter<C> {
  const adapter = BY_TYPE.get(config.type);
  if (!adapter) throw new Error(`no adapter for agent type ${JSON.stringify(config.type)}`);
  return adapter as unknown as AgentAdapter<C>;
}

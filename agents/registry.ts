import type { AgentConfig, AgentType } from '../src/config/schema.js';
import { claudeCodeAdapter } from './claude-code.js';
import { commandAdapter } from './command.js';
import type { AgentAdapter } from './types.js';

/** Every agent type this build knows; the config schema rejects any other. */
export const AGENT_ADAPTERS: { readonly [T in AgentType]: AgentAdapter<Extract<AgentConfig, { type: T }>> } =
  {
    command: commandAdapter,
    'claude-code': claudeCodeAdapter,
  };

/** The adapter for a configured agent. */
export function adapterFor<C extends AgentConfig>(config: C): AgentAdapter<C> {
  return AGENT_ADAPTERS[config.type] as unknown as AgentAdapter<C>;
}

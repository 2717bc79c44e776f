import { fileURLToPath } from 'node:url';

import type { AnthropicServer } from './anthropic-server.js';

/** The real claude CLI, pinned as a devDependency (@anthropic-ai/claude-code 2.1.112). */
export const CLAUDE_BIN = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));

/**
 * A `claude-code` agent entry for a test config: the real CLI pointed at the scripted server,
 * with every call home switched off (the machine has no network).
 */
export function claudeAgent(server: AnthropicServer): Record<string, unknown> {
  return {
    type: 'claude-code',
    command: CLAUDE_BIN,
    model: 'claude-sonnet-4-5',
    env: {
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_AUTH_TOKEN: 'test-token',
      ANTHROPIC_API_KEY: '',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
    },
  };
}

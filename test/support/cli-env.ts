/**
 * Launch settings for the real codex and opencode CLIs (pinned devDependencies) against the scripted
 * model server, with nothing sent outside the machine. Verified invocations:
 * research/agent-clis-offline.md §1.1 (codex 0.171) and §2.1 (opencode 1.18).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ModelServer } from './model-server.js';

/** The real codex CLI (@openai/codex 0.171.0). */
export const CODEX_BIN = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

/** The real opencode CLI (opencode-ai 1.18.33; needs its postinstall, see package.json allowScripts). */
export const OPENCODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));

/** The model codex is told to use: a catalog slug, so codex offers the custom `apply_patch` tool. */
export const CODEX_MODEL = 'gpt-5.5';

/**
 * Writes `<home>/.codex/config.toml` with a custom Responses provider at the server (no retries,
 * analytics and plugins off: zero outbound connections) and returns the env for `codex exec`.
 * codex 0.171 ignores `OPENAI_BASE_URL`, so the provider is the only way in.
 */
export function codexEnv(server: ModelServer, home: string): Record<string, string> {
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      `model = "${CODEX_MODEL}"`,
      'model_provider = "stub"',
      '[model_providers.stub]',
      'name = "stub"',
      `base_url = "${server.url}/v1"`,
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '[analytics]',
      'enabled = false',
      '[features]',
      'plugins = false',
      '',
    ].join('\n'),
  );
  return { ...baseEnv(home), CODEX_HOME: codexHome };
}

/**
 * The env for `opencode run`: an `@ai-sdk/openai-compatible` provider `stub` at the server in
 * `OPENCODE_CONFIG_CONTENT` (model `stub/stub-model`, priced 3/15 USD per 1M tokens so cost is
 * non-zero), models fetch and autoupdate off.
 */
export function opencodeEnv(server: ModelServer, home: string): Record<string, string> {
  const config = {
    model: 'stub/stub-model',
    provider: {
      stub: {
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: `${server.url}/v1`, apiKey: 'sk-stub' },
        models: { 'stub-model': { cost: { input: 3, output: 15 } } },
      },
    },
  };
  return {
    ...baseEnv(home),
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
  };
}

/** PATH and a private HOME; nothing else from the test process (no API keys, no CI). */
function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TERM: 'dumb' };
}

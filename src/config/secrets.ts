import { resolve } from 'node:path';

import { REDACTED, redactText } from '../db/redact.js';
import { ConfigError } from '../lib/errors.js';
import { loadConfig } from './load.js';
import type { Config } from './schema.js';

/**
 * Where a run's configuration came from (`runs.config_sources_json`): the files read, lowest layer
 * first, and the `--config FILE` among them (absolute, null when none was given). Secrets live
 * only in these files; the database keeps a redacted copy, so a resumed run reloads from here.
 */
export interface ConfigLayers {
  readonly files: readonly string[];
  readonly configFile: string | null;
}

/**
 * The values of every agent's `env:` entries: the secrets a config holds. `haco logs` and the
 * state database hide them wherever they appear (see redactText).
 */
export function secretValues(config: Config): string[] {
  const values = Object.values(config.agents).flatMap((agent) => Object.values(agent.env ?? {}));
  return [...new Set(values)].filter((v) => v !== '');
}

/**
 * The copy of a config that may be stored: every agent `env:` value replaced by `[redacted]` (the
 * names stay, to show what was set) and every other string passed through redactText (a key in
 * an agent's `args`, a password in a URL).
 */
export function redactConfig(config: Config): Config {
  const known = secretValues(config);
  const walk = (value: unknown, path: readonly string[]): unknown => {
    if (typeof value === 'string') {
      const isEnvValue = path.length === 4 && path[0] === 'agents' && path[2] === 'env';
      return isEnvValue ? REDACTED : redactText(value, known);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    return value;
  };
  return walk(config, []) as Config;
}

/**
 * Loads the configuration from its layers, as `haco run` did: built-in, `~/.config/haco`, the
 * repository's `.haco/config.yaml`, and `configFile` (relative to `cwd`).
 * @returns the config and the layers to store with the run
 * @throws ConfigError (see loadConfig)
 */
export function loadConfigLayers(
  repoRoot: string,
  configFile: string | undefined,
  cwd: string = process.cwd(),
): { config: Config; layers: ConfigLayers } {
  const file = configFile === undefined ? undefined : resolve(cwd, configFile);
  const { config, files } = loadConfig({ repoRoot, ...(file === undefined ? {} : { configFile: file }) });
  return { config, layers: { files, configFile: file ?? null } };
}

/**
 * Reloads a run's configuration from its layers (`haco resume`, `haco-tui --resume`), so a fixed
 * agent command or a new key takes effect; `configFile` (`--config`) replaces the stored one.
 * The config must still name every agent the run's tasks use.
 * @param stored the run's layers; null for a run stored before haco kept them (then only the
 *   repository's layers, and `configFile` if given, are read)
 * @param taskAgents the agent name of each of the run's tasks
 * @throws ConfigError `config.invalid` with ONE line (the first problem, and how many more), exit 2
 */
export function reloadRunConfig(
  runId: string,
  repoRoot: string,
  stored: ConfigLayers | null,
  configFile: string | undefined,
  taskAgents: readonly string[],
  cwd: string = process.cwd(),
): { config: Config; layers: ConfigLayers } {
  const file = configFile ?? stored?.configFile ?? undefined;
  let loaded: { config: Config; layers: ConfigLayers };
  try {
    loaded = loadConfigLayers(repoRoot, file, cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first = 'invalid', ...rest] = error.lines;
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
    throw new ConfigError([`run ${runId}: the reloaded config is invalid: ${first}${more}`]);
  }
  const missing = [...new Set(taskAgents)].filter((name) => !(name in loaded.config.agents));
  if (missing.length) {
    const known = Object.keys(loaded.config.agents).join(', ');
    throw new ConfigError([
      `run ${runId}: the reloaded config has no agent ${missing.map((m) => `"${m}"`).join(', ')}, which the run's tasks use (configured: ${known})`,
    ]);
  }
  return loaded;
}

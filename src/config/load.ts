import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

import { ConfigError } from '../lib/errors.js';
import { describeIssues, describeReadError } from '../lib/issues.js';
import { parseYamlText } from '../lib/yaml-text.js';
import { packageRoot } from '../lib/package-root.js';
import { unknownRoleAgents } from './roles.js';
import { ConfigSchema, type Config } from './schema.js';

/** The documented default config shipped at the package root. */
export const builtinConfigPath = (): string => join(packageRoot(), 'config.yaml');

/** Where config layers come from; every field is optional so tests can isolate HOME and the repo. */
export interface ConfigSources {
  /** The repository root; `.haco/config.yaml` there is a layer. */
  repoRoot?: string;
  /** The user's home; `~/.config/haco/config.yaml` there is a layer. Default: os.homedir(). */
  home?: string;
  /** `--config FILE`: the last layer, must exist. */
  configFile?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges `over` onto `base`: objects merge key by key, everything else is replaced. */
export function mergeLayers(base: Json, over: Json): Json {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, Json> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : mergeLayers(prev, value);
  }
  return out;
}

/**
 * Merges one config layer over the ones below (see mergeLayers). An agent that a layer gives a
 * different `type` is replaced whole: the fields of one agent type mean nothing to another.
 */
function mergeConfigLayer(base: Json, over: Record<string, Json>): Json {
  const below = isPlainObject(base) ? base.agents : undefined;
  const above = over.agents;
  if (!isPlainObject(base) || !isPlainObject(below) || !isPlainObject(above)) return mergeLayers(base, over);
  const agents = { ...below };
  for (const [name, agent] of Object.entries(above)) {
    const prev = agents[name];
    if (isPlainObject(agent) && isPlainObject(prev) && agent.type !== undefined && agent.type !== prev.type)
      delete agents[name];
  }
  return mergeLayers({ ...base, agents }, over);
}

function readLayer(file: string, shown: string): Record<string, Json> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${shown}: cannot read: ${describeReadError(error)}`]);
  }
  const parsed = parseYamlText(text);
  if ('error' in parsed) throw new ConfigError([`${shown}: ${parsed.error}`]);
  const value = parsed.value;
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value))
    throw new ConfigError([`${shown}: expected a mapping of settings at the top level`]);
  return value;
}

/**
 * Loads the configuration: built-in defaults < `~/.config/haco/config.yaml` < `.haco/config.yaml`
 * in the repo < `--config FILE`, deep-merged (agents merge by name; an agent whose `type` changes is
 * replaced whole). Each layer is validated on top of the ones below it, so a problem is reported
 * against the file that brought it in.
 * @returns the validated config and the list of files that were read (for `haco doctor`)
 * @throws ConfigError with one line per problem, each naming the file and key path (exit 2)
 */
export function loadConfig(sources: ConfigSources = {}): { config: Config; files: string[] } {
  const layers: Array<{ file: string; shown: string; required: boolean }> = [
    { file: builtinConfigPath(), shown: 'built-in config.yaml', required: true },
    {
      file: join(sources.home ?? homedir(), '.config', 'haco', 'config.yaml'),
      shown: '~/.config/haco/config.yaml',
      required: false,
    },
  ];
  if (sources.repoRoot) {
    layers.push({
      file: join(sources.repoRoot, '.haco', 'config.yaml'),
      shown: '.haco/config.yaml',
      required: false,
    });
  }
  if (sources.configFile) {
    const shown = sources.repoRoot
      ? relative(process.cwd(), sources.configFile) || sources.configFile
      : sources.configFile;
    layers.push({ file: sources.configFile, shown, required: true });
  }
  let merged: Json = {};
  let config: Config | undefined;
  const files: string[] = [];
  for (const layer of layers) {
    if (!layer.required && !existsSync(layer.file)) continue;
    merged = mergeConfigLayer(merged, readLayer(layer.file, layer.shown));
    // Each layer is checked on top of the ones below it (which were valid), so a problem is
    // reported against the file that introduced it.
    const parsed = ConfigSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      throw new ConfigError(
        describeIssues(parsed.error.issues).map((p) => `${layer.shown}: ${p.path}: ${p.message}`),
      );
    }
    config = parsed.data;
    // Agents are never removed by a later layer, so a dangling defaults.agent is this layer's doing.
    const agent = config.defaults.agent;
    if (agent !== undefined && !(agent in config.agents)) {
      const known = Object.keys(config.agents).join(', ');
      throw new ConfigError([
        `${layer.shown}: defaults.agent: "${agent}" is not one of the configured agents (${known})`,
      ]);
    }
    // Likewise a role naming an agent no layer configures (src/config/roles.ts).
    const badRoles = unknownRoleAgents(config.roles, config.agents);
    if (badRoles.length) throw new ConfigError(badRoles.map((line) => `${layer.shown}: ${line}`));
    files.push(layer.file);
  }
  if (!config) throw new ConfigError(['built-in config.yaml: missing']);
  return { config, files };
}

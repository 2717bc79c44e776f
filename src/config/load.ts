import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

import { ConfigError } from '../lib/errors.js';
import { formatIssuePath } from '../lib/issues.js';
import { packageRoot } from '../lib/package-root.js';
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

function readLayer(file: string, shown: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${shown}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new ConfigError([`${shown}: invalid YAML: ${message}`]);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new ConfigError([`${shown}: expected a mapping of settings at the top level`]);
  return value;
}

function linesOf(issues: readonly z.core.$ZodIssue[], shown: string): string[] {
  return issues.map((issue) => `${shown}: ${formatIssuePath(issue.path)}: ${issue.message}`);
}

/**
 * Loads the configuration: built-in defaults < `~/.config/haco/config.yaml` < `.haco/config.yaml`
 * in the repo < `--config FILE`, deep-merged, then validated as a whole.
 * @returns the validated config and the list of files that were read (for `haco doctor`)
 * @throws ConfigError with one line per problem, each naming the file and key path (exit 2)
 */
export function loadConfig(sources: ConfigSources = {}): { config: Config; files: string[] } {
  const layers: Array<{ file: string; shown: string; required: boolean }> = [
    { file: builtinConfigPath(), shown: 'built-in config.yaml', required: true },
    { file: join(sources.home ?? homedir(), '.config', 'haco', 'config.yaml'), shown: '~/.config/haco/config.yaml', required: false },
  ];
  if (sources.repoRoot) {
    layers.push({ file: join(sources.repoRoot, '.haco', 'config.yaml'), shown: '.haco/config.yaml', required: false });
  }
  if (sources.configFile) {
    const shown = sources.repoRoot ? relative(process.cwd(), sources.configFile) || sources.configFile : sources.configFile;
    layers.push({ file: sources.configFile, shown, required: true });
  }
  let merged: Json = {};
  let config: Config | undefined;
  const files: string[] = [];
  for (const layer of layers) {
    if (!layer.required && !existsSync(layer.file)) continue;
    merged = mergeLayers(merged, readLayer(layer.file, layer.shown));
    // Each layer is checked on top of the ones below it (which were valid), so a problem is
    // reported against the file that introduced it.
    const parsed = ConfigSchema.safeParse(merged);
    if (!parsed.success) throw new ConfigError(linesOf(parsed.error.issues, layer.shown));
    config = parsed.data;
    files.push(layer.file);
  }
  if (!config) throw new ConfigError(['built-in config.yaml: missing']);
  if (config.defaults.agent !== undefined && !(config.defaults.agent in config.agents)) {
    throw new ConfigError([`config: defaults.agent: "${config.defaults.agent}" is not one of the configured agents`]);
  }
  return { config, files };
}

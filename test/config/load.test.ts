import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AGENT_TYPES } from '../../agents/registry.js';
import { builtinConfigPath, loadConfig, type ConfigSources } from '../../src/config/load.js';
import { ConfigError } from '../../src/lib/errors.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo } from '../helpers/repo.js';

let base: string;
let home: string;
let repo: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'haco-config-'));
  home = join(base, 'home');
  repo = join(base, 'repo');
  mkdirSync(home);
  mkdirSync(repo);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const HOME_LAYER = () => join(home, '.config', 'haco', 'config.yaml');
const REPO_LAYER = () => join(repo, '.haco', 'config.yaml');

function write(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The lines of the ConfigError that loading these sources throws. */
function errorLines(sources: ConfigSources): readonly string[] {
  try {
    loadConfig(sources);
  } catch (error) {
    if (error instanceof ConfigError) return error.lines;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig layers', () => {
  it('uses the built-in config.yaml when no other layer exists', () => {
    const { config, files } = loadConfig({ home, repoRoot: repo });
    expect(files).toEqual([builtinConfigPath()]);
    // Other sections belong to other tests; these are the ones layering is about.
    expect({ concurrency: config.concurrency, agents: config.agents, defaults: config.defaults }).toEqual({
      concurrency: 4,
      agents: { claude: { type: 'claude-code' } },
      defaults: { agent: 'claude', timeout: 600_000, retries: 0, verify_timeout: 300_000 },
    });
  });

  it('applies home < repo < --config, merging agents by name', () => {
    write(
      HOME_LAYER(),
      'concurrency: 2\nagents:\n  mine: {type: command, command: ./home.sh, args: [--home]}\ndefaults: {retries: 2, timeout: 20m}\n',
    );
    write(
      REPO_LAYER(),
      'concurrency: 3\nagents:\n  mine: {command: ./repo.sh}\n  other: {type: claude-code, model: sonnet}\ndefaults: {retries: 3}\n',
    );
    const extra = write(
      join(base, 'extra.yaml'),
      'concurrency: 5\nagents:\n  claude: {model: opus}\ndefaults: {agent: mine}\n',
    );
    const { config, files } = loadConfig({ home, repoRoot: repo, configFile: extra });
    expect(files).toEqual([builtinConfigPath(), HOME_LAYER(), REPO_LAYER(), extra]);
    expect({ concurrency: config.concurrency, agents: config.agents, defaults: config.defaults }).toEqual({
      concurrency: 5,
      agents: {
        claude: { type: 'claude-code', model: 'opus' },
        mine: { type: 'command', command: './repo.sh', args: ['--home'] },
        other: { type: 'claude-code', model: 'sonnet' },
      },
      defaults: { agent: 'mine', timeout: 1_200_000, retries: 3, verify_timeout: 300_000 },
    });
  });

  it('lets the home layer override the built-in one, and the repo layer override home', () => {
    write(HOME_LAYER(), 'concurrency: 7\n');
    expect(loadConfig({ home }).config.concurrency).toBe(7);
    write(REPO_LAYER(), 'concurrency: 8\n');
    expect(loadConfig({ home, repoRoot: repo }).config.concurrency).toBe(8);
    expect(loadConfig({ home }).config.concurrency).toBe(7);
  });

  it('replaces an agent whole when a later layer changes its type', () => {
    write(HOME_LAYER(), 'agents:\n  x: {type: claude-code, model: opus}\n');
    write(REPO_LAYER(), 'agents:\n  x: {type: command, command: ./x.sh}\n');
    expect(loadConfig({ home, repoRoot: repo }).config.agents.x).toEqual({
      type: 'command',
      command: './x.sh',
    });
  });

  it('reads an empty layer as no settings', () => {
    write(HOME_LAYER(), '# nothing\n');
    expect(loadConfig({ home }).config.concurrency).toBe(4);
  });
});

/** The agent types the registry knows, sorted, as the config's type errors list them. */
const AGENT_TYPE_LIST = [...AGENT_TYPES].sort().join(', ');

describe('loadConfig errors', () => {
  // [layer text, the one line after "FILE: "]
  it.each([
    [
      'agents:\n  x: {type: gpt}\n',
      `agents.x.type: unknown agent type "gpt" (expected one of: ${AGENT_TYPE_LIST})`,
    ],
    [
      'agents:\n  x: {command: ./x.sh}\n',
      `agents.x.type: missing agent type (expected one of: ${AGENT_TYPE_LIST})`,
    ],
    ['agents:\n  x: {type: command}\n', 'agents.x.command: required key is missing (expected string)'],
    ['agents:\n  x: {type: command, command: ./x.sh, model: opus}\n', 'agents.x.model: unknown key'],
    [
      'agents:\n  "my agent": {type: command, command: ./x.sh}\n',
      'agents["my agent"]: bad key: agent names use letters, digits, _ . -',
    ],
    ['concurrency: 0\n', 'concurrency: expected a whole number from 1 to 64'],
    ['concurrency: "four"\n', 'concurrency: expected a whole number from 1 to 64'],
    ['concurrency: 2.5\n', 'concurrency: expected a whole number from 1 to 64'],
    ['concurency: 4\n', 'concurency: unknown key'],
    ['defaults: {retries: -1}\n', 'defaults.retries: expected a whole number from 0 to 20'],
    ['defaults: {timeout: soon}\n', 'defaults.timeout: not a duration: "soon" (use e.g. 90s, 10m, 1h30m)'],
    ['defaults: {agent: ghost}\n', 'defaults.agent: "ghost" is not one of the configured agents (claude)'],
    [
      'agents: [\n',
      'invalid YAML at line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['concurrency: 2\nconcurrency: 3\n', 'invalid YAML at line 2, column 1: Map keys must be unique'],
    ['- concurrency: 2\n', 'expected a mapping of settings at the top level'],
  ])('%j → %s', (text, message) => {
    const file = write(join(base, 'broken.yaml'), text);
    expect(errorLines({ home, configFile: file })).toEqual([`${file}: ${message}`]);
  });

  it('names the layer that brought the problem in', () => {
    write(HOME_LAYER(), 'concurrency: 0\n');
    expect(errorLines({ home, repoRoot: repo })).toEqual([
      '~/.config/haco/config.yaml: concurrency: expected a whole number from 1 to 64',
    ]);
    write(HOME_LAYER(), 'agents:\n  mine: {type: command, command: ./x.sh}\n');
    write(REPO_LAYER(), 'agents:\n  mine: {type: gpt}\n');
    expect(errorLines({ home, repoRoot: repo })).toEqual([
      `.haco/config.yaml: agents.mine.type: unknown agent type "gpt" (expected one of: ${AGENT_TYPE_LIST})`,
    ]);
  });

  it('shows --config relative to the working directory when a repository is given', () => {
    const file = write(join(repo, 'haco.yaml'), 'concurrency: 99\n');
    expect(errorLines({ home, repoRoot: repo, configFile: file })).toEqual([
      `${relative(process.cwd(), file)}: concurrency: expected a whole number from 1 to 64`,
    ]);
  });

  it('reports several problems of one layer, one line each', () => {
    const file = write(join(base, 'broken.yaml'), 'concurrency: 0\nextra: 1\nagents:\n  x: {type: gpt}\n');
    const lines = errorLines({ home, configFile: file });
    expect([...lines].sort()).toEqual(
      [
        `${file}: concurrency: expected a whole number from 1 to 64`,
        `${file}: agents.x.type: unknown agent type "gpt" (expected one of: ${AGENT_TYPE_LIST})`,
        `${file}: extra: unknown key`,
      ].sort(),
    );
  });

  it('says when the --config file does not exist', () => {
    const file = join(base, 'missing.yaml');
    expect(errorLines({ home, configFile: file })).toEqual([`${file}: cannot read: no such file`]);
  });
});

describe('haco validate with a broken config', () => {
  const plan = 'version: 1\ngoal: g\ntasks:\n  - {id: a, files: [a.ts], prompt: p}\n';

  it('prints one line naming the --config file and key path, and exits 2', async () => {
    const temp = makeRepo({ files: { 'plan.yaml': plan, 'broken.yaml': 'agents:\n  x: {type: gpt}\n' } });
    try {
      const result = await runHaco(['validate', 'plan.yaml', '--config', 'broken.yaml'], {
        cwd: temp.root,
        env: { HOME: temp.home },
      });
      expect(result.stderr).toBe(
        `haco: broken.yaml: agents.x.type: unknown agent type "gpt" (expected one of: ${AGENT_TYPE_LIST})`,
      );
      expect(result.stdout).toBe('');
      expect(result.exitCode).toBe(2);
    } finally {
      temp.dispose();
    }
  });

  it('names the home layer when ~/.config/haco/config.yaml is broken', async () => {
    const temp = makeRepo({ files: { 'plan.yaml': plan } });
    try {
      write(join(temp.home, '.config', 'haco', 'config.yaml'), 'concurrency: "four"\n');
      const result = await runHaco(['validate', 'plan.yaml'], { cwd: temp.root, env: { HOME: temp.home } });
      expect(result.stderr).toBe(
        'haco: ~/.config/haco/config.yaml: concurrency: expected a whole number from 1 to 64',
      );
      expect(result.exitCode).toBe(2);
    } finally {
      temp.dispose();
    }
  });
});

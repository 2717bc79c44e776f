import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ADAPTERS, adapterFor, AGENT_TYPES } from '../../agents/registry.js';
import { agentConfigUnion, CommonAgentFields } from '../../src/config/agent-fields.js';
import { loadConfig } from '../../src/config/load.js';
import { AgentConfigSchema, ConfigSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/lib/errors.js';

let base: string;
let home: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'haco-registry-'));
  home = join(base, 'home');
  mkdirSync(join(home, '.config', 'haco'), { recursive: true });
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

/** The one line loadConfig throws for a home layer with `text`. */
function configError(text: string): string {
  writeFileSync(join(home, '.config', 'haco', 'config.yaml'), text);
  try {
    loadConfig({ home });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
  throw new Error('expected a ConfigError');
}

describe('agent registry', () => {
  it('has one adapter per type, and its type names are the registry’s', () => {
    const types = ADAPTERS.map((adapter) => adapter.type);
    expect(new Set(types).size).toBe(types.length);
    expect(AGENT_TYPES).toEqual(types);
    expect(types).toEqual(expect.arrayContaining(['command', 'claude-code']));
  });

  it.each(ADAPTERS.map((adapter) => [adapter.type, adapter] as const))(
    '%s: its schema parses its own example, and so does the config’s agent union',
    (type, adapter) => {
      expect(adapter.configSchema.parse(adapter.example)).toEqual(adapter.example);
      expect(AgentConfigSchema.parse(adapter.example)).toEqual(adapter.example);
      // The union dispatches to this adapter: its own keys are accepted, other types' are not.
      expect(adapterFor(AgentConfigSchema.parse(adapter.example))).toBe(adapter);
      expect(AgentConfigSchema.safeParse({ ...adapter.example, no_such_key: 1 }).success).toBe(false);
      const config = ConfigSchema.safeParse({
        concurrency: 1,
        agents: { mine: adapter.example },
        defaults: { timeout: '1m', retries: 0, verify_timeout: '1m' },
      });
      expect(config.success, type).toBe(true);
    },
  );

  it('names the types of the registry, sorted, for an unknown or missing agent type', () => {
    const expected = `expected one of: ${[...AGENT_TYPES].sort().join(', ')}`;
    expect(configError('agents:\n  x: {type: gpt}\n')).toBe(
      `~/.config/haco/config.yaml: agents.x.type: unknown agent type "gpt" (${expected})`,
    );
    expect(configError('agents:\n  x: {command: ./x.sh}\n')).toBe(
      `~/.config/haco/config.yaml: agents.x.type: missing agent type (${expected})`,
    );
  });

  it('builds a union from any list of adapter schemas (a test-only registry)', () => {
    // A new agent type is its schema (spreading the shared fields) plus one entry in the list.
    const EchoSchema = z.strictObject({
      type: z.literal('echo'),
      greeting: z.string(),
      ...CommonAgentFields,
    });
    const schemas = [...ADAPTERS.map((adapter) => adapter.configSchema), EchoSchema] as const;
    const union = agentConfigUnion(
      schemas as unknown as readonly [typeof EchoSchema, ...(typeof EchoSchema)[]],
      [...AGENT_TYPES, 'echo'],
    );
    expect(union.parse({ type: 'echo', greeting: 'hi', env_passthrough: ['FOO_*'] })).toEqual({
      type: 'echo',
      greeting: 'hi',
      env_passthrough: ['FOO_*'],
    });
    for (const adapter of ADAPTERS) expect(union.parse(adapter.example)).toEqual(adapter.example);
    const unknown = union.safeParse({ type: 'gpt' });
    expect(unknown.error?.issues[0]?.message).toBe(
      `unknown agent type "gpt" (expected one of: ${[...AGENT_TYPES, 'echo'].sort().join(', ')})`,
    );
    // The shared fields are checked the same way for every type.
    expect(union.safeParse({ type: 'echo', greeting: 'hi', env_passthrough: ['no-dash'] }).success).toBe(
      false,
    );
  });

  it('an adapter that reads protocol lines on stdin names its FIFO as a file of the attempt directory', () => {
    for (const adapter of ADAPTERS) {
      const { completion } = adapter;
      if (completion.kind !== 'protocol' || !completion.stdin) continue;
      expect(completion.stdin.fifo, adapter.type).toMatch(/^[A-Za-z0-9_.-]+$/);
    }
    expect(ADAPTERS.some((a) => a.completion.kind === 'protocol' && a.completion.stdin)).toBe(true);
  });

  it('refuses a config built in code whose type the registry does not know', () => {
    expect(() => adapterFor({ type: 'gpt' })).toThrow('no adapter for agent type "gpt"');
  });
});

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, type TestContext } from 'vitest';

import { ConfigSchema } from '../../src/config/schema.js';
import { HacoError } from '../../src/lib/errors.js';
import { assertAgentsRunnable, programProblem } from '../../src/plan/agents-check.js';

/** A repo root and a bin dir in a temp dir: `bin/agent` (755), `bin/plain` (644), `bin/dir/`. */
function setUp(context: TestContext): { root: string; bin: string } {
  const base = mkdtempSync(join(tmpdir(), 'haco-agents-'));
  context.onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'repo');
  const bin = join(base, 'bin');
  mkdirSync(join(root, 'tools'), { recursive: true });
  mkdirSync(join(bin, 'dir'), { recursive: true });
  for (const [path, mode] of [
    [join(bin, 'agent'), 0o755],
    [join(bin, 'plain'), 0o644],
    [join(root, 'tools', 'agent.sh'), 0o755],
    [join(root, 'tools', 'draft.sh'), 0o644],
  ] as const) {
    writeFileSync(path, '#!/bin/sh\nexit 0\n');
    chmodSync(path, mode);
  }
  return { root, bin };
}

const config = ConfigSchema.parse({
  concurrency: 2,
  agents: {
    claude: { type: 'claude-code' },
    mine: { type: 'command', command: 'agent' },
    script: { type: 'command', command: './tools/agent.sh' },
    draft: { type: 'command', command: './tools/draft.sh' },
    ghost: { type: 'command', command: 'haco-no-such-agent' },
    own_path: { type: 'command', command: 'agent', env: { PATH: '/nonexistent' } },
  },
  defaults: { timeout: '1m', retries: 0, verify_timeout: '1m' },
});

function lines(fn: () => void): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof HacoError) {
      expect(error.code).toBe('agent.unavailable');
      expect(error.exitCode).toBe(2);
      return [...error.lines];
    }
    throw error;
  }
  return [];
}

describe('programProblem', () => {
  it('finds programs the way execvp does: on PATH, or as a path from the repository root', (context) => {
    const { root, bin } = setUp(context);
    expect(programProblem('agent', root, `/nonexistent:${bin}`)).toBeUndefined();
    expect(programProblem('agent', root, '/nonexistent')).toBe('not found on PATH');
    // A file on PATH without the execute bit, or a directory, is skipped as execvp skips it.
    expect(programProblem('plain', root, bin)).toBe('not found on PATH');
    expect(programProblem('dir', root, bin)).toBe('not found on PATH');
    expect(programProblem('./tools/agent.sh', root, '')).toBeUndefined();
    expect(programProblem('tools/agent.sh', root, '')).toBeUndefined();
    expect(programProblem('./tools/draft.sh', root, '')).toBe('is not executable (chmod +x it)');
    expect(programProblem('./tools', root, '')).toBe('is a directory');
    expect(programProblem('./tools/none.sh', root, '')).toBe('not found (relative to the repository root)');
    expect(programProblem(join(bin, 'agent'), root, '')).toBeUndefined();
    expect(programProblem(join(bin, 'none'), root, '')).toBe('not found');
  });
});

describe('assertAgentsRunnable', () => {
  it('passes when every agent the plan uses can start', (context) => {
    const { root, bin } = setUp(context);
    expect(lines(() => assertAgentsRunnable(['mine', 'script', 'mine'], config, root, bin))).toEqual([]);
  });

  it('names each missing agent once, with how to install it or which key to fix', (context) => {
    const { root, bin } = setUp(context);
    expect(
      lines(() => assertAgentsRunnable(['claude', 'ghost', 'ghost', 'draft'], config, root, bin)),
    ).toEqual([
      'agent "claude" (claude-code): `claude` not found on PATH; install it with npm i -g @anthropic-ai/claude-code, or set agents.claude.command',
      'agent "ghost" (command): `haco-no-such-agent` not found on PATH; check agents.ghost.command',
      'agent "draft" (command): `./tools/draft.sh` is not executable (chmod +x it); check agents.draft.command',
    ]);
  });

  it('checks only the agents the plan uses, and looks on the PATH the agent gets', (context) => {
    const { root, bin } = setUp(context);
    // `claude` and `ghost` are configured but unused.
    expect(lines(() => assertAgentsRunnable(['mine'], config, root, bin))).toEqual([]);
    expect(lines(() => assertAgentsRunnable(['own_path'], config, root, bin))).toEqual([
      'agent "own_path" (command): `agent` not found on PATH; check agents.own_path.command',
    ]);
  });
});

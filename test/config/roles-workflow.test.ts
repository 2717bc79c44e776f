import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/lib/errors.js';

let base: string;
let home: string;
let repo: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'haco-roles-config-'));
  home = join(base, 'home');
  repo = join(base, 'repo');
  mkdirSync(home);
  mkdirSync(join(repo, '.haco'), { recursive: true });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Writes `.haco/config.yaml` and loads the config, returning it or the error's lines. */
function load(text: string) {
  writeFileSync(join(repo, '.haco', 'config.yaml'), text);
  try {
    return { config: loadConfig({ home, repoRoot: repo }).config };
  } catch (error) {
    if (error instanceof ConfigError) return { lines: error.lines };
    throw error;
  }
}

describe('config roles and workflow', () => {
  it('ships no role mapped and every policy at its default', () => {
    const { config } = load('');
    expect(config?.roles).toEqual({ kinds: {} });
    expect(config?.workflow).toEqual({
      spec_first: false,
      tdd: false,
      lint_gate: null,
      dependency_guard: true,
    });
  });

  it('reads roles, kinds and every policy', () => {
    const { config } = load(
      [
        'agents: {fake: {type: command, command: /bin/true}}',
        'roles: {architect: claude, implementer: fake, kinds: {tests: reviewer}}',
        'workflow: {spec_first: true, tdd: true, lint_gate: " npx eslint . ", dependency_guard: false}',
      ].join('\n'),
    );
    expect(config?.roles).toEqual({ architect: 'claude', implementer: 'fake', kinds: { tests: 'reviewer' } });
    expect(config?.workflow).toEqual({
      spec_first: true,
      tdd: true,
      lint_gate: 'npx eslint .',
      dependency_guard: false,
    });
  });

  it.each([
    [
      'a role naming an unknown agent',
      'roles: {implementer: ghost}',
      '.haco/config.yaml: roles.implementer: "ghost" is not one of the configured agents (claude)',
    ],
    ['an unknown role', 'roles: {tester: claude}', '.haco/config.yaml: roles.tester: unknown key'],
    [
      'a kind mapped to an unknown role',
      'roles: {kinds: {docs: writer}}',
      '.haco/config.yaml: roles.kinds.docs: Invalid option: expected one of "architect"|"implementer"|"reviewer"|"navigator"',
    ],
    [
      'a policy that is not a boolean',
      'workflow: {tdd: "yes"}',
      '.haco/config.yaml: workflow.tdd: Invalid input: expected boolean, received string',
    ],
    [
      'an empty lint gate',
      'workflow: {lint_gate: "  "}',
      '.haco/config.yaml: workflow.lint_gate: expected a shell command, or null for none',
    ],
    ['an unknown policy', 'workflow: {lint: true}', '.haco/config.yaml: workflow.lint: unknown key'],
  ])('refuses %s with one line naming the key path', (_name, text, line) => {
    expect(load(text).lines).toEqual([line]);
  });
});

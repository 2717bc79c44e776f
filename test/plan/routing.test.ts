import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeRoles, KIND_ROLES, TASK_KINDS } from '../../src/config/roles.js';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { checkPlan } from '../../src/plan/validate.js';

/** A config with four agents; `roles` and `defaults.agent` as given (null: none). */
function configWith(roles: unknown, defaultAgent: string | null = 'base'): Config {
  return ConfigSchema.parse({
    concurrency: 2,
    agents: {
      base: { type: 'command', command: './base.sh' },
      arch: { type: 'command', command: './arch.sh' },
      impl: { type: 'command', command: './impl.sh' },
      nav: { type: 'command', command: './nav.sh' },
    },
    defaults: {
      ...(defaultAgent === null ? {} : { agent: defaultAgent }),
      timeout: '10m',
      retries: 0,
      verify_timeout: '5m',
    },
    roles,
  });
}

const ROLES = { architect: 'arch', implementer: 'impl', navigator: 'nav' };

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'haco-routing-'));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const task = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  files: [`src/${id}.ts`],
  prompt: `do ${id}`,
  ...extra,
});
const plan = (...tasks: Record<string, unknown>[]): unknown => ({ version: 1, goal: 'g', tasks });

function check(config: Config, ...tasks: Record<string, unknown>[]) {
  const { problems, plan: resolved } = checkPlan(plan(...tasks), config, repo);
  return { lines: problems.map((p) => `${p.path}: ${p.message}`), resolved };
}

describe('routing: agent, role, kind, defaults.agent', () => {
  it('records the agent and the reason of every task, in plan order', () => {
    const { lines, resolved } = check(
      configWith(ROLES),
      task('named', { agent: 'nav', kind: 'design' }),
      task('byrole', { role: 'architect' }),
      task('code', { kind: 'implementation' }),
      task('fix', { kind: 'bugfix' }),
      task('tests', { kind: 'tests' }),
      task('docs', { kind: 'docs' }),
      task('spec', { kind: 'spec' }),
      task('plain'),
    );
    expect(lines).toEqual([]);
    expect(resolved?.routing).toEqual([
      { task: 'named', agent: 'nav', reason: 'agent named in plan' },
      { task: 'byrole', agent: 'arch', role: 'architect', reason: 'role architect named in plan' },
      {
        task: 'code',
        agent: 'impl',
        role: 'implementer',
        reason: 'role implementer from kind implementation',
      },
      { task: 'fix', agent: 'impl', role: 'implementer', reason: 'role implementer from kind bugfix' },
      { task: 'tests', agent: 'impl', role: 'implementer', reason: 'role implementer from kind tests' },
      { task: 'docs', agent: 'nav', role: 'navigator', reason: 'role navigator from kind docs' },
      { task: 'spec', agent: 'arch', role: 'architect', reason: 'role architect from kind spec' },
      { task: 'plain', agent: 'base', reason: 'defaults.agent' },
    ]);
    // The task specs carry the same agent, the role that picked it and the kind.
    expect(resolved?.tasks.map((t) => [t.id, t.agent, t.role, t.kind])).toEqual([
      ['named', 'nav', undefined, 'design'],
      ['byrole', 'arch', 'architect', undefined],
      ['code', 'impl', 'implementer', 'implementation'],
      ['fix', 'impl', 'implementer', 'bugfix'],
      ['tests', 'impl', 'implementer', 'tests'],
      ['docs', 'nav', 'navigator', 'docs'],
      ['spec', 'arch', 'architect', 'spec'],
      ['plain', 'base', undefined, undefined],
    ]);
  });

  it('falls back to defaults.agent when the role is not mapped, and says so', () => {
    const { resolved } = check(
      configWith({ implementer: 'impl' }),
      task('review', { role: 'reviewer' }),
      task('docs', { kind: 'docs' }),
    );
    expect(resolved?.routing).toEqual([
      { task: 'review', agent: 'base', reason: 'role reviewer named in plan, not mapped: defaults.agent' },
      { task: 'docs', agent: 'base', reason: 'role navigator from kind docs, not mapped: defaults.agent' },
    ]);
  });

  it('lets roles.kinds move a kind to another role', () => {
    const { resolved } = check(
      configWith({ ...ROLES, reviewer: 'nav', kinds: { tests: 'reviewer' } }),
      task('tests', { kind: 'tests' }),
    );
    expect(resolved?.routing).toEqual([
      { task: 'tests', agent: 'nav', role: 'reviewer', reason: 'role reviewer from kind tests' },
    ]);
  });

  it.each<[string, Record<string, unknown>, Config, string[]]>([
    [
      'both agent and role',
      task('a', { agent: 'impl', role: 'implementer' }),
      configWith(ROLES),
      ['tasks[0].role: task "a" names both agent "impl" and role "implementer"; give one'],
    ],
    [
      'an unknown role',
      task('a', { role: 'tester' }),
      configWith(ROLES),
      ['tasks[0].role: Invalid option: expected one of "architect"|"implementer"|"reviewer"|"navigator"'],
    ],
    [
      'an unknown kind',
      task('a', { kind: 'refactor' }),
      configWith(ROLES),
      [
        'tasks[0].kind: Invalid option: expected one of "design"|"spec"|"implementation"|"tests"|"docs"|"bugfix"',
      ],
    ],
    [
      'an unmapped role and no defaults.agent',
      task('a', { kind: 'docs' }),
      configWith({}, null),
      ['tasks[0].agent: no agent given and config has no defaults.agent (roles.navigator is not set)'],
    ],
  ])('refuses %s with one line', (_name, bad, config, expected) => {
    const { lines, resolved } = check(config, bad);
    expect(lines).toEqual(expected);
    expect(resolved).toBeUndefined();
  });
});

describe('the role table for the planner', () => {
  it('maps every kind to a role', () => {
    expect(TASK_KINDS.map((k) => `${k}:${KIND_ROLES[k]}`)).toEqual([
      'design:architect',
      'spec:architect',
      'implementation:implementer',
      'tests:implementer',
      'docs:navigator',
      'bugfix:implementer',
    ]);
  });

  it('describes each role with its agent and kinds', () => {
    const config = configWith({ architect: 'arch', kinds: { tests: 'reviewer' } });
    expect(describeRoles(config.roles, config.defaults.agent)).toEqual([
      'architect → arch (designs interfaces and writes specs; kinds: design, spec)',
      'implementer → defaults.agent "base" (not mapped) (writes code and tests; kinds: implementation, bugfix)',
      'reviewer → defaults.agent "base" (not mapped) (judges a task\'s result against its acceptance criteria; kinds: tests)',
      'navigator → defaults.agent "base" (not mapped) (keeps docs and the map of the code up to date; kinds: docs)',
    ]);
  });
});

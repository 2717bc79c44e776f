import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { isSpecPath, isTestPath } from '../../src/plan/policies.js';
import { checkPlan } from '../../src/plan/validate.js';

function configWith(workflow: Record<string, unknown>): Config {
  return ConfigSchema.parse({
    concurrency: 2,
    agents: { fake: { type: 'command', command: './agent.sh' } },
    defaults: { agent: 'fake', timeout: '10m', retries: 0, verify_timeout: '5m' },
    workflow,
  });
}

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'haco-policies-'));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const task = (id: string, files: string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  files,
  prompt: `do ${id}`,
  ...extra,
});

function linesOf(workflow: Record<string, unknown>, ...tasks: Record<string, unknown>[]): string[] {
  const { problems, plan } = checkPlan({ version: 1, goal: 'g', tasks }, configWith(workflow), repo);
  if (problems.length) expect(plan).toBeUndefined();
  else expect(plan).toBeDefined();
  return problems.map((p) => `${p.path}: ${p.message}`);
}

const spec = task('spec', ['specs/api.md'], { kind: 'spec' });
const tests = task('tests', ['test/api.test.ts'], { kind: 'tests' });
const code = (deps: string[], id = 'api') =>
  task(id, [`src/${id}.ts`], { kind: 'implementation', depends_on: deps });

describe('workflow.spec_first', () => {
  it('accepts specs first, directly or through another task', () => {
    expect(linesOf({ spec_first: true }, spec, code(['spec']), code(['api'], 'client'))).toEqual([]);
  });

  it('counts a task without a kind owning only specs/ paths as a spec task', () => {
    expect(linesOf({ spec_first: true }, task('s', ['specs/']), code(['s']))).toEqual([]);
  });

  it('refuses a plan with implementation tasks and no spec task', () => {
    expect(linesOf({ spec_first: true }, code([]), code([], 'db'))).toEqual([
      'tasks: implementation tasks (api, db) but no spec task (workflow.spec_first)',
    ]);
  });

  it('refuses an implementation task that does not wait for a spec, and a spec that waits for code', () => {
    expect(
      linesOf(
        { spec_first: true },
        spec,
        code([]),
        task('late-spec', ['specs/db.md'], { kind: 'spec', depends_on: ['api'] }),
      ),
    ).toEqual([
      'tasks[2].depends_on: spec task "late-spec" depends on implementation task "api"; specs come first (workflow.spec_first)',
      'tasks[1].depends_on: implementation task "api" does not depend on a spec task (workflow.spec_first)',
    ]);
  });

  it('checks nothing when off (the default)', () => {
    expect(linesOf({}, code([]))).toEqual([]);
  });
});

describe('workflow.tdd', () => {
  it('accepts a tests task before each implementation task', () => {
    expect(linesOf({ tdd: true }, tests, code(['tests']), code(['api'], 'client'))).toEqual([]);
  });

  it('refuses implementation tasks without a tests task before them, one line each', () => {
    expect(linesOf({ tdd: true }, tests, code([]), code(['tests'], 'ok'), code([], 'db'))).toEqual([
      'tasks[1].depends_on: implementation task "api" does not depend on a tests task (workflow.tdd)',
      'tasks[3].depends_on: implementation task "db" does not depend on a tests task (workflow.tdd)',
    ]);
  });

  it('refuses a tests task that owns no test files', () => {
    expect(linesOf({ tdd: true }, task('t', ['src/fixtures.ts'], { kind: 'tests' }), code(['t']))).toEqual([
      'tasks[1].depends_on: implementation task "api" depends on tests task(s) "t" owning no test files (workflow.tdd)',
    ]);
  });

  it('reports spec_first and tdd together', () => {
    expect(linesOf({ tdd: true, spec_first: true }, code([]))).toEqual([
      'tasks: implementation tasks (api) but no spec task (workflow.spec_first)',
      'tasks[0].depends_on: implementation task "api" does not depend on a tests task (workflow.tdd)',
    ]);
  });
});

describe('what counts as a spec path and a test path', () => {
  it.each([
    ['specs/api.md', true],
    ['specs/**', true],
    ['docs/auth.spec.md', true],
    ['README.md', false],
    ['src/specs/x.md', false],
  ])('spec path %s: %s', (path, expected) => expect(isSpecPath(path)).toBe(expected));

  it.each([
    ['test/api.test.ts', true],
    ['src/__tests__/a.ts', true],
    ['pkg/api_test.go', true],
    ['tests/test_api.py', true],
    ['test_api.py', true],
    ['src/a.spec.ts', true],
    ['src/**/*.test.ts', true],
    ['docs/auth.spec.md', false],
    ['src/testing.ts', false],
    ['src/api.ts', false],
  ])('test path %s: %s', (path, expected) => expect(isTestPath(path)).toBe(expected));
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { PlanError } from '../../src/lib/errors.js';
import { checkPlan, loadPlan } from '../../src/plan/validate.js';

const config: Config = ConfigSchema.parse({
  concurrency: 2,
  agents: { fake: { type: 'command', command: './agent.sh' }, other: { type: 'claude-code' } },
  defaults: { agent: 'fake', timeout: '10m', retries: 1, verify_timeout: '5m' },
});

interface TaskInput {
  id: string;
  files: unknown;
  prompt?: unknown;
  depends_on?: string[];
  [key: string]: unknown;
}

const task = (id: string, files: unknown, extra: Record<string, unknown> = {}): TaskInput => ({
  id,
  files,
  prompt: `do ${id}`,
  ...extra,
});
const plan = (...tasks: TaskInput[]): Record<string, unknown> => ({ version: 1, goal: 'test goal', tasks });

let base: string;
let repo: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'haco-plan-'));
  repo = join(base, 'repo');
  mkdirSync(join(repo, 'src', 'api'), { recursive: true });
  writeFileSync(join(repo, 'src', 'api', 'auth.ts'), '');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** The problems of a plan as `PATH: MESSAGE` lines. */
function problemsOf(data: unknown): string[] {
  const { problems, plan: resolved } = checkPlan(data, config, repo);
  if (problems.length) expect(resolved).toBeUndefined();
  return problems.map((p) => `${p.path}: ${p.message}`);
}

describe('checkPlan on a valid plan', () => {
  it('resolves defaults, normalises owned paths and keeps dependencies', () => {
    const { problems, plan: resolved } = checkPlan(
      plan(
        task('api', ['./src/api/'], {
          title: 'The API',
          agent: 'other',
          timeout: '90s',
          retries: 3,
          verify: ['npm test'],
        }),
        task('docs', ['README.md', 'docs/*.md'], { depends_on: [] }),
        task('client', ['src/api/client.ts'], { depends_on: ['api'], acceptance: ['works'] }),
      ),
      config,
      repo,
    );
    expect(problems).toEqual([]);
    expect(resolved?.goal).toBe('test goal');
    expect(resolved?.tasks).toEqual([
      {
        id: 'api',
        title: 'The API',
        agent: 'other',
        files: ['src/api/**'],
        dependsOn: [],
        prompt: 'do api',
        acceptance: [],
        verify: ['npm test'],
        timeoutMs: 90_000,
        retries: 3,
      },
      {
        id: 'docs',
        title: 'docs',
        agent: 'fake',
        files: ['README.md', 'docs/*.md'],
        dependsOn: [],
        prompt: 'do docs',
        acceptance: [],
        verify: [],
        timeoutMs: 600_000,
        retries: 1,
      },
      {
        id: 'client',
        title: 'client',
        agent: 'fake',
        files: ['src/api/client.ts'],
        dependsOn: ['api'],
        prompt: 'do client',
        acceptance: ['works'],
        verify: [],
        timeoutMs: 600_000,
        retries: 1,
      },
    ]);
  });

  it('allows overlapping ownership when a transitive dependency orders the tasks', () => {
    expect(
      problemsOf(
        plan(
          task('a', ['src/**']),
          task('b', ['lib/x.ts'], { depends_on: ['a'] }),
          task('c', ['src/a.ts'], { depends_on: ['b'] }),
        ),
      ),
    ).toEqual([]);
  });

  it('accepts an owned path through a symlink that stays inside the repository', () => {
    symlinkSync(join(repo, 'src'), join(repo, 'source'));
    expect(problemsOf(plan(task('a', ['source/x.ts'])))).toEqual([]);
  });
});

describe('checkPlan on broken plans', () => {
  it.each<[string, unknown, string[]]>([
    [
      'a 2-cycle',
      plan(task('a', ['a.ts'], { depends_on: ['b'] }), task('b', ['b.ts'], { depends_on: ['a'] })),
      ['tasks[0].depends_on: dependency cycle: a -> b -> a'],
    ],
    [
      'a 3-cycle',
      plan(
        task('a', ['a.ts'], { depends_on: ['c'] }),
        task('b', ['b.ts'], { depends_on: ['a'] }),
        task('c', ['c.ts'], { depends_on: ['b'] }),
      ),
      ['tasks[0].depends_on: dependency cycle: a -> c -> b -> a'],
    ],
    [
      'an unknown dependency',
      plan(task('a', ['a.ts'], { depends_on: ['nope'] })),
      ['tasks[0].depends_on[0]: unknown task "nope"'],
    ],
    [
      'a self-dependency',
      plan(task('a', ['a.ts'], { depends_on: ['a'] })),
      ['tasks[0].depends_on[0]: task "a" depends on itself'],
    ],
    [
      'an unknown agent',
      plan(task('a', ['a.ts'], { agent: 'gpt' })),
      ['tasks[0].agent: unknown agent "gpt" (configured: fake, other)'],
    ],
    [
      'a shared file',
      plan(task('a', ['src/a.ts']), task('b', ['src/a.ts'])),
      [
        'tasks[1].files: "src/a.ts" of task "b" overlaps "src/a.ts" of task "a", and the two may run at the same time (add a depends_on between them)',
      ],
    ],
    [
      'a directory and a file in it',
      plan(task('a', ['src/api/']), task('b', ['src/api/auth.ts'])),
      [
        'tasks[1].files: "src/api/auth.ts" of task "b" overlaps "src/api/**" of task "a", and the two may run at the same time (add a depends_on between them)',
      ],
    ],
    [
      'a glob and a file',
      plan(task('a', ['src/*.ts']), task('b', ['src/x.ts'])),
      [
        'tasks[1].files: "src/x.ts" of task "b" overlaps "src/*.ts" of task "a", and the two may run at the same time (add a depends_on between them)',
      ],
    ],
    [
      'a path with ..',
      plan(task('a', ['../x.ts'])),
      ['tasks[0].files[0]: "../x.ts" leaves the repository (contains ..)'],
    ],
    [
      'an absolute path',
      plan(task('a', ['/etc/passwd'])),
      ['tasks[0].files[0]: "/etc/passwd" is absolute; owned paths are relative to the repository root'],
    ],
    [
      'a path in .git',
      plan(task('a', ['.git/hooks/pre-commit'])),
      ['tasks[0].files[0]: ".git/hooks/pre-commit" is inside .git/, git\'s own data, which no task may own'],
    ],
    [
      'duplicate ids',
      plan(task('a', ['a.ts']), task('a', ['b.ts'])),
      ['tasks[1].id: duplicate task id "a" (also tasks[0])'],
    ],
    [
      'a bad id',
      plan(task('-a', ['a.ts'])),
      ['tasks[0].id: task ids use letters, digits, - _ . (at most 64, no leading symbol)'],
    ],
    [
      'files as a string',
      plan(task('a', 'a.ts')),
      ['tasks[0].files: Invalid input: expected array, received string'],
    ],
    ['no files', plan(task('a', [])), ['tasks[0].files: a task must own at least one path']],
    [
      'retries as a word',
      plan(task('a', ['a.ts'], { retries: 'two' })),
      ['tasks[0].retries: expected a whole number from 0 to 20'],
    ],
    [
      'a bad timeout',
      plan(task('a', ['a.ts'], { timeout: 'soon' })),
      ['tasks[0].timeout: not a duration: "soon" (use e.g. 90s, 10m, 1h30m)'],
    ],
    [
      'a missing prompt',
      plan({ id: 'a', files: ['a.ts'] }),
      ['tasks[0].prompt: required key is missing (expected string)'],
    ],
    [
      'a misspelt key',
      plan(task('a', ['a.ts'], { 'depends-on': ['b'] })),
      ['tasks[0].depends-on: unknown key'],
    ],
    ['an unknown top-level key', { ...plan(task('a', ['a.ts'])), tasks_: [] }, ['tasks_: unknown key']],
    [
      'version 2',
      { ...plan(task('a', ['a.ts'])), version: 2 },
      ['version: unsupported version 2; this haco reads version 1'],
    ],
    ['no tasks', plan(), ['tasks: a plan needs at least one task']],
    ['a list instead of a plan', [], ['(root): Invalid input: expected object, received array']],
  ])('%s', (_name, data, expected) => {
    expect(problemsOf(data)).toEqual(expected);
  });

  it('refuses a path through a symlink that leaves the repository', () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, join(repo, 'vendor'));
    symlinkSync(join(base, 'missing'), join(repo, 'gone'));
    expect(problemsOf(plan(task('a', ['vendor/lib.ts', 'gone/x.ts'])))).toEqual([
      'tasks[0].files[0]: "vendor" is a symlink that leaves the repository',
      'tasks[0].files[1]: "gone" is a symlink to a missing target',
    ]);
  });

  it('reports every semantic problem at once, in plan order', () => {
    expect(
      problemsOf(
        plan(
          task('a', ['../up.ts', 'src/a.ts'], { depends_on: ['ghost'] }),
          task('b', ['src/a.ts'], { agent: 'nobody' }),
          task('c', ['c.ts'], { depends_on: ['c'] }),
          task('a', ['d.ts']),
        ),
      ),
    ).toEqual([
      'tasks[3].id: duplicate task id "a" (also tasks[0])',
      'tasks[0].depends_on[0]: unknown task "ghost"',
      'tasks[0].files[0]: "../up.ts" leaves the repository (contains ..)',
      'tasks[1].agent: unknown agent "nobody" (configured: fake, other)',
      'tasks[2].depends_on[0]: task "c" depends on itself',
      'tasks[1].files: "src/a.ts" of task "b" overlaps "src/a.ts" of task "a", and the two may run at the same time (add a depends_on between them)',
    ]);
  });

  it('reports every schema problem at once', () => {
    expect(
      problemsOf({ version: 1, goal: '', tasks: [task('a', 'a.ts', { retries: -1, typo: 1 })] }),
    ).toEqual([
      'goal: Too small: expected string to have >=1 characters',
      'tasks[0].files: Invalid input: expected array, received string',
      'tasks[0].retries: expected a whole number from 0 to 20',
      'tasks[0].typo: unknown key',
    ]);
  });
});

describe('loadPlan', () => {
  it('throws a PlanError with one FILE: PATH: MESSAGE line per problem', () => {
    const file = join(base, 'plan.yaml');
    writeFileSync(
      file,
      'version: 1\ngoal: g\ntasks:\n  - {id: a, files: [x], prompt: p, depends_on: [b, a]}\n',
    );
    expect(() => loadPlan(file, config, repo, 'plan.yaml')).toThrow(PlanError);
    try {
      loadPlan(file, config, repo, 'plan.yaml');
    } catch (error) {
      expect((error as PlanError).lines).toEqual([
        'plan.yaml: tasks[0].depends_on[0]: unknown task "b"',
        'plan.yaml: tasks[0].depends_on[1]: task "a" depends on itself',
      ]);
      expect((error as PlanError).exitCode).toBe(2);
    }
  });

  it('names line and column of a YAML error, and the line of a JSON error', () => {
    const yaml = join(base, 'plan.yaml');
    writeFileSync(yaml, 'version: 1\ngoal: g\ngoal: h\n');
    expect(() => loadPlan(yaml, config, repo, 'p.yaml')).toThrow(
      'p.yaml: invalid YAML at line 3, column 1: Map keys must be unique',
    );
    const json = join(base, 'plan.json');
    writeFileSync(json, '{\n  "version": 1,\n  "goal": "g",\n}\n');
    expect(() => loadPlan(json, config, repo, 'p.json')).toThrow(
      /^p\.json: invalid JSON at line 4, column 1: /,
    );
  });

  it('says when the plan file is missing or empty', () => {
    expect(() => loadPlan(join(base, 'nope.yaml'), config, repo, 'nope.yaml')).toThrow(
      'nope.yaml: cannot read plan: no such file',
    );
    writeFileSync(join(base, 'empty.yaml'), '# nothing yet\n');
    expect(() => loadPlan(join(base, 'empty.yaml'), config, repo, 'empty.yaml')).toThrow(
      'empty.yaml: the plan is empty (expected version, goal and tasks)',
    );
  });

  it('returns the resolved plan when it is valid', () => {
    const file = join(base, 'plan.json');
    writeFileSync(file, JSON.stringify(plan(task('a', ['a.ts']))));
    expect(loadPlan(file, config, repo).tasks.map((t) => t.id)).toEqual(['a']);
  });
});

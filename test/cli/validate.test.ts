import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { describe, expect, it, type ExpectStatic, type TestContext } from 'vitest';

import { runHaco } from '../helpers/cli.js';
import { makeRepo, PROJECT_ROOT, type TempRepo } from '../helpers/repo.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'plans');
const CONFIG = 'haco-config.yaml';

/**
 * A repo with a fake command agent configured in CONFIG, some dirt, and `plan` copied in untracked;
 * removed when the test finishes (the tests run concurrently, so no shared afterEach).
 */
function setUp(
  context: TestContext,
  plan: string | undefined,
  kind: 'broken' | 'valid' = 'broken',
): TempRepo {
  const repo = makeRepo({
    files: {
      'README.md': '# demo\n',
      'src/a.ts': 'export const a = 1;\n',
      'src/util.ts': 'export const util = 1;\n',
      'src/api/auth.ts': 'export const auth = 1;\n',
      'agent.sh': '#!/bin/sh\nexit 0\n',
      [CONFIG]: 'agents:\n  fake: {type: command, command: ./agent.sh}\ndefaults: {agent: fake}\n',
    },
    // validate refuses an agent whose command cannot run.
    executables: ['agent.sh'],
  });
  context.onTestFinished(() => repo.dispose());
  repo.write('README.md', '# demo, edited\n');
  repo.write('notes/todo.txt', 'untracked\n');
  if (plan) repo.write(plan, readFileSync(join(FIXTURES, kind, plan), 'utf8'));
  return repo;
}

/** Everything `haco validate` must leave alone: git's view, every file and its content, the exclude file. */
function snapshot(repo: TempRepo): { status: string; files: Record<string, string>; exclude: string | null } {
  const files: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = relative(repo.root, path);
      if (key === '.git') continue;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) files[key] = `link -> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) visit(path);
      else files[key] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  visit(repo.root);
  const exclude = join(repo.root, '.git', 'info', 'exclude');
  return {
    status: repo.git('status', '--porcelain=v1', '--untracked-files=all', '--ignored'),
    files,
    exclude: existsSync(exclude) ? readFileSync(exclude, 'utf8') : null,
  };
}

/** Runs `haco validate PLAN --config CONFIG` in the repo with its own HOME, checking nothing changed. */
async function validate(
  expect: ExpectStatic,
  repo: TempRepo,
  plan: string,
): Promise<{ exitCode: number; stdout: string; lines: string[] }> {
  const before = snapshot(repo);
  const result = await runHaco(['validate', plan, '--config', CONFIG], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(snapshot(repo)).toEqual(before);
  expect(existsSync(join(repo.root, '.haco'))).toBe(false);
  return {
    exitCode: result.exitCode,
    stdout: result.stdout,
    lines: result.stderr.split('\n').filter((l) => l !== ''),
  };
}

/** [plan file, one distinctive fragment per expected stderr line, in order] */
const BROKEN: Array<[string, string[]]> = [
  ['cycle-two.yaml', ['tasks[0].depends_on: dependency cycle: a -> b -> a']],
  ['cycle-three.yaml', ['tasks[0].depends_on: dependency cycle: a -> c -> b -> a']],
  ['cycle.json', ['tasks[0].depends_on: dependency cycle: x -> y -> x']],
  ['unknown-dependency.yaml', ['tasks[1].depends_on[1]: unknown task "lint"']],
  ['self-dependency.yaml', ['tasks[0].depends_on[0]: task "loop" depends on itself']],
  ['unknown-agent.yaml', ['tasks[0].agent: unknown agent "gpt-9" (configured: claude, fake)']],
  ['overlap-file-file.yaml', ['tasks[1].files: "src/a.ts" of task "b" overlaps "src/a.ts" of task "a"']],
  [
    'overlap-dir-file.yaml',
    ['tasks[1].files: "src/api/auth.ts" of task "auth" overlaps "src/api/**" of task "api"'],
  ],
  [
    'overlap-glob-file.yaml',
    ['tasks[1].files: "src/util.ts" of task "fix" overlaps "src/*.ts" of task "style"'],
  ],
  ['path-dotdot.yaml', ['tasks[0].files[0]: "../outside.ts" leaves the repository']],
  ['path-absolute.yaml', ['tasks[0].files[0]: "/etc/hosts" is absolute']],
  ['path-symlink-escape.yaml', ['tasks[0].files[0]: "vendor" is a symlink that leaves the repository']],
  ['path-git.yaml', ['tasks[0].files[0]: ".git/hooks/pre-commit" is inside .git/']],
  ['yaml-syntax.yaml', ['invalid YAML at line 6, column 5: Flow sequence in block collection']],
  ['yaml-duplicate-key.yaml', ['invalid YAML at line 7, column 5: Map keys must be unique']],
  [
    'wrong-types.yaml',
    [
      'tasks[0].files: Invalid input: expected array, received string',
      'tasks[0].timeout: not a duration: "soon"',
      'tasks[0].retries: expected a whole number from 0 to 20',
    ],
  ],
  ['missing-prompt.yaml', ['tasks[0].prompt: required key is missing (expected string)']],
  ['unknown-task-key.yaml', ['tasks[1].depends-on: unknown key']],
  ['unknown-top-key.yaml', ['owner: unknown key']],
  ['version-2.yaml', ['version: unsupported version 2; this haco reads version 1']],
  ['empty-tasks.yaml', ['tasks: a plan needs at least one task']],
  ['duplicate-ids.yaml', ['tasks[1].id: duplicate task id "build" (also tasks[0])']],
  ['bad-task-id.yaml', ['tasks[0].id: task ids use letters, digits, - _ .']],
  [
    'invalid.json',
    ['invalid JSON at line 5, column 1: unexpected "}" (expected a property name in double quotes)'],
  ],
  [
    'many-problems.yaml',
    [
      'tasks[3].id: duplicate task id "a" (also tasks[0])',
      'tasks[0].depends_on[0]: unknown task "ghost"',
      'tasks[0].files[1]: "../up.ts" leaves the repository',
      'tasks[1].agent: unknown agent "nobody"',
      'tasks[2].depends_on[0]: task "c" depends on itself',
      'tasks[2].files[0]: "/abs.ts" is absolute',
      'tasks[1].files: "src/a.ts" of task "b" overlaps "src/a.ts" of task "a"',
    ],
  ],
];

describe('the repository snapshot', () => {
  it('sees a changed untracked file, a new file and a changed exclude file', (context) => {
    const repo = setUp(context, undefined);
    const before = snapshot(repo);
    repo.write('notes/todo.txt', 'changed\n');
    expect(snapshot(repo)).not.toEqual(before);
    const second = snapshot(repo);
    repo.write('.git/info/exclude', '/.haco/\n');
    expect(snapshot(repo)).not.toEqual(second);
    const third = snapshot(repo);
    repo.write('.haco/state.db', '');
    expect(snapshot(repo)).not.toEqual(third);
  });
});

describe('haco validate on a broken plan', () => {
  it.concurrent.for(BROKEN)('%s', async ([plan, fragments], context) => {
    const { expect } = context;
    const repo = setUp(context, plan);
    if (plan === 'path-symlink-escape.yaml') {
      const outside = join(dirname(repo.root), 'outside');
      mkdirSync(outside);
      symlinkSync(outside, join(repo.root, 'vendor'));
    }
    const { exitCode, stdout, lines } = await validate(expect, repo, plan);
    expect(lines).toHaveLength(fragments.length);
    lines.forEach((line, i) => {
      expect(line.startsWith(`haco: ${plan}: `), line).toBe(true);
      expect(line).toContain(fragments[i]);
    });
    expect(stdout).toBe('');
    expect(exitCode).toBe(2);
  });

  it.concurrent('says so when the plan file does not exist', async (context) => {
    const { expect } = context;
    const repo = setUp(context, undefined);
    const { exitCode, lines } = await validate(expect, repo, 'no-such-plan.yaml');
    expect(lines).toEqual(['haco: no-such-plan.yaml: cannot read plan: no such file']);
    expect(exitCode).toBe(2);
  });
});

describe('haco validate on a valid plan', () => {
  it.concurrent(
    'accepts overlapping ownership that depends_on orders, and changes nothing',
    async (context) => {
      const { expect } = context;
      const repo = setUp(context, 'ordered-overlap.yaml', 'valid');
      const { exitCode, stdout, lines } = await validate(expect, repo, 'ordered-overlap.yaml');
      expect(lines).toEqual([]);
      expect(stdout).toBe('ordered-overlap.yaml: valid · 3 task(s) · Ordered overlap');
      expect(exitCode).toBe(0);
    },
  );
});

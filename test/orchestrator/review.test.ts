import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { ConfigError } from '../../src/lib/errors.js';
import type { Plan, TaskSpec } from '../../src/plan/schema.js';
import { reviewConfigOf } from '../../src/orchestrator/review.js';
import { changedLines, isHubFile, riskOf } from '../../src/orchestrator/review-risk.js';
import { changesText, commentsOf, isReviewSendBack, loopStop } from '../../src/orchestrator/review-stage.js';
import { expectsRed, verifyCommandsOf } from '../../src/orchestrator/tdd.js';

function task(id: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    title: id,
    agent: 'claude',
    files: [`src/${id}.ts`],
    dependsOn: [],
    prompt: 'p',
    acceptance: [],
    verify: ['npm test'],
    timeoutMs: 1000,
    retries: 0,
    ...extra,
  };
}

const diffOf = (lines: number): string =>
  `--- a/src/x.ts\n+++ b/src/x.ts\n@@ -1,0 +1,${lines} @@\n${'+line\n'.repeat(lines)}`;

describe('the on-risk rule', () => {
  it('counts changed lines without the file headers', () => {
    expect(changedLines(diffOf(3))).toBe(3);
    expect(changedLines('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n context\n')).toBe(2);
  });

  it('knows hub files', () => {
    for (const hub of [
      'package.json',
      'web/package.json',
      'src/index.ts',
      'lib/index.js',
      'pkg/__init__.py',
      'go.mod',
    ])
      expect(isHubFile(hub), hub).toBe(true);
    for (const plain of ['src/auth.ts', 'index.test.ts', 'docs/indexes.md'])
      expect(isHubFile(plain), plain).toBe(false);
  });

  it('reviews a task without verify commands, one touching a hub file, or a large diff; not a small one', () => {
    expect(riskOf(task('a', { verify: [] }), ['src/a.ts'], diffOf(1), 200)).toBe(
      'the task has no verify command',
    );
    expect(riskOf(task('a'), ['src/a.ts', 'package.json'], diffOf(1), 200)).toBe(
      'it changes the hub file package.json',
    );
    expect(riskOf(task('a'), ['src/a.ts'], diffOf(201), 200)).toBe(
      'its diff changes 201 lines (more than 200)',
    );
    expect(riskOf(task('a'), ['src/a.ts'], diffOf(200), 200)).toBeNull();
  });
});

describe('the review loop', () => {
  it('sends back until the max_loops-th review asking for changes, which stops', () => {
    expect(loopStop([], ['fix a'], 2)).toBeNull();
    expect(loopStop([['fix a']], ['fix b'], 2)).toBe(
      'after 2 review(s) asking for changes (review.max_loops)',
    );
    expect(loopStop([['fix a']], ['fix b'], 3)).toBeNull();
    expect(loopStop([], ['fix a'], 1)).toBe('after 1 review(s) asking for changes (review.max_loops)');
  });

  it('stops early when the reviewer repeats its previous comments (any order, any spacing)', () => {
    expect(loopStop([['fix a', 'fix b']], ['fix  b', ' fix a'], 5)).toBe('repeating its earlier comments');
    // Only the previous round counts: an older comment coming back is a new request.
    expect(loopStop([['fix a'], ['fix b']], ['fix a'], 5)).toBeNull();
  });

  it('keeps the comments in the attempt error and reads them back', () => {
    const text = changesText(['name the\nfunction', '', 'add a test']);
    expect(text).toBe('the reviewer asked for changes:\n- name the function\n- add a test');
    expect(isReviewSendBack(text)).toBe(true);
    expect(isReviewSendBack('verification failed')).toBe(false);
    expect(isReviewSendBack(null)).toBe(false);
    expect(commentsOf(text)).toEqual(['name the function', 'add a test']);
  });
});

describe('review config', () => {
  const { config } = loadConfig({ home: `${tmpdir()}/haco-no-home` });

  it.each([
    ['review: {mode: sometimes}', 'review.mode: Invalid option: expected one of "never"|"always"|"on-risk"'],
    ['review: {confidence_threshold: 1.5}', 'review.confidence_threshold: expected a number from 0 to 1'],
    ['review: {max_loops: 0}', 'review.max_loops: expected a whole number from 1 to 10'],
    ['review: {loops: 2}', 'review.loops: unknown key'],
  ])('refuses %s with one line naming the key', (text, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'haco-review-config-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, text);
      let lines: readonly string[] = [];
      try {
        loadConfig({ home: join(dir, 'home'), configFile: file });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        lines = error.lines;
      }
      expect(lines).toEqual([`${file}: ${line}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults to never, threshold 0.6, 2 loops; stored configs without it read as never', () => {
    expect(config.review).toEqual({
      mode: 'never',
      confidence_threshold: 0.6,
      max_loops: 2,
      risk_lines: 200,
    });
    const { review: _dropped, ...old } = config;
    expect(reviewConfigOf(old).mode).toBe('never');
  });
});

describe('tdd at run time', () => {
  const { config: base } = loadConfig({ home: `${tmpdir()}/haco-no-home` });
  const tdd: Config = { ...base, workflow: { ...base.workflow, tdd: true } };
  const plan: Plan = {
    version: 1,
    goal: 'g',
    tasks: [
      task('tests', { kind: 'tests', files: ['test/x.test.ts'], verify: ['npx vitest run test/x.test.ts'] }),
      task('types', { kind: 'design', dependsOn: ['tests'], verify: ['tsc'] }),
      task('impl', { kind: 'implementation', dependsOn: ['types'], verify: ['tsc'] }),
      task('docs', { kind: 'docs', dependsOn: ['tests'], verify: [] }),
    ],
  };
  const byId = (id: string): TaskSpec => plan.tasks.find((t) => t.id === id) as TaskSpec;

  it('an implementation task runs the verify commands of the tests tasks it depends on, through others', () => {
    expect(verifyCommandsOf(plan, tdd, byId('impl'))).toEqual(['tsc', 'npx vitest run test/x.test.ts']);
    expect(verifyCommandsOf(plan, tdd, byId('docs'))).toEqual([]);
    expect(verifyCommandsOf(plan, base, byId('impl'))).toEqual(['tsc']);
  });

  it('a tests task must see its verify commands fail, only under workflow.tdd', () => {
    expect(expectsRed(tdd, byId('tests'))).toBe(true);
    expect(expectsRed(base, byId('tests'))).toBe(false);
    expect(expectsRed(tdd, byId('impl'))).toBe(false);
    expect(expectsRed(tdd, { ...byId('tests'), verify: [] })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';

import { addedDependencies, isManifest } from '../../src/orchestrator/dependencies.js';
import { undeclaredDependencies } from '../../src/orchestrator/gates.js';
import {
  GO,
  runStages,
  type Stage,
  type StageName,
  type StageResult,
} from '../../src/orchestrator/stages.js';

/** A stage that records that it ran and returns `result`. */
function stage(name: StageName, result: StageResult, ran: StageName[]): Stage<{ seen: number }> {
  return {
    name,
    run(ctx) {
      ran.push(name);
      ctx.seen += 1;
      return Promise.resolve(result);
    },
  };
}

describe('runStages', () => {
  it('runs every stage in order when each goes on, and ends with the last', async () => {
    const ran: StageName[] = [];
    const ctx = { seen: 0 };
    const started: StageName[] = [];
    const out = await runStages(
      [stage('agent', GO, ran), stage('verify', GO, ran), stage('commit', GO, ran)],
      ctx,
      (name) => started.push(name),
    );
    expect(out).toEqual({ result: GO, stage: 'commit' });
    expect(ran).toEqual(['agent', 'verify', 'commit']);
    expect(started).toEqual(ran);
    expect(ctx.seen).toBe(3);
  });

  it.each<StageResult>([
    { kind: 'send_back', reason: 'verification failed', feedback: '$ npm test\n[exit 1]\n' },
    { kind: 'breakpoint', breakpointId: 7, reason: 'waiting at breakpoint 7' },
    { kind: 'interrupted', reason: 'stopped' },
    { kind: 'stop', reason: 'the reviewer gave up' },
  ])('stops at the first stage that does not go on ($kind)', async (result) => {
    const ran: StageName[] = [];
    const out = await runStages(
      [stage('agent', GO, ran), stage('gates', result, ran), stage('commit', GO, ran)],
      { seen: 0 },
    );
    expect(out).toEqual({ result, stage: 'gates' });
    expect(ran).toEqual(['agent', 'gates']);
  });

  it('passes a stage’s error on and refuses an empty list', async () => {
    const boom: Stage<object> = { name: 'review', run: () => Promise.reject(new Error('reviewer down')) };
    await expect(runStages([boom], {})).rejects.toThrow('reviewer down');
    await expect(runStages([], {})).rejects.toThrow('at least one stage');
  });
});

describe('dependency manifests', () => {
  it('knows the manifests by file name', () => {
    expect(
      [
        'package.json',
        'web/package.json',
        'requirements-dev.txt',
        'pyproject.toml',
        'go.mod',
        'Cargo.toml',
      ].every(isManifest),
    ).toBe(true);
    expect(['package-lock.json', 'requirements.md', 'src/go.mod.ts'].some(isManifest)).toBe(false);
  });

  it('package.json: every dependency section, not scripts', () => {
    const before = JSON.stringify({ dependencies: { zod: '1' }, scripts: { test: 'vitest' } });
    const after = JSON.stringify({
      dependencies: { zod: '2', express: '5' },
      devDependencies: { vitest: '4' },
      peerDependencies: { react: '19' },
      optionalDependencies: { fsevents: '2' },
      scripts: { test: 'vitest', lint: 'eslint' },
    });
    expect(addedDependencies('package.json', before, after)).toEqual([
      'express',
      'fsevents',
      'react',
      'vitest',
    ]);
    expect(addedDependencies('package.json', null, '{"dependencies":{"a":"1"}}')).toEqual(['a']);
    expect(addedDependencies('package.json', before, '{ not json')).toEqual([]);
  });

  it('requirements*.txt: names normalised, options and comments skipped', () => {
    const before = 'Flask==3.0\n# comment\n';
    const after = 'flask==3.1\nrequests>=2 ; python_version > "3.8"\n-r base.txt\nPyYAML[extra]~=6  # yaml\n';
    expect(addedDependencies('requirements.txt', before, after)).toEqual(['pyyaml', 'requests']);
  });

  it('pyproject.toml: PEP 621 lists and Poetry tables', () => {
    const before = '[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n';
    const after = [
      '[project]',
      'name = "x"',
      'dependencies = [',
      '  "httpx>=0.27",',
      '  "rich",',
      ']',
      '[project.optional-dependencies]',
      'test = ["pytest>=8"]',
      '[tool.poetry.dependencies]',
      'python = "^3.12"',
      'Django = "^5"',
    ].join('\n');
    expect(addedDependencies('pyproject.toml', before, after)).toEqual(['django', 'pytest', 'rich']);
  });

  it('go.mod: require lines and blocks', () => {
    const before = 'module x\n\ngo 1.22\n\nrequire github.com/a/b v1.0.0\n';
    const after =
      'module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\tgolang.org/x/sync v0.7.0 // indirect\n)\n';
    expect(addedDependencies('go.mod', before, after)).toEqual(['golang.org/x/sync']);
  });

  it('Cargo.toml: dependency tables of every kind', () => {
    const before = '[package]\nname = "x"\n[dependencies]\nserde = "1"\n';
    const after = [
      '[package]',
      'name = "x"',
      'version = "0.1.0"',
      '[dependencies]',
      'serde = { version = "1", features = ["derive"] }',
      'tokio = "1"',
      '[dev-dependencies]',
      'proptest = "1"',
      '[dependencies.regex]',
      'version = "1"',
      "[target.'cfg(unix)'.dependencies]",
      'nix = "0.29"',
    ].join('\n');
    expect(addedDependencies('Cargo.toml', before, after)).toEqual(['nix', 'proptest', 'regex', 'tokio']);
  });

  it('the guard reports only undeclared additions, by file', () => {
    const versions = [
      { path: 'package.json', before: '{}', after: '{"dependencies":{"left-pad":"1","zod":"4"}}' },
      { path: 'src/index.ts', before: null, after: 'export {}' },
      { path: 'requirements.txt', before: null, after: 'requests\n' },
    ];
    expect(undeclaredDependencies(versions, ['zod'])).toEqual({
      'package.json': ['left-pad'],
      'requirements.txt': ['requests'],
    });
    expect(undeclaredDependencies(versions, ['zod', 'left-pad', 'requests'])).toEqual({});
  });
});

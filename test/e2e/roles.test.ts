import { afterEach, describe, expect, it } from 'vitest';

import type { RoutingDecision } from '../../src/plan/schema.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

// A command agent that writes its own name into each file its task owns, so the result shows
// which agent ran which task.
const agentScript = (name: string): string => `#!/bin/sh
printf '%s\\n' "$HACO_OWNED_FILES" | while IFS= read -r f; do
  mkdir -p "$(dirname "$f")"
  echo ${name} > "$f"
done
`;

function rolesRepo(): TempRepo {
  const repo = makeRepo({
    files: {
      'arch.sh': agentScript('arch'),
      'impl.sh': agentScript('impl'),
      'base.sh': agentScript('base'),
      'cfg.yaml': [
        'agents:',
        '  arch: {type: command, command: ./arch.sh}',
        '  impl: {type: command, command: ./impl.sh}',
        '  base: {type: command, command: ./base.sh}',
        'defaults: {agent: base}',
        'roles: {architect: arch, implementer: impl}',
        'workflow: {spec_first: true, tdd: true}',
        '',
      ].join('\n'),
      'plan.yaml': [
        'version: 1',
        'goal: roles demo',
        'tasks:',
        '  - {id: spec, kind: spec, files: [specs/api.md], prompt: write the spec}',
        '  - {id: tests, kind: tests, files: [test/api.test.ts], depends_on: [spec], prompt: write tests}',
        '  - {id: api, kind: implementation, files: [src/api.ts], depends_on: [tests], prompt: write it}',
        '  - {id: docs, kind: docs, files: [docs/api.md], depends_on: [api], prompt: document it}',
        '  - {id: tool, agent: impl, files: [tools/x.sh], prompt: a tool}',
        '  - {id: review, role: architect, files: [notes/review.md], depends_on: [api], prompt: look}',
        '',
      ].join('\n'),
    },
    executables: ['arch.sh', 'impl.sh', 'base.sh'],
  });
  repos.push(repo);
  return repo;
}

const EXPECTED: RoutingDecision[] = [
  { task: 'spec', agent: 'arch', role: 'architect', reason: 'role architect from kind spec' },
  { task: 'tests', agent: 'impl', role: 'implementer', reason: 'role implementer from kind tests' },
  { task: 'api', agent: 'impl', role: 'implementer', reason: 'role implementer from kind implementation' },
  { task: 'docs', agent: 'base', reason: 'role navigator from kind docs, not mapped: defaults.agent' },
  { task: 'tool', agent: 'impl', reason: 'agent named in plan' },
  { task: 'review', agent: 'arch', role: 'architect', reason: 'role architect named in plan' },
];

describe('roles through the built CLI', () => {
  it('haco validate --json shows every routing decision', async () => {
    const repo = rolesRepo();
    const result = await runHaco(['validate', 'plan.yaml', '--config', 'cfg.yaml', '--json'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      file: 'plan.yaml',
      valid: true,
      goal: 'roles demo',
      tasks: 6,
      routing: EXPECTED,
    });
  });

  it('a run uses the routed agents and haco logs shows each decision', async () => {
    const repo = rolesRepo();
    const env = { HOME: repo.home };
    const run = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
      cwd: repo.root,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { run_id: string; status: string };
    expect(summary.status).toBe('completed');
    // Each owned file was written by the agent its task was routed to.
    const written = Object.fromEntries(
      ['specs/api.md', 'test/api.test.ts', 'src/api.ts', 'docs/api.md', 'tools/x.sh', 'notes/review.md'].map(
        (path) => [path, repo.git('show', `HEAD:${path}`)],
      ),
    );
    expect(written).toEqual({
      'specs/api.md': 'arch',
      'test/api.test.ts': 'impl',
      'src/api.ts': 'impl',
      'docs/api.md': 'base',
      'tools/x.sh': 'impl',
      'notes/review.md': 'arch',
    });

    const logs = await runHaco(['logs', summary.run_id, '--json'], { cwd: repo.root, env });
    expect(logs.exitCode, logs.stderr).toBe(0);
    const entries = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { task: string | null; message: string });
    const routed = entries.filter((e) => e.message.startsWith('routed to '));
    expect(routed.map((e) => `${e.task}: ${e.message}`)).toEqual(
      EXPECTED.map((d) => `${d.task}: routed to ${d.agent}: ${d.reason}`),
    );
    // Recorded when the run started: before the plan was approved.
    const approval = entries.findIndex((e) => e.message.includes('plan_approval'));
    expect(approval).toBeGreaterThan(entries.indexOf(routed.at(-1) ?? routed[0]!));

    const text = await runHaco(['logs', summary.run_id], { cwd: repo.root, env });
    expect(text.stdout).toMatch(/Z {2}api +routed to impl: role implementer from kind implementation\n/);
  });

  it('haco run refuses a plan that breaks tdd, one line per problem, and starts nothing', async () => {
    const repo = rolesRepo();
    repo.write(
      'plan2.yaml',
      [
        'version: 1',
        'goal: no tests',
        'tasks:',
        '  - {id: spec, kind: spec, files: [specs/api.md], prompt: spec}',
        '  - {id: api, kind: implementation, files: [src/api.ts], depends_on: [spec], prompt: it}',
        '  - {id: db, kind: implementation, files: [src/db.ts], prompt: db}',
        '',
      ].join('\n'),
    );
    const result = await runHaco(['run', 'plan2.yaml', '--config', 'cfg.yaml', '--yes', '--headless'], {
      cwd: repo.root,
      env: { HOME: repo.home },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'haco: plan2.yaml: tasks[2].depends_on: implementation task "db" does not depend on a spec task (workflow.spec_first)',
      'haco: plan2.yaml: tasks[1].depends_on: implementation task "api" does not depend on a tests task (workflow.tdd)',
      'haco: plan2.yaml: tasks[2].depends_on: implementation task "db" does not depend on a tests task (workflow.tdd)',
    ]);
    expect(repo.git('status', '--porcelain', '--ignored')).toBe('?? plan2.yaml');
  });
});

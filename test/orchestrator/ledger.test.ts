import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import type { Plan, TaskSpec } from '../../src/plan/schema.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

// Appends its task id to the owned file, slowly enough for overlaps to show.
const AGENT = `#!/bin/sh
echo "$HACO_TASK_ID" >> "$(echo "$HACO_OWNED_FILES" | head -n 1)"
sleep 0.4
`;

function task(id: string, files: string[]): TaskSpec {
  return {
    id,
    title: id,
    agent: 'a',
    files,
    dependsOn: [],
    prompt: 'p',
    acceptance: [],
    verify: [],
    timeoutMs: 30_000,
    retries: 0,
  };
}

it('never runs two tasks whose claims meet, even when the plan was not validated', async () => {
  const repo = makeRepo({
    files: { 'agent.sh': AGENT, 'cfg.yaml': 'agents:\n  a: { type: command, command: ./agent.sh }\n' },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  const { config } = loadConfig({
    repoRoot: repo.root,
    home: repo.home,
    configFile: join(repo.root, 'cfg.yaml'),
  });
  // `first` and `second` both own shared.txt and nothing orders them; `other` owns its own file.
  const plan: Plan = {
    version: 1,
    goal: 'overlap',
    tasks: [task('first', ['shared.txt']), task('second', ['shared.txt']), task('other', ['other.txt'])],
  };
  const core = await Orchestrator.open(repo.root);
  try {
    const runId = await core.createRun(plan, config, { autoApprove: true, concurrency: 3 });
    expect(await core.drive(runId)).toBe('completed');
    const attempts = core.db.getAttempts(runId);
    const span = (id: string) => {
      const a = attempts.find((x) => x.taskId === id)!;
      return [a.startedAt, a.endedAt!] as const;
    };
    const overlaps = (x: readonly [number, number], y: readonly [number, number]) =>
      x[0] < y[1] && y[0] < x[1];
    expect(overlaps(span('first'), span('second'))).toBe(false);
    expect(overlaps(span('first'), span('other')) || overlaps(span('second'), span('other'))).toBe(true);
    expect(core.db.claims.active(runId)).toEqual([]);
  } finally {
    core.close();
  }
});

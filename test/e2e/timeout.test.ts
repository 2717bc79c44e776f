import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { runningInGroup } from '../helpers/processes.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

/** Whether a pid is a running process (a zombie awaiting a reaper is not). */
function isRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

// A hung agent: it starts background children in its process group, records their pids, and
// never exits by itself.
const HANGING_AGENT = `#!/bin/sh
sleep 300 &
echo $! > .children
( while true; do sleep 1; done ) &
echo $! >> .children
echo "hanging agent $$ started"
sleep 600
`;

it('kills an agent that hangs at its task timeout, leaving no process of its group behind', async () => {
  const repo = makeRepo({
    files: {
      '.gitignore': '.children\n',
      'hang.sh': HANGING_AGENT,
      'cfg.yaml': 'agents:\n  hang: { type: command, command: ./hang.sh }\ndefaults: { agent: hang }\n',
      'plan.yaml': [
        'version: 1',
        'goal: hang',
        'tasks:',
        '  - { id: stuck, files: [out.txt], prompt: "never finishes", timeout: 2s, retries: 0 }',
        '',
      ].join('\n'),
    },
    executables: ['hang.sh'],
  });
  repos.push(repo);

  const started = Date.now();
  const result = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  const elapsed = Date.now() - started;
  expect(result.exitCode).toBe(1);
  const summary = JSON.parse(result.stdout) as RunSummary;
  expect(summary.tasks[0]).toMatchObject({ id: 'stuck', status: 'failed', attempts: 1 });
  expect(elapsed).toBeLessThan(60_000);

  const [attempt] = withState(repo.root, (db) => db.getAttempts(summary.run_id));
  expect(attempt?.status).toBe('timed_out');
  expect(attempt?.error).toContain('timed out');
  const pgid = attempt!.pid!;
  const children = readFileSync(join(repo.root, '.children'), 'utf8').split('\n').filter(Boolean).map(Number);
  expect(children).toHaveLength(2);
  expect(runningInGroup(pgid)).toEqual([]);
  for (const pid of [pgid, ...children]) expect(isRunning(pid), `pid ${pid}`).toBe(false);
});

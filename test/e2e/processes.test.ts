/**
 * Processes and their output, through the built CLI on real repositories: an agent killed by a
 * signal fails its attempt and nothing of it is committed; its last output lines reach the task's
 * error, the retry prompt, `haco status` and the headless progress lines; a timeout of 700 h is
 * accepted and does not fire early.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

const CONFIG = 'agents:\n  fake: { type: command, command: ./agent.sh }\ndefaults: { agent: fake }\n';

function plan(task: string): string {
  return ['version: 1', 'goal: processes', 'tasks:', `  - ${task}`, ''].join('\n');
}

it('fails an agent killed by SIGKILL mid-file: nothing committed, its last lines in every report', async () => {
  const repo = makeRepo({
    files: {
      'README.md': '# demo\n',
      'agent.sh': [
        '#!/bin/sh',
        'echo "attempt starting"',
        'mkdir -p src',
        "printf 'export const half = ' > src/half.ts",
        'echo "wrote half of src/half.ts"',
        'kill -9 $$',
        '',
      ].join('\n'),
      'cfg.yaml': CONFIG,
      'plan.yaml': plan('{ id: half, files: [src/half.ts], prompt: "write half.ts", retries: 1 }'),
    },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  const head = repo.git('rev-parse', 'HEAD');

  const result = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(result.exitCode, result.stderr).toBe(1);
  const summary = JSON.parse(result.stdout) as RunSummary;
  const error = 'agent killed by SIGKILL\nlast output:\n  | attempt starting\n  | wrote half of src/half.ts';
  expect(summary.tasks[0]).toMatchObject({ id: 'half', status: 'failed', attempts: 2, commit: null, error });

  // Nothing of the half-written file was committed.
  expect(repo.git('rev-parse', 'HEAD')).toBe(head);
  expect(repo.git('log', '--format=%s')).toBe('initial');

  const attempts = withState(repo.root, (db) => db.getAttempts(summary.run_id));
  expect(attempts.map((a) => [a.status, a.exitCode, a.signal, a.error])).toEqual([
    ['failed', 137, 9, error],
    ['failed', 137, 9, error],
  ]);
  const [first, second] = attempts;
  expect(readFileSync(first!.transcriptFile!, 'utf8')).toContain('wrote half of src/half.ts');
  // The retry prompt carries the cause and the output lines.
  const retryPrompt = readFileSync(
    join(repo.root, '.haco', 'runs', summary.run_id, 'half', 'attempt-2', 'prompt.md'),
    'utf8',
  );
  expect(retryPrompt).toContain(error);
  expect(second?.n).toBe(2);

  // Headless progress: the cause in parentheses, the output lines below it.
  expect(result.stderr).toContain(
    [
      'haco: half: failed (agent killed by SIGKILL)',
      'haco:   last output:',
      'haco:     | attempt starting',
      'haco:     | wrote half of src/half.ts',
    ].join('\n'),
  );

  const status = await runHaco(['status', summary.run_id], { cwd: repo.root, env: { HOME: repo.home } });
  expect(status.exitCode, status.stderr).toBe(0);
  expect(status.stdout).toContain(
    [
      '      agent killed by SIGKILL',
      '      last output:',
      '        | attempt starting',
      '        | wrote half of src/half.ts',
    ].join('\n'),
  );
});

it('shows the last output lines of an agent that exits non-zero in haco status', async () => {
  const repo = makeRepo({
    files: {
      'agent.sh': '#!/bin/sh\necho "npm ERR! missing script: build" >&2\nexit 2\n',
      'cfg.yaml': CONFIG,
      'plan.yaml': plan('{ id: build, files: [dist/], prompt: "build", retries: 0 }'),
    },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  const run = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(run.exitCode, run.stderr).toBe(1);
  const status = await runHaco(['status'], { cwd: repo.root, env: { HOME: repo.home } });
  expect(status.stdout).toMatch(
    /✘ build +failed +1 attempt\n {6}agent exited with code 2\n {6}last output:\n {8}\| npm ERR! missing script: build/,
  );
});

it('runs a task whose timeout is 700 h to the end instead of timing it out at once', async () => {
  // One Node timer of 700 h (over 2^31 − 1 ms) would fire after 1 ms and kill the agent.
  const repo = makeRepo({
    files: {
      'agent.sh': "#!/bin/sh\nsleep 0.5\nmkdir -p src\necho 'export const x = 1;' > src/x.ts\necho done\n",
      'cfg.yaml': CONFIG,
      'plan.yaml': plan('{ id: slow, files: [src/x.ts], prompt: "write x", timeout: 700h, retries: 0 }'),
    },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  const validate = await runHaco(['validate', 'plan.yaml', '--config', 'cfg.yaml'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(validate.exitCode, validate.stderr).toBe(0);
  const result = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(result.exitCode, result.stderr).toBe(0);
  const summary = JSON.parse(result.stdout) as RunSummary;
  expect(summary.tasks[0]).toMatchObject({ id: 'slow', status: 'done', attempts: 1 });
  expect(repo.git('show', 'HEAD:src/x.ts')).toBe('export const x = 1;');
});

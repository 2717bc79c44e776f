import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.dispose()));

function mathlib(): TempRepo {
  const repo = makeRepo({ example: 'mathlib' });
  repos.push(repo);
  return repo;
}

/** Every file of the work tree (but .git/ and .haco/) → its bytes (base64) and permission bits. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (path === '.git' || path === '.haco') continue;
      if (entry.isDirectory()) walk(path);
      else
        out[path] =
          `${(statSync(join(root, path)).mode & 0o777).toString(8)} ${readFileSync(join(root, path)).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

const without = (files: Record<string, string>, ...paths: string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(files).filter(([p]) => !paths.includes(p)));

/** `git status --porcelain` lines, sorted (not trimmed: the first column matters). */
const porcelain = (repo: TempRepo): string[] =>
  execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
    cwd: repo.root,
    encoding: 'utf8',
    env: { ...process.env, HOME: repo.home },
  })
    .split('\n')
    .filter(Boolean)
    .sort();

type TaskSummary = RunSummary['tasks'][number];
const byId = (summary: RunSummary): Record<string, TaskSummary> =>
  Object.fromEntries(summary.tasks.map((t) => [t.id, t]));

describe('haco rollback', () => {
  it('undoes one task, then the whole run, leaving the user’s own work byte for byte', async () => {
    const repo = mathlib();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    // The user's work in progress: a dirty tracked file and an untracked one, neither in the plan.
    writeFileSync(
      join(repo.root, 'README.md'),
      `${readFileSync(join(repo.root, 'README.md'), 'utf8')}\nMy own notes, not committed.\r\n`,
    );
    writeFileSync(join(repo.root, 'scratch.bin'), Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x42]));
    const start = snapshot(repo.root);
    const userStatus = [' M README.md', '?? scratch.bin'];

    const run = await runHaco(['run', 'plan.yaml', '--config', 'haco.yaml', '--yes', '--json'], opts);
    expect(run.stderr).not.toContain('internal error');
    expect(run.exitCode).toBe(0);
    const runId = (JSON.parse(run.stdout) as RunSummary).run_id;
    const afterRun = snapshot(repo.root);
    const written = ['src/add.js', 'src/mean.js', 'src/multiply.js', 'src/power.js'];
    expect(
      Object.keys(afterRun)
        .filter((p) => afterRun[p] !== start[p])
        .sort(),
    ).toEqual(written);
    expect(without(afterRun, ...written)).toEqual(start);
    expect(porcelain(repo)).toEqual(userStatus);

    // status --json: each task's lines vs its checkpoint (every file was new: all lines added).
    const done = JSON.parse((await runHaco(['status', runId, '--json'], opts)).stdout) as RunSummary;
    const linesOf = (path: string): number =>
      readFileSync(join(repo.root, path), 'utf8')
        .split('\n')
        .filter((_, i, all) => i < all.length - 1 || all[i] !== '').length;
    expect(byId(done).power?.changed_files).toEqual([
      { path: 'src/power.js', added: linesOf('src/power.js'), removed: 0 },
    ]);
    expect(byId(done).add?.changed_files).toEqual([
      { path: 'src/add.js', added: linesOf('src/add.js'), removed: 0 },
    ]);

    // One task: power's file did not exist at its checkpoint, so it goes; the rest stay.
    const one = await runHaco(['rollback', runId, '--task', 'power'], opts);
    expect(one.stderr).not.toContain('internal error');
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toBe('power: deleted src/power.js');
    expect(snapshot(repo.root)).toEqual(without(afterRun, 'src/power.js'));
    expect(porcelain(repo)).toEqual([...userStatus, ' D src/power.js'].sort());
    const afterOne = JSON.parse((await runHaco(['status', runId, '--json'], opts)).stdout) as RunSummary;
    expect(afterOne.status).toBe('completed');
    expect(byId(afterOne).power).toMatchObject({ status: 'rolled_back', changed_files: [] });
    expect(byId(afterOne).add).toMatchObject({
      status: 'done',
      changed_files: [{ path: 'src/add.js', removed: 0 }],
    });

    // The whole run, latest start first: the work tree is back to how the user left it.
    const all = await runHaco(['rollback', runId, '--json'], opts);
    expect(all.stderr).not.toContain('internal error');
    expect(all.exitCode).toBe(0);
    const result = JSON.parse(all.stdout) as {
      run_id: string;
      status: string;
      tasks: Array<{ id: string; paths: Array<{ path: string; action: string }> }>;
    };
    expect(result.status).toBe('rolled_back');
    expect(result.tasks[0]).toEqual({ id: 'power', paths: [{ path: 'src/power.js', action: 'unchanged' }] });
    expect(
      result.tasks
        .slice(1)
        .map((t) => t.id)
        .sort(),
    ).toEqual(['add', 'mean', 'multiply']);
    expect(result.tasks.slice(1).flatMap((t) => t.paths)).toEqual(
      expect.arrayContaining(written.slice(0, 3).map((path) => ({ path, action: 'deleted' }))),
    );
    expect(snapshot(repo.root)).toEqual(start);
    expect(porcelain(repo)).toEqual([...userStatus, ...written.map((p) => ` D ${p}`)].sort());

    const rolledBack = JSON.parse((await runHaco(['status', runId, '--json'], opts)).stdout) as RunSummary;
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.tasks.map((t) => [t.id, t.status, t.changed_files])).toEqual([
      ['add', 'rolled_back', []],
      ['multiply', 'rolled_back', []],
      ['power', 'rolled_back', []],
      ['mean', 'rolled_back', []],
    ]);
    const events = withState(repo.root, (db) =>
      db
        .getEvents(runId)
        .filter((e) => e.kind === 'task:rolled-back')
        .map((e) => e.taskId),
    );
    expect(events[0]).toBe('power');
    expect(events).toHaveLength(5);
  });

  it('refuses, in one line (exit 2): an unknown task, a task that never started, a running run', async () => {
    const repo = mathlib();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'haco.yaml', '--json'], opts);
    expect(paused.exitCode).toBe(3);
    const runId = (JSON.parse(paused.stdout) as RunSummary).run_id;

    const unknown = await runHaco(['rollback', runId, '--task', 'nope'], opts);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe(
      `haco: run ${runId} has no task "nope" (its tasks: add, multiply, power, mean)`,
    );

    const never = await runHaco(['rollback', runId, '--task', 'add'], opts);
    expect(never.exitCode).toBe(2);
    expect(never.stderr).toBe(
      `haco: task add of run ${runId} never started, so there is nothing to roll back`,
    );

    const whole = await runHaco(['rollback', runId], opts);
    expect(whole.exitCode).toBe(2);
    expect(whole.stderr).toContain('never started a task');

    withState(repo.root, (db) => db.setRunStatus(runId, 'running', Date.now()));
    const running = await runHaco(['rollback', runId], opts);
    expect(running.exitCode).toBe(2);
    expect(running.stderr.trim().split('\n')).toHaveLength(1);
    expect(running.stderr).toContain(`run ${runId} is still running; stop it first`);
    expect(withState(repo.root, (db) => db.getRun(runId)?.status)).toBe('running');
    expect(repo.git('status', '--porcelain')).toBe('');

    const pending = JSON.parse((await runHaco(['status', runId, '--json'], opts)).stdout) as RunSummary;
    expect(
      pending.tasks.every(
        (t) => t.status === 'pending' && Array.isArray(t.changed_files) && t.changed_files.length === 0,
      ),
    ).toBe(true);
  });
});

/** A shell agent: `gen` writes files in its owned directory and paths; `bad` half-writes, then fails verify. */
const GEN_AGENT = `#!/bin/sh
set -e
case "$HACO_TASK_ID" in
  gen)
    mkdir -p gen
    printf 'haco a\\n' > gen/a.txt
    printf 'haco b\\n' > gen/b.txt
    printf 'todo, as haco left it\\n' > notes/todo.txt
    printf 'log by haco\\n' > cache.log ;;
  bad)
    mkdir -p bad
    printf 'half done\\n' > bad/x.txt ;;
esac
`;

const GEN_PLAN = `version: 1
goal: rollback keeps the user's work
tasks:
  - id: gen
    title: generate
    files: [gen/, notes/todo.txt, cache.log, local.env]
    prompt: write the generated files
  - id: bad
    title: never passes
    files: [bad/]
    prompt: try
    verify: ["false"]
    retries: 0
`;

const USER_ENV = 'TOKEN=the-user-only\r\n';

/** A repo with the gen/bad plan, a committed notes/todo.txt and an ignored, owned local.env of the user's. */
function genRepo(): TempRepo {
  const repo = makeRepo({
    files: {
      'agent.sh': GEN_AGENT,
      'plan.yaml': GEN_PLAN,
      'cfg.yaml': 'agents:\n  sh: { type: command, command: ./agent.sh }\ndefaults: { agent: sh }\n',
      '.gitignore': 'cache.log\nlocal.env\n',
      'notes/todo.txt': 'the user’s own todo\n',
    },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  writeFileSync(join(repo.root, 'local.env'), USER_ENV);
  return repo;
}

type RollbackJson = {
  run_id: string;
  status: string;
  kept: number;
  tasks: Array<{ id: string; paths: Array<{ path: string; action: string; reason?: string }> }>;
};

/** Runs the gen/bad plan to its end (bad fails: exit 1); returns the run id. */
async function runGen(repo: TempRepo): Promise<string> {
  const run = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], {
    cwd: repo.root,
    env: { HOME: repo.home },
  });
  expect(run.stderr).not.toContain('internal error');
  expect(run.exitCode, run.stderr).toBe(1);
  const summary = JSON.parse(run.stdout) as RunSummary;
  expect(summary.tasks.map((t) => [t.id, t.status])).toEqual([
    ['gen', 'done'],
    ['bad', 'failed'],
  ]);
  return summary.run_id;
}

describe('haco rollback keeps what the user changed since the run', () => {
  it('keeps and lists the user’s edits and files, deletes only what haco created; --force restores all', async () => {
    const repo = genRepo();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const start = snapshot(repo.root);
    const runId = await runGen(repo);

    // What haco left was recorded at each task's end: gen's is its commit, bad's its failed attempt.
    const left = withState(repo.root, (db) => ({
      gen: db.getCheckpoint(runId, 'gen')?.left,
      bad: db.getCheckpoint(runId, 'bad')?.left,
    }));
    expect(left.gen?.attempts).toBe(1);
    expect(left.gen?.entries.find((e) => e.path === 'gen/a.txt')?.blob).toBe(
      repo.git('rev-parse', 'HEAD:gen/a.txt'),
    );
    expect(left.gen?.entries.find((e) => e.path === 'cache.log')?.blob).toBeTruthy();
    expect(left.bad?.attempts).toBe(1);
    expect(left.bad?.entries.map((e) => e.path)).toEqual(['bad/x.txt']);

    // After the run the user rewrites a file haco created and adds one of their own beside it.
    const userA = Buffer.from('the user rewrote a\r\n\x00binary tail');
    writeFileSync(join(repo.root, 'gen/a.txt'), userA);
    writeFileSync(join(repo.root, 'gen/mine.txt'), 'the user’s own file\n');

    const first = await runHaco(['rollback', runId], opts);
    expect(first.stderr).not.toContain('internal error');
    expect(first.exitCode, first.stderr).toBe(1); // some paths were kept
    expect(first.stdout.split('\n').sort()).toEqual([
      'bad: deleted bad/x.txt',
      'gen: deleted cache.log',
      'gen: deleted gen/b.txt',
      'gen: kept gen/a.txt (changed since the run)',
      'gen: kept gen/mine.txt (created since the run)',
      'gen: restored notes/todo.txt',
    ]);
    expect(first.stderr).toMatch(
      /^haco: run \w+: rolled back (bad, gen|gen, bad) \(1 restored, 3 deleted, 2 kept as yours: rerun with --force to restore them too\); run is rolled_back$/,
    );
    // The user's bytes are identical; haco's own work is gone; the ignored local.env untouched.
    expect(readFileSync(join(repo.root, 'gen/a.txt')).equals(userA)).toBe(true);
    expect(readFileSync(join(repo.root, 'gen/mine.txt'), 'utf8')).toBe('the user’s own file\n');
    expect(readFileSync(join(repo.root, 'local.env'), 'utf8')).toBe(USER_ENV);
    expect(readFileSync(join(repo.root, 'notes/todo.txt'), 'utf8')).toBe('the user’s own todo\n');
    expect(without(snapshot(repo.root), 'gen/a.txt', 'gen/mine.txt')).toEqual(start);

    // Again: the user's files are still theirs (the rollback did not record them as haco's).
    const again = await runHaco(['rollback', runId, '--json'], opts);
    expect(again.exitCode, again.stderr).toBe(1);
    const json = JSON.parse(again.stdout) as RollbackJson;
    expect(json.kept).toBe(2);
    expect(json.tasks.flatMap((t) => t.paths).filter((p) => p.action !== 'unchanged')).toEqual([
      { path: 'gen/a.txt', action: 'kept', reason: 'changed since the run' },
      { path: 'gen/mine.txt', action: 'kept', reason: 'created since the run' },
    ]);
    expect(readFileSync(join(repo.root, 'gen/a.txt')).equals(userA)).toBe(true);

    // --force: the owned paths go back to their checkpoints exactly, the user's later files there too.
    const forced = await runHaco(['rollback', runId, '--force', '--json'], opts);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect((JSON.parse(forced.stdout) as RollbackJson).kept).toBe(0);
    expect(snapshot(repo.root)).toEqual(start);
  });

  it('a run without a record of what haco left, or cut off mid-attempt: differing paths are kept, saying why', async () => {
    const repo = genRepo();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const runId = await runGen(repo);

    // A checkpoint blob gone (git gc) stops the whole rollback before any task's file is touched.
    const gone = '0123456789abcdef0123456789abcdef01234567';
    const entries = withState(repo.root, (db) => {
      const json = String(
        db.db.prepare("SELECT entries_json FROM checkpoints WHERE task_id = 'bad'").pluck().get(),
      );
      const bad = [{ path: 'bad/x.txt', blob: gone, mode: 0o644 }];
      db.db.prepare("UPDATE checkpoints SET entries_json = ? WHERE task_id = 'bad'").run(JSON.stringify(bad));
      return json;
    });
    const before = snapshot(repo.root);
    const refused = await runHaco(['rollback', runId], opts);
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.stderr).toBe(
      `haco: the checkpoint of bad/x.txt (blob ${gone}) is gone from git's object store (pruned by git gc?); nothing was restored`,
    );
    expect(snapshot(repo.root)).toEqual(before);
    withState(repo.root, (db) =>
      db.db.prepare("UPDATE checkpoints SET entries_json = ? WHERE task_id = 'bad'").run(entries),
    );

    // bad as an older haco stored it (no left entries); gen as if haco died during a second attempt
    // that had rewritten gen/a.txt.
    withState(repo.root, (db) => {
      db.db.prepare("UPDATE checkpoints SET left_entries_json = NULL WHERE task_id = 'bad'").run();
      db.startAttempt(runId, 'gen', 2, Date.now(), 'transcript.log');
    });
    writeFileSync(join(repo.root, 'gen/a.txt'), 'attempt 2, half written\n');

    const gen = await runHaco(['rollback', runId, '--task', 'gen'], opts);
    expect(gen.exitCode, gen.stderr).toBe(1);
    expect(gen.stdout.split('\n')).toEqual([
      'gen: deleted cache.log',
      'gen: kept gen/a.txt (haco was stopped during attempt 2, so what it left here is not known)',
      'gen: deleted gen/b.txt',
      'gen: restored notes/todo.txt',
    ]);
    expect(readFileSync(join(repo.root, 'gen/a.txt'), 'utf8')).toBe('attempt 2, half written\n');

    const bad = await runHaco(['rollback', runId, '--task', 'bad'], opts);
    expect(bad.exitCode, bad.stderr).toBe(1);
    expect(bad.stdout).toBe(
      'bad: kept bad/x.txt (no record of what haco left here: a run from an older haco)',
    );
    expect(readFileSync(join(repo.root, 'bad/x.txt'), 'utf8')).toBe('half done\n');
    const forced = await runHaco(['rollback', runId, '--task', 'bad', '--force'], opts);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('bad: deleted bad/x.txt');
  });
});

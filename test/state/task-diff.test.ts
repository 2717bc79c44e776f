import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { StateDb } from '../../src/db/state-db.js';
import type { Plan, TaskSpec } from '../../src/plan/schema.js';
import { taskDiffLoader } from '../../src/state/task-diff.js';
import { Workspace } from '../../src/workspace/git.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const spec = (id: string, files: string[]): TaskSpec => ({
  id,
  title: id,
  agent: 'fake',
  files,
  dependsOn: [],
  prompt: id,
  acceptance: [],
  verify: [],
  timeoutMs: 60_000,
  retries: 0,
});

describe('taskDiffLoader', () => {
  let repo: TempRepo;
  let db: StateDb;
  afterEach(() => {
    db.close();
    repo.dispose();
  });

  /** A run whose task "api" owns src/** and has been checkpointed; "ui" has not started. */
  async function setup() {
    repo = makeRepo({ files: { 'src/a.ts': 'one\ntwo\nthree\n', 'src/b.ts': 'b\n', 'other.ts': 'x\n' } });
    db = new StateDb(join(repo.home, 'state.db'));
    const plan: Plan = { version: 1, goal: 'g', tasks: [spec('api', ['src/**']), spec('ui', ['ui/**'])] };
    const { config } = loadConfig({ home: repo.home });
    db.createRun({
      id: 'r1',
      plan,
      planFile: null,
      config,
      status: 'running',
      baseHead: null,
      concurrency: 2,
      now: 1,
    });
    const workspace = await Workspace.open(repo.root);
    db.saveCheckpoint('r1', 'api', await workspace.head(), await workspace.checkpoint(['src/**']), 1);
    return taskDiffLoader({ workspace, db }, 'r1', 4);
  }

  it('lists the task’s changed files with counts and the first file’s hunks', async () => {
    const load = await setup();
    expect(await load({ taskId: 'api', path: undefined })).toMatchObject({
      files: [],
      selectedPath: undefined,
    });
    repo.write('src/a.ts', 'one\nTWO\nthree\nfour\n');
    repo.write('src/c.ts', 'new\n');
    repo.write('other.ts', 'not the task’s\n');
    const diff = await load({ taskId: 'api', path: undefined });
    expect(diff.files).toEqual([
      { path: 'src/a.ts', added: 2, removed: 1 },
      { path: 'src/c.ts', added: 1, removed: 0 },
    ]);
    expect(diff.selectedPath).toBe('src/a.ts');
    expect(diff.hunks[0]?.lines).toEqual([' one', '-two', '+TWO']); // 4 lines with the header
    expect(diff.hiddenLines).toBe(2); // ' three', '+four'
    expect(diff.error).toBeNull();
  });

  it('reads the picked file, and falls back to the first when it is gone', async () => {
    const load = await setup();
    repo.write('src/a.ts', 'changed\n');
    repo.write('src/c.ts', 'new\n');
    expect((await load({ taskId: 'api', path: 'src/c.ts' })).hunks[0]?.lines).toEqual(['+new']);
    expect((await load({ taskId: 'api', path: 'src/zz.ts' })).selectedPath).toBe('src/a.ts');
  });

  it('has no changes for a task without a checkpoint', async () => {
    const load = await setup();
    expect(await load({ taskId: 'ui', path: undefined })).toMatchObject({
      taskId: 'ui',
      files: [],
      hunks: [],
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { StateDb } from '../../src/db/state-db.js';
import type { Plan } from '../../src/plan/schema.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'haco-db-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

const plan: Plan = {
  version: 1,
  goal: 'g',
  tasks: [
    {
      id: 'a',
      title: 'A',
      agent: 'claude',
      files: ['a.ts'],
      dependsOn: [],
      prompt: 'p',
      acceptance: [],
      verify: [],
      timeoutMs: 1000,
      retries: 0,
    },
  ],
};

describe('StateDb', () => {
  it('creates the schema in WAL mode with foreign keys, and reopens without re-migrating', () => {
    const file = tempFile();
    const db = new StateDb(file);
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    const again = new StateDb(file);
    expect(again.listRuns()).toEqual([]);
    again.close();
  });

  it('refuses a database written by a newer haco', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new StateDb(file)).toThrow(/newer than this haco/);
  });

  it('records a run with its tasks and answers a breakpoint exactly once', () => {
    const db = new StateDb(tempFile());
    const { config } = loadConfig({ home: tmpdir() + '/nonexistent-home' });
    db.createRun({
      id: 'r1',
      plan,
      planFile: 'plan.yaml',
      config,
      status: 'awaiting_approval',
      baseHead: null,
      concurrency: 2,
      now: 10,
    });
    expect(db.getTasks('r1').map((t) => [t.id, t.status, t.files])).toEqual([['a', 'pending', ['a.ts']]]);
    expect(db.runInputs('r1').plan).toEqual(plan);
    const bp = db.openBreakpoint({
      runId: 'r1',
      taskId: null,
      kind: 'plan_approval',
      message: 'm',
      answers: ['approve', 'reject'],
      now: 11,
    });
    expect(db.answerBreakpoint(bp, 'approve', 'cli', 12)).toBe(true);
    expect(db.answerBreakpoint(bp, 'reject', 'cli', 13)).toBe(false);
    expect(db.getBreakpoints('r1')[0]).toMatchObject({ status: 'approved', answeredBy: 'cli' });
    db.setTaskStatus('r1', 'a', 'running', 20);
    db.setTaskStatus('r1', 'a', 'done', 30, { commitSha: 'abc' });
    expect(db.getTasks('r1')[0]).toMatchObject({
      status: 'done',
      startedAt: 20,
      endedAt: 30,
      commitSha: 'abc',
    });
    db.close();
  });
});

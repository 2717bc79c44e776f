import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';

import { afterEach, describe, expect, it } from 'vitest';

import { HacoError } from '../../src/lib/errors.js';
import { Lease, processStartTime, readLease } from '../../src/orchestrator/lease.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { openRun } from '../helpers/run.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  repos.splice(0).forEach((r) => r.dispose());
});

function repo(): TempRepo {
  const r = makeRepo({
    files: {
      'cfg.yaml': 'agents:\n  fake: { type: command, command: /bin/true }\ndefaults: { agent: fake }\n',
      'plan.yaml': 'version: 1\ngoal: lease\ntasks:\n  - { id: a, files: [a.txt], prompt: "write a" }\n',
    },
  });
  repos.push(r);
  return r;
}

/** A living process that is not this one (a `sleep`), killed after the test. */
function otherProcess(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  if (!child.pid) throw new Error('sleep did not start');
  return child.pid;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync('true').pid ?? 0;
}

/** Writes the lease row as another process would have. */
function plantLease(
  root: string,
  row: { runId: string; pid: number; pidStart: string; host?: string },
): void {
  withState(root, (db) =>
    db.db
      .prepare(
        'INSERT OR REPLACE INTO lease (id, run_id, pid, pid_start, host, acquired_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.runId, row.pid, row.pidStart, row.host ?? hostname(), Date.now(), Date.now()),
  );
}

describe('the repository lease', () => {
  it('records this pid, its start time from /proc and the host, and deletes the row on release', () => {
    const r = repo();
    withState(r.root, (db) => {
      const { lease, takenOver } = Lease.acquire(db, 'run1');
      expect(takenOver).toBeUndefined();
      expect(readLease(db)).toMatchObject({
        runId: 'run1',
        pid: process.pid,
        pidStart: processStartTime(process.pid),
        host: hostname(),
      });
      expect(processStartTime(process.pid)).toMatch(/^\d+$/);
      lease.release();
      expect(readLease(db)).toBeUndefined();
    });
  });

  it('refuses while another living process holds it, naming its run, and writes nothing', async () => {
    const r = repo();
    const { core } = await openRun(r);
    core.close();
    const pid = otherProcess();
    plantLease(r.root, { runId: 'feedbeef', pid, pidStart: processStartTime(pid) ?? '' });
    const before = withState(r.root, (db) => db.listRuns().length);

    const error = await openRun(r).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HacoError);
    expect((error as HacoError).code).toBe('lease.held');
    expect((error as HacoError).lines).toHaveLength(1);
    expect((error as HacoError).lines[0]).toContain('run feedbeef is running in this repository');
    expect((error as HacoError).exitCode).toBe(2);
    withState(r.root, (db) => {
      expect(db.listRuns()).toHaveLength(before);
      expect(readLease(db)).toMatchObject({ runId: 'feedbeef', pid });
    });
  });

  it('answering a breakpoint and rolling back need the lease too', async () => {
    const r = repo();
    const { core: first, runId } = await openRun(r, { autoApprove: false });
    first.close();
    const pid = otherProcess();
    plantLease(r.root, { runId, pid, pidStart: processStartTime(pid) ?? '' });
    const { Orchestrator } = await import('../../src/orchestrator/orchestrator.js');
    const core = await Orchestrator.open(r.root);
    try {
      await expect(core.answer(runId, undefined, 'approve', 'test')).rejects.toThrow(
        `run ${runId} is running in this repository`,
      );
      await expect(core.drive(runId)).rejects.toThrow(/lease|running in this repository/);
      await expect(core.rollback(runId)).rejects.toThrow(`run ${runId} is running in this repository`);
      expect(core.db.getBreakpoints(runId).map((b) => b.status)).toEqual(['pending']);
    } finally {
      core.close();
    }
    withState(r.root, (db) => expect(readLease(db)?.pid).toBe(pid));
  });

  it('takes over a lease whose owner is gone, and marks its running run interrupted', async () => {
    const r = repo();
    const first = await openRun(r);
    first.core.db.setRunStatus(first.runId, 'running', Date.now());
    first.core.close();
    const pid = deadPid();
    plantLease(r.root, { runId: first.runId, pid, pidStart: '12345' });
    const { core, runId } = await openRun(r, { autoApprove: false });
    try {
      expect(runId).not.toBe(first.runId);
      expect(core.db.getRun(first.runId)?.status).toBe('interrupted');
      expect(readLease(core.db)).toMatchObject({ runId, pid: process.pid });
    } finally {
      core.close();
    }
  });

  it('takes over a lease whose pid was reused by another process (its start time differs)', () => {
    const r = repo();
    const pid = otherProcess();
    const real = processStartTime(pid) ?? '';
    plantLease(r.root, { runId: 'cafe0001', pid, pidStart: String(Number(real) - 1) });
    withState(r.root, (db) => {
      const { lease, takenOver } = Lease.acquire(db, null);
      expect(takenOver).toEqual({ runId: 'cafe0001', pid });
      expect(readLease(db)?.pid).toBe(process.pid);
      lease.release();
    });
    // With the right start time the same pid is the owner, and is refused.
    plantLease(r.root, { runId: 'cafe0001', pid, pidStart: real });
    withState(r.root, (db) => expect(() => Lease.acquire(db, null)).toThrow(/run cafe0001 is running/));
  });

  it('rolls back a run whose holder died while it was running', async () => {
    const r = repo();
    const { core, runId } = await openRun(r);
    core.db.setRunStatus(runId, 'running', Date.now());
    core.db.setTaskStatus(runId, 'a', 'running', Date.now());
    core.db.saveCheckpoint(
      runId,
      'a',
      await core.workspace.head(),
      await core.workspace.checkpoint(['a.txt']),
      1,
    );
    core.close();
    r.write('a.txt', 'half written by an agent that died with haco\n');
    plantLease(r.root, { runId, pid: deadPid(), pidStart: '1' });

    const { Orchestrator } = await import('../../src/orchestrator/orchestrator.js');
    const next = await Orchestrator.open(r.root);
    try {
      const result = await next.rollback(runId, { force: true });
      expect(result.status).toBe('rolled_back');
      expect(result.tasks[0]?.paths).toEqual([expect.objectContaining({ path: 'a.txt', action: 'deleted' })]);
    } finally {
      next.close();
    }
    expect(r.git('status', '--porcelain', '--', 'a.txt')).toBe('');
  });

  it('shows a running run whose lease holder died as interrupted, without writing', async () => {
    const r = repo();
    const { core, runId } = await openRun(r);
    core.db.setRunStatus(runId, 'running', Date.now());
    expect(core.summary(runId).status).toBe('running'); // this process holds it
    core.close();
    plantLease(r.root, { runId, pid: deadPid(), pidStart: '1' });
    withState(r.root, (db) => {
      expect(db.getRun(runId)?.status).toBe('running');
    });
    const { summarizeRun } = await import('../../src/orchestrator/summary.js');
    withState(r.root, (db) => {
      expect(summarizeRun(db, runId, Date.now()).status).toBe('interrupted');
      expect(db.getRun(runId)?.status).toBe('running');
    });
  });
});

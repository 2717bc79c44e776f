/**
 * Processes, the lease and crashes (issue 6, points 4–6), with the built `haco` bin, real git
 * repositories, real SQLite files and fake agents that are real shell scripts; one of them starts
 * a `setsid` grandchild (a new session: killing the agent's process group does not reach it).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { findMarked, runMarkerPrefix } from '../../src/sessions/sweep.js';
import type { RunSummary } from '../../src/orchestrator/types.js';
import { isRunning, reapersOf, startHaco } from '../helpers/background.js';
import { runHaco } from '../helpers/cli.js';
import { screenUntil, startTui } from '../helpers/tui.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { withState } from '../helpers/state.js';

const repos: TempRepo[] = [];
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  repos.splice(0).forEach((r) => r.dispose());
});

/**
 * The fake agent. It writes its first owned file line by line (NLINES lines, PAUSE s apart); with
 * GRANDCHILD=1 it first starts a setsid grandchild that loops forever, its pid in
 * $PIDS/<task>-<attempt>.pid; with HANG=1 it never finishes.
 */
const AGENT = `#!/bin/sh
f=$(printf '%s\\n' "$HACO_OWNED_FILES" | head -n 1)
mkdir -p "$(dirname "$f")"
: > "$f"
if [ "$GRANDCHILD" = 1 ] && [ "$HACO_TASK_ID" = a ]; then
  setsid sh -c 'while :; do sleep 0.05; done' grandchild &
  echo $! > "$PIDS/$HACO_TASK_ID-$HACO_ATTEMPT.pid"
fi
i=0
while [ $i -lt "\${NLINES:-3}" ]; do
  echo "$HACO_TASK_ID line $i" >> "$f"
  i=$((i + 1))
  sleep "\${PAUSE:-0.05}"
done
if [ "$HANG" = 1 ]; then exec sleep 600; fi
`;

interface Setup {
  readonly repo: TempRepo;
  readonly pids: string;
  readonly env: Record<string, string>;
}

/** A repo whose plan has tasks `a` and `b` (files a/out.txt, b/out.txt), run by the fake agent. */
function setup(agentEnv: Record<string, string>, task: { timeout?: string } = {}): Setup {
  const repo = makeRepo({
    files: {
      'agent.sh': AGENT,
      // Another plan, owning other paths (a file written during a run would be a violation).
      'other.yaml': 'version: 1\ngoal: other\ntasks:\n  - { id: c, files: [c.txt], prompt: "c" }\n',
      'cfg.yaml': 'defaults: { agent: fake }\nconcurrency: 2\n',
      'plan.yaml': [
        'version: 1',
        'goal: crash',
        'tasks:',
        ...['a', 'b'].map(
          (id) =>
            `  - { id: ${id}, title: write ${id}, files: [${id}/out.txt], prompt: "write ${id}", timeout: ${task.timeout ?? '60s'}, retries: 0 }`,
        ),
        '',
      ].join('\n'),
    },
    executables: ['agent.sh'],
  });
  repos.push(repo);
  const pids = join(repo.home, 'pids');
  mkdirSync(pids);
  const env = { PIDS: pids, ...agentEnv };
  repo.write(
    'cfg.yaml',
    `agents:\n  fake: { type: command, command: ./agent.sh, env: ${JSON.stringify(env)} }\ndefaults: { agent: fake }\nconcurrency: 2\n`,
  );
  repo.git('commit', '-qam', 'config');
  return { repo, pids, env: { HOME: repo.home } };
}

/** Pids of the setsid grandchildren the agents recorded (each one is also killed after the test). */
function grandchildren(pids: string): number[] {
  const found = readdirSync(pids).map((f) => Number(readFileSync(join(pids, f), 'utf8').trim()));
  strays.push(...found);
  return found;
}

/** Nothing of the run is alive: no process with one of its markers, no grandchild. */
function leftovers(runId: string, pids: string): number[] {
  return [...findMarked({ prefix: runMarkerPrefix(runId) }), ...grandchildren(pids).filter(isRunning)];
}

/** Waits until both tasks' first attempts have started. */
async function bothStarted(haco: ReturnType<typeof startHaco>): Promise<void> {
  await haco.waitForStderr(/a: attempt 1 started/);
  await haco.waitForStderr(/b: attempt 1 started/);
}

const RUN = ['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--headless'];

describe('descendants of an attempt', () => {
  it('kills a setsid grandchild when the attempt ends, before its work is committed', async () => {
    const s = setup({ GRANDCHILD: '1' });
    const result = await runHaco([...RUN, '--json'], { cwd: s.repo.root, env: s.env });
    expect(result.exitCode, result.stderr).toBe(0);
    const [pid] = grandchildren(s.pids);
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid!)).toBe(false);
    const { run_id } = JSON.parse(result.stdout) as RunSummary;
    expect(leftovers(run_id, s.pids)).toEqual([]);
    const marker = withState(s.repo.root, (db) =>
      db.db.prepare("SELECT marker FROM attempts WHERE task_id = 'a'").pluck().get(),
    );
    expect(marker).toMatch(new RegExp(`^${run_id}:a:1:[0-9a-f]{8}$`));
  });

  it('kills a setsid grandchild at the task timeout', async () => {
    const s = setup({ GRANDCHILD: '1', HANG: '1' }, { timeout: '1s' });
    const result = await runHaco([...RUN, '--json'], { cwd: s.repo.root, env: s.env });
    expect(result.exitCode, result.stderr).toBe(1);
    const summary = JSON.parse(result.stdout) as RunSummary;
    const attempts = withState(s.repo.root, (db) => db.getAttempts(summary.run_id));
    expect(attempts.map((a) => a.status)).toEqual(['timed_out', 'timed_out']);
    const [pid] = grandchildren(s.pids);
    expect(isRunning(pid!)).toBe(false);
    expect(leftovers(summary.run_id, s.pids)).toEqual([]);
  });
});

describe('signals and the lease', () => {
  it.each([
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s pauses the run: agents stopped, tasks pending, lease released, exit %i',
    async (signal, code) => {
      const s = setup({ GRANDCHILD: '1', HANG: '1' });
      const haco = startHaco(RUN, { cwd: s.repo.root, env: s.env });
      const runId = (await haco.waitForStderr(/haco: run ([0-9a-f]{8})/))[1]!;
      await bothStarted(haco);
      await vi.waitFor(() => expect(grandchildren(s.pids)).toHaveLength(1));

      if (signal === 'SIGTERM') {
        // Meanwhile, a second haco on the same repository refuses with one line naming the run:
        // the same plan (whose files the running agents have made dirty), another plan, a resume.
        for (const args of [RUN, ['run', 'other.yaml', ...RUN.slice(2)], ['resume', runId]]) {
          const second = await runHaco(args, { cwd: s.repo.root, env: s.env });
          expect(second.exitCode, `${args.join(' ')}: ${second.stderr}`).toBe(2);
          expect(second.stderr.trim().split('\n')).toHaveLength(1);
          expect(second.stderr).toContain(`run ${runId} is running in this repository`);
        }
        expect(withState(s.repo.root, (db) => db.listRuns())).toHaveLength(1);
      }

      process.kill(haco.pid, signal);
      const exit = await haco.exited;
      expect(exit.code, haco.stderr()).toBe(code);
      expect(haco.stderr()).toContain(`${signal}: pausing run ${runId}`);
      withState(s.repo.root, (db) => {
        expect(db.getRun(runId)?.status).toBe('paused');
        expect(db.getTasks(runId).map((t) => t.status)).toEqual(['pending', 'pending']);
        expect(db.db.prepare('SELECT COUNT(*) FROM lease').pluck().get()).toBe(0);
      });
      expect(leftovers(runId, s.pids)).toEqual([]);
      await vi.waitFor(() => expect(reapersOf(haco.pid)).toEqual([]));
    },
    180_000,
  );
});

describe('signals in the dashboard', () => {
  it('SIGHUP (the terminal closed) pauses the run: agents stopped, lease released, exit 129', async () => {
    const s = setup({ GRANDCHILD: '1', HANG: '1' });
    const tui = startTui(s.repo, ['--plan', 'plan.yaml', '--config', 'cfg.yaml']);
    try {
      await screenUntil(tui, (t) => t.includes('BREAKPOINT 1 of 1'), 'the plan-approval breakpoint', 60_000);
      tui.write('a');
      await vi.waitFor(() => expect(grandchildren(s.pids), tui.text().join('\n')).toHaveLength(1), {
        timeout: 60_000,
      });
      const runId = withState(s.repo.root, (db) => db.listRuns()[0]!.id);
      await vi.waitFor(() => expect(withState(s.repo.root, (db) => db.getAttempts(runId))).toHaveLength(2), {
        timeout: 60_000,
      });
      // To the terminal's process group, as a hangup is sent (the pty child is haco's exit wrapper).
      process.kill(-tui.pid, 'SIGHUP');
      const exit = await tui.exited;
      expect(exit.exitCode).toBe(129);
      withState(s.repo.root, (db) => {
        expect(db.getRun(runId)?.status).toBe('paused');
        expect(db.getTasks(runId).map((t) => t.status)).toEqual(['pending', 'pending']);
        expect(db.db.prepare('SELECT COUNT(*) FROM lease').pluck().get()).toBe(0);
      });
      expect(leftovers(runId, s.pids)).toEqual([]);
    } finally {
      if (!tui.isExited) await tui.kill(200);
      tui.dispose();
    }
  }, 180_000);

  it('SIGTERM at the plan-approval breakpoint ends the dashboard with 143 and releases the lease', async () => {
    const s = setup({});
    const tui = startTui(s.repo, ['--plan', 'plan.yaml', '--config', 'cfg.yaml']);
    try {
      await screenUntil(tui, (t) => t.includes('BREAKPOINT 1 of 1'), 'the plan-approval breakpoint', 60_000);
      const runId = withState(s.repo.root, (db) => {
        expect(db.db.prepare('SELECT COUNT(*) FROM lease').pluck().get()).toBe(1);
        return db.listRuns()[0]!.id;
      });
      process.kill(-tui.pid, 'SIGTERM');
      expect((await tui.exited).exitCode).toBe(143);
      withState(s.repo.root, (db) => {
        expect(db.getRun(runId)?.status).toBe('awaiting_approval');
        expect(db.db.prepare('SELECT COUNT(*) FROM lease').pluck().get()).toBe(0);
      });
    } finally {
      if (!tui.isExited) await tui.kill(200);
      tui.dispose();
    }
  }, 180_000);
});

describe('kill -9 of haco, then resume', () => {
  it('leaves no process of the run, shows it interrupted, and resume finishes each task once', async () => {
    const s = setup({ GRANDCHILD: '1', NLINES: '20', PAUSE: '0.1' });
    const haco = startHaco(RUN, { cwd: s.repo.root, env: s.env });
    const runId = (await haco.waitForStderr(/haco: run ([0-9a-f]{8})/))[1]!;
    await bothStarted(haco);
    await vi.waitFor(() => expect(grandchildren(s.pids)).toHaveLength(1));
    expect(leftovers(runId, s.pids).length).toBeGreaterThan(0);

    process.kill(haco.pid, 'SIGKILL');
    expect((await haco.exited).signal).toBe('SIGKILL');
    // The reaper sweeps the run's markers (the setsid grandchild among them), then exits.
    await vi.waitFor(() => expect(leftovers(runId, s.pids)).toEqual([]), { timeout: 10_000 });
    await vi.waitFor(() => expect(reapersOf(haco.pid)).toEqual([]), { timeout: 10_000 });

    const status = await runHaco(['status', runId, '--json'], { cwd: s.repo.root, env: s.env });
    expect((JSON.parse(status.stdout) as RunSummary).status).toBe('interrupted');
    const text = await runHaco(['status', runId], { cwd: s.repo.root, env: s.env });
    expect(text.stdout, text.stderr).toContain(`run ${runId} · interrupted`);

    const resumed = await runHaco(['resume', runId, '--json'], { cwd: s.repo.root, env: s.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['a', 'done', 2],
      ['b', 'done', 2],
    ]);
    expect(leftovers(runId, s.pids)).toEqual([]);
    const subjects = s.repo.git('log', '--format=%s').split('\n');
    expect(subjects.filter((l) => l === 'haco(a): write a')).toHaveLength(1);
    expect(subjects.filter((l) => l === 'haco(b): write b')).toHaveLength(1);
    expect(s.repo.git('show', 'HEAD:a/out.txt').split('\n')).toHaveLength(20);
    const attempts = withState(s.repo.root, (db) => db.getAttempts(runId));
    expect(attempts.filter((a) => a.n === 1).map((a) => a.status)).toEqual(['interrupted', 'interrupted']);
  }, 180_000);
});

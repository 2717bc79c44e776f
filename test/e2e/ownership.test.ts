import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import type { BreakpointRow, RunSummary } from '../../src/orchestrator/types.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { openRun } from '../helpers/run.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((fn) => fn()));

const VICTIM_AGENT = `#!/bin/sh
printf 'victim-work\\n' > victim.txt
`;

// Misbehaves on its first attempt: writes into another task's file and into an unowned file, then
// keeps working until it is stopped. (The write-to-breakpoint latency is measured in npm run bench.)
const ROGUE_AGENT = `#!/bin/sh
printf 'rogue-work\\n' > rogue.txt
if [ "$HACO_ATTEMPT" = 1 ]; then
  printf 'clobbered\\n' > victim.txt
  printf 'stray\\n' > stray.txt
  sleep 30
fi
`;

const PLAN = `version: 1
goal: ownership under attack
tasks:
  - id: victim
    agent: victim
    files: [victim.txt]
    prompt: write victim.txt
    verify: ["grep -q victim-work victim.txt"]
  - id: rogue
    agent: rogue
    files: [rogue.txt]
    depends_on: [victim]
    prompt: write rogue.txt
    verify: ["test -f rogue.txt"]
    retries: 1
`;

const USER_EDIT = 'the user was editing this\r\nand did not commit it\n';

/** The work tree holds only the user's own unstaged edit: nothing staged, nothing untracked. */
function expectOnlyUserEdit(repo: TempRepo): void {
  expect(repo.git('diff', '--name-only')).toBe('notes.md');
  expect(repo.git('diff', '--cached', '--name-only')).toBe('');
  expect(repo.git('ls-files', '--others', '--exclude-standard')).toBe('');
}

function setup(): { repo: TempRepo } {
  const config = `agents:
  victim: { type: command, command: ./victim.sh }
  rogue: { type: command, command: ./rogue.sh }
defaults: { agent: victim }
`;
  const repo = makeRepo({
    files: {
      'victim.sh': VICTIM_AGENT,
      'rogue.sh': ROGUE_AGENT,
      'plan.yaml': PLAN,
      'notes.md': 'committed notes\n',
      'victim.txt': 'before the run\n',
    },
    executables: ['victim.sh', 'rogue.sh'],
  });
  repo.write('cfg.yaml', config);
  repo.git('add', 'cfg.yaml');
  repo.git('commit', '-qm', 'config');
  repo.write('notes.md', USER_EDIT); // a pre-existing uncommitted user edit elsewhere
  cleanups.push(() => repo.dispose());
  return { repo };
}

describe('ownership violations', () => {
  it('catches a rogue write into another task\u2019s file and into an unowned file, 20 times out of 20', async () => {
    for (let round = 0; round < 20; round++) {
      const { repo } = setup();
      const victimCommitted = 'victim-work\n';
      const { core, runId } = await openRun(repo);
      try {
        expect(await core.drive(runId)).toBe('paused');
        const bps = core.db.getBreakpoints(runId).filter((b) => b.kind === 'ownership_violation');
        expect(bps.map((b) => b.message).sort(), `round ${round}`).toEqual([
          'rogue wrote stray.txt (not owned by any task)',
          'rogue wrote victim.txt (owned by victim)',
        ]);
        for (const b of bps) await core.answer(runId, b.id, 'reject', 'test');
        // Reject restored both byte for byte; the other task's work and the user's edit are untouched.
        expect(readFileSync(join(repo.root, 'victim.txt'), 'utf8')).toBe(victimCommitted);
        expect(existsSync(join(repo.root, 'stray.txt'))).toBe(false);
        expect(readFileSync(join(repo.root, 'notes.md'), 'utf8')).toBe(USER_EDIT);
        expect(await core.drive(runId)).toBe('completed');
        const rogue = core.db.getAttempts(runId, 'rogue').map((a) => a.status);
        expect(rogue).toEqual(['failed', 'passed']);
      } finally {
        core.close();
      }
      expectOnlyUserEdit(repo);
    }
  }, 240_000);

  it('headless: the run pauses with exit 3; haco reject + haco resume finish it', async () => {
    const { repo } = setup();
    const opts = { cwd: repo.root, env: { HOME: repo.home } };
    const paused = await runHaco(['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--json'], opts);
    expect(paused.exitCode).toBe(3);
    const summary = JSON.parse(paused.stdout) as RunSummary;
    expect(summary.status).toBe('paused');
    const pending = summary.breakpoints.filter((b) => b.status === 'pending');
    expect(pending.map((b) => [b.kind, b.task])).toEqual([
      ['ownership_violation', 'rogue'],
      ['ownership_violation', 'rogue'],
    ]);
    expect(readFileSync(join(repo.root, 'victim.txt'), 'utf8')).toBe('clobbered\n');

    for (const b of pending) {
      const rejected = await runHaco(['reject', summary.run_id, String(b.id)], opts);
      expect(rejected.exitCode).toBe(0);
    }
    expect(readFileSync(join(repo.root, 'victim.txt'), 'utf8')).toBe('victim-work\n');
    expect(existsSync(join(repo.root, 'stray.txt'))).toBe(false);

    const resumed = await runHaco(['resume', summary.run_id, '--json'], opts);
    expect(resumed.exitCode).toBe(0);
    const done = JSON.parse(resumed.stdout) as RunSummary;
    expect(done.tasks.map((t) => [t.id, t.status, t.attempts])).toEqual([
      ['victim', 'done', 1],
      ['rogue', 'done', 2],
    ]);
    // One commit per task, each touching only its own file; the user's edit stays uncommitted.
    for (const [task, file] of [
      ['victim', 'victim.txt'],
      ['rogue', 'rogue.txt'],
    ] as const) {
      const sha = done.tasks.find((t) => t.id === task)!.commit!;
      expect(repo.git('show', '--name-only', '--format=', sha)).toBe(file);
    }
    expect(readFileSync(join(repo.root, 'notes.md'), 'utf8')).toBe(USER_EDIT);
    expectOnlyUserEdit(repo);
  });
});

/** The state letter of a process (`T`: stopped), from /proc/PID/stat; undefined once it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The children of a process, from /proc/PID/task/PID/children. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * A repository whose agents signal through files in a directory outside it (`sig`): an agent
 * touches `sig/<task>-started` and waits for `sig/go` where the script says so.
 */
function signalRepo(
  agents: Record<string, string>,
  plan: string,
  extra: Record<string, string> = {},
): { repo: TempRepo; sig: string } {
  const sig = mkdtempSync(join(tmpdir(), 'haco-sig-'));
  const files: Record<string, string> = { 'plan.yaml': plan, ...extra };
  const agentConfig = Object.keys(agents)
    .map((name) => `  ${name}: { type: command, command: ./${name}.sh }`)
    .join('\n');
  files['cfg.yaml'] = `agents:\n${agentConfig}\ndefaults: { agent: ${Object.keys(agents)[0]} }\n`;
  for (const [name, body] of Object.entries(agents)) files[`${name}.sh`] = `#!/bin/sh\nSIG='${sig}'\n${body}`;
  const repo = makeRepo({ files, executables: Object.keys(agents).map((n) => `${n}.sh`) });
  cleanups.push(() => {
    repo.dispose();
    rmSync(sig, { recursive: true, force: true });
  });
  return { repo, sig };
}

const WAIT = { timeout: 30_000, interval: 25 };

async function pendingViolations(core: Orchestrator, runId: string, count: number): Promise<BreakpointRow[]> {
  return vi.waitFor(() => {
    const bps = core.db
      .getBreakpoints(runId)
      .filter((b) => b.kind === 'ownership_violation' && b.status === 'pending');
    expect(bps.length, bps.map((b) => b.message).join('; ')).toBe(count);
    return bps;
  }, WAIT);
}

describe('held writers and the three answers', () => {
  const WORKER = `printf 'w1\\n' > work.txt
touch "$SIG/worker-started"
while [ ! -f "$SIG/go" ]; do sleep 0.05; done
printf 'w2\\n' >> work.txt
`;
  const WORKER_PLAN = `version: 1
goal: one worker
tasks:
  - id: worker
    agent: worker
    files: [work.txt]
    prompt: write work.txt
    verify: ["grep -q w2 work.txt"]
`;

  it('keep: the user\u2019s own edit stays, the held agent is really stopped, then continues and completes', async () => {
    const { repo, sig } = signalRepo({ worker: WORKER }, WORKER_PLAN, { 'notes.md': 'committed notes\n' });
    const { core, runId } = await openRun(repo);
    try {
      const driving = core.drive(runId, { waitForAnswers: true });
      await vi.waitFor(() => expect(existsSync(join(sig, 'worker-started'))).toBe(true), WAIT);
      writeFileSync(join(repo.root, 'notes.md'), USER_EDIT); // the user edits while the agent runs
      const [bp] = await pendingViolations(core, runId, 1);
      expect(bp?.message).toBe('worker wrote notes.md (not owned by any task)');
      expect(bp?.answers).toEqual(['approve', 'reject', 'keep']);
      const pid = core.db.getAttempts(runId, 'worker')[0]?.pid ?? 0;
      // Held, not killed: the agent and its child (sleep) are stopped.
      await vi.waitFor(() => expect(procState(pid)).toBe('T'), WAIT);
      await vi.waitFor(() => {
        for (const child of childrenOf(pid)) expect(['T', undefined]).toContain(procState(child));
      }, WAIT);

      await core.answer(runId, bp?.id, 'keep', 'test');
      await vi.waitFor(() => expect(['S', 'R']).toContain(procState(pid)), WAIT);
      writeFileSync(join(sig, 'go'), '');
      expect(await driving).toBe('completed');
      expect(core.db.getBreakpoints(runId).find((b) => b.id === bp?.id)?.status).toBe('kept');
      expect(core.db.getAttempts(runId, 'worker').map((a) => a.status)).toEqual(['passed']);
    } finally {
      core.close();
    }
    // The user's edit is theirs: still there, byte for byte, and in no commit.
    expect(readFileSync(join(repo.root, 'notes.md'), 'utf8')).toBe(USER_EDIT);
    expect(repo.git('show', '--name-only', '--format=', 'HEAD')).toBe('work.txt');
    expect(repo.git('diff', '--name-only')).toBe('notes.md');
  }, 90_000);

  const GREEDY = `printf 'g\\n' > greedy.txt
if [ "$HACO_ATTEMPT" = 1 ]; then
  printf 'extra\\n' > extra.txt
  touch "$SIG/greedy-started"
  while [ ! -f "$SIG/go" ]; do sleep 0.05; done
fi
`;
  const GREEDY_PLAN = `version: 1
goal: one greedy worker
tasks:
  - id: greedy
    agent: greedy
    files: [greedy.txt]
    prompt: write greedy.txt
    verify: ["test -f greedy.txt"]
    retries: 1
`;

  it('grant: the path becomes the task\u2019s, the held agent goes on, and its commit holds it', async () => {
    const { repo, sig } = signalRepo({ greedy: GREEDY }, GREEDY_PLAN);
    const { core, runId } = await openRun(repo);
    try {
      const driving = core.drive(runId, { waitForAnswers: true });
      const [bp] = await pendingViolations(core, runId, 1);
      expect(bp?.message).toBe('greedy wrote extra.txt (not owned by any task)');
      await core.answer(runId, bp?.id, 'approve', 'test');
      writeFileSync(join(sig, 'go'), '');
      expect(await driving).toBe('completed');
      expect(core.db.getAttempts(runId, 'greedy').map((a) => a.status)).toEqual(['passed']);
    } finally {
      core.close();
    }
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'extra.txt',
      'greedy.txt',
    ]);
  }, 90_000);

  it('revert: the content is restored, the held agent\u2019s attempt fails with the reason and is retried', async () => {
    const { repo } = signalRepo({ greedy: GREEDY }, GREEDY_PLAN);
    const { core, runId } = await openRun(repo);
    try {
      const driving = core.drive(runId, { waitForAnswers: true });
      const [bp] = await pendingViolations(core, runId, 1);
      const pid = core.db.getAttempts(runId, 'greedy')[0]?.pid ?? 0;
      await vi.waitFor(() => expect(procState(pid)).toBe('T'), WAIT);
      await core.answer(runId, bp?.id, 'reject', 'test');
      expect(existsSync(join(repo.root, 'extra.txt'))).toBe(false);
      expect(await driving).toBe('completed');
      const attempts = core.db.getAttempts(runId, 'greedy');
      expect(attempts.map((a) => a.status)).toEqual(['failed', 'passed']);
      expect(attempts[0]?.error).toContain('wrote extra.txt outside the task');
      expect(procState(pid)).toBeUndefined();
    } finally {
      core.close();
    }
    expect(existsSync(join(repo.root, 'extra.txt'))).toBe(false);
  }, 90_000);

  it('a second agent deleting or chmod-ing a running task\u2019s file is caught and reverted', async () => {
    const plan = `version: 1
goal: two at once
tasks:
  - id: victim
    agent: victim
    files: [v1.txt, v2.txt]
    prompt: keep your files
    verify: ["test -f v2.txt"]
  - id: rogue
    agent: rogue
    files: [rogue.txt]
    prompt: write rogue.txt
    verify: ["test -f rogue.txt"]
    retries: 1
`;
    const victim = `printf 'v1\\n' >> v1.txt
touch "$SIG/victim-started"
while [ ! -f "$SIG/go" ]; do sleep 0.05; done
`;
    // Attempt 1 chmods the victim's file, attempt 2 deletes the other one (each is held at once).
    const rogue = `printf 'r\\n' > rogue.txt
if [ "$HACO_ATTEMPT" != 3 ]; then
  while [ ! -f "$SIG/victim-started" ]; do sleep 0.05; done
  if [ "$HACO_ATTEMPT" = 1 ]; then chmod 755 v1.txt; else rm v2.txt; fi
  sleep 30
fi
`;
    const { repo, sig } = signalRepo({ victim, rogue }, plan.replace('retries: 1', 'retries: 2'), {
      'v1.txt': 'one\n',
      'v2.txt': 'two\n',
    });
    const { core, runId } = await openRun(repo);
    try {
      const driving = core.drive(runId, { waitForAnswers: true });
      const [chmod] = await pendingViolations(core, runId, 1);
      expect(chmod?.message).toBe('rogue changed the mode of v1.txt (owned by victim, running)');
      expect(chmod?.answers).toEqual(['reject', 'keep']);
      await core.answer(runId, chmod?.id, 'reject', 'test');
      expect(statSync(join(repo.root, 'v1.txt')).mode & 0o777).toBe(0o644);
      const [deleted] = await pendingViolations(core, runId, 1);
      expect(deleted?.message).toBe('rogue deleted v2.txt (owned by victim, running)');
      await core.answer(runId, deleted?.id, 'reject', 'test');
      expect(readFileSync(join(repo.root, 'v2.txt'), 'utf8')).toBe('two\n');
      writeFileSync(join(sig, 'go'), '');
      expect(await driving).toBe('completed');
      expect(core.db.getAttempts(runId, 'rogue').map((a) => a.status)).toEqual([
        'failed',
        'failed',
        'passed',
      ]);
      expect(core.db.getAttempts(runId, 'victim').map((a) => a.status)).toEqual(['passed']);
    } finally {
      core.close();
    }
    expect(readFileSync(join(repo.root, 'v1.txt'), 'utf8')).toBe('one\nv1\n');
  }, 90_000);

  it('a planted git hook, a write to .haco/config.yaml and a write through a symlink are caught (headless)', async () => {
    const plan = `version: 1
goal: guarded places
tasks:
  - id: victim
    agent: victim
    files: [victim.txt]
    prompt: write victim.txt
    verify: ["grep -q victim-work victim.txt"]
  - id: rogue
    agent: rogue
    files: [rogue.txt]
    depends_on: [victim]
    prompt: write rogue.txt
    verify: ["test -f rogue.txt"]
    retries: 1
`;
    const victim = `printf 'victim-work\\n' > victim.txt\n`;
    const rogue = `printf 'r\\n' > rogue.txt
if [ "$HACO_ATTEMPT" = 1 ]; then
  printf '#!/bin/sh\\ntouch "%s/hook-ran"\\n' "$SIG" > .git/hooks/post-commit
  chmod +x .git/hooks/post-commit
  mkdir -p .haco && printf 'agents: {}\\n' > .haco/config.yaml
  printf 'clobbered\\n' > shortcut.txt
  sleep 30
fi
`;
    const { repo, sig } = signalRepo({ victim, rogue }, plan, { 'victim.txt': 'before\n' });
    symlinkSync('victim.txt', join(repo.root, 'shortcut.txt'));
    repo.git('add', 'shortcut.txt');
    repo.git('commit', '-qm', 'a shortcut');
    const { core, runId } = await openRun(repo);
    try {
      expect(await core.drive(runId)).toBe('paused');
      const bps = core.db.getBreakpoints(runId).filter((b) => b.kind === 'ownership_violation');
      expect(bps.map((b) => b.message).sort()).toEqual([
        "rogue wrote .git/hooks/post-commit (git's own files: hooks, config and refs)",
        "rogue wrote .haco/config.yaml (haco's own files)",
        'rogue wrote victim.txt (owned by victim)',
      ]);
      // Headless, the held writer was stopped for good: its attempt is interrupted, not counted.
      expect(core.db.getAttempts(runId, 'rogue').map((a) => a.status)).toEqual(['interrupted']);
      for (const b of bps) await core.answer(runId, b.id, 'reject', 'test');
      expect(existsSync(join(repo.root, '.git/hooks/post-commit'))).toBe(false);
      expect(existsSync(join(repo.root, '.haco/config.yaml'))).toBe(false);
      expect(readFileSync(join(repo.root, 'victim.txt'), 'utf8')).toBe('victim-work\n');
      expect(lstatSync(join(repo.root, 'shortcut.txt')).isSymbolicLink()).toBe(true);
      expect(await core.drive(runId)).toBe('completed');
    } finally {
      core.close();
    }
    expect(existsSync(join(sig, 'hook-ran'))).toBe(false);
    expect(repo.git('log', '--format=%s', '-2').split('\n')).toEqual([
      'haco(rogue): rogue',
      'haco(victim): victim',
    ]);
  }, 90_000);
});

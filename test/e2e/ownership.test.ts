import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/orchestrator/types.js';
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

import {
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PtySession } from '../../src/sessions/pty-session.js';
import { runHaco, type CliResult } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { fillDisk, immutableUnavailable, mountUnavailable, Mounts } from '../helpers/storage.js';

/**
 * A fake agent: records its pid, waits while `ctl/hold` exists (so the test can break the disk
 * while it runs), prints ~25 KB (its transcript grows), then writes its owned file and exits 0.
 * `ctl/` is beside the repository, outside it.
 */
const AGENT = `#!/bin/sh
ctl="$(cd "$(dirname "$0")/../.." && pwd)/ctl"
echo $$ > "$ctl/pid"
echo "agent started"
while [ -e "$ctl/hold" ]; do sleep 0.05; done
i=0
while [ $i -lt 300 ]; do echo "output line $i: the quick brown fox jumps over the lazy dog"; i=$((i+1)); done
mkdir -p src
echo 'export const a = 1;' > src/a.ts
`;

const FILES = {
  'cfg.yaml':
    'agents:\n  fake: {type: command, command: ./bin/agent.sh}\ndefaults: {agent: fake, timeout: 2m}\n',
  'plan.yaml':
    'version: 1\ngoal: write a\ntasks:\n  - id: a\n    title: write a\n    files: [src/a.ts]\n    prompt: write src/a.ts\n',
  'bin/agent.sh': AGENT,
};

interface Fixture {
  readonly repo: TempRepo;
  /** The agent's control directory (outside the repository). */
  readonly ctl: string;
  haco(...args: string[]): Promise<CliResult>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function fixture(): Fixture {
  const repo = makeRepo({ files: FILES, executables: ['bin/agent.sh'] });
  cleanups.push(() => repo.dispose());
  const ctl = join(dirname(repo.root), 'ctl');
  mkdirSync(ctl);
  return {
    repo,
    ctl,
    haco: (...args) =>
      runHaco(args, { cwd: repo.root, env: { HOME: repo.home, PATH: process.env.PATH ?? '' } }),
  };
}

function mounts(): Mounts {
  const m = new Mounts();
  cleanups.push(() => m.release());
  return m;
}

/** The stderr line of a storage fault: the last line, exit 4, no stack trace, no internal error. */
function expectFault(result: CliResult, pattern: RegExp, { only }: { only: boolean }): void {
  const shown = `exit ${result.exitCode}\nstderr:\n${result.stderr}\nstdout:\n${result.stdout}`;
  const lines = result.stderr.trimEnd().split('\n');
  if (only) expect(lines, shown).toHaveLength(1);
  expect(lines.at(-1), shown).toMatch(pattern);
  expect(result.stderr, shown).not.toContain('    at ');
  expect(result.stderr, shown).not.toContain('internal error');
  expect(result.exitCode, shown).toBe(4);
}

/** `PRAGMA integrity_check` of the repository's state database, read-only. */
function integrity(root: string): string {
  const db = new Database(join(root, '.haco', 'state.db'), { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** Every file under `dir` (relative); null when it does not exist, 'file' when it is a file. */
function listing(dir: string): string[] | null | 'file' {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return 'file';
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

function runIdOf(result: CliResult): string {
  const id = /run ([0-9a-f]{8})/.exec(result.stderr + result.stdout)?.[1];
  if (!id) throw new Error(`no run id in:\n${result.stderr}\n${result.stdout}`);
  return id;
}

/** Waits until the fake agent has written its pid, then returns it. */
async function agentPid(ctl: string): Promise<number> {
  return vi.waitFor(
    () => {
      const text = readFileSync(join(ctl, 'pid'), 'utf8').trim();
      if (!/^\d+$/.test(text)) throw new Error('no pid yet');
      return Number(text);
    },
    { timeout: 20_000, interval: 50 },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) is not running.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** Resumes the run and expects it to complete with the agent's file committed. */
async function expectResumeCompletes(f: Fixture, runId: string): Promise<void> {
  rmSync(join(f.ctl, 'hold'), { force: true });
  const resumed = await f.haco('resume', runId);
  expect(resumed.stderr).not.toContain('internal error');
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('completed');
  expect(f.repo.git('log', '-1', '--format=%s')).toBe('haco(a): write a');
  expect(f.repo.git('show', '--name-only', '--format=', 'HEAD')).toBe('src/a.ts');
}

const noMount = mountUnavailable();

describe.skipIf(noMount !== undefined)(
  `disk full and read-only .haco/ (tmpfs and bind mounts${noMount ? `; skipped: ${noMount}` : ''})`,
  () => {
    /** `.haco/` on its own small tmpfs, with room outside it (`filler`) to fill the disk. */
    function smallDisk(f: Fixture): { filler: string } {
      const m = mounts();
      const fsDir = join(dirname(f.repo.root), 'fs');
      m.tmpfs(fsDir, 16 * 1024 * 1024);
      mkdirSync(join(fsDir, 'haco'));
      m.bind(join(fsDir, 'haco'), join(f.repo.root, '.haco'));
      return { filler: join(fsDir, 'filler') };
    }

    it('disk full mid-run: the run stops with one line (exit 4), its agent is gone, the database is intact, and it resumes once there is space', async () => {
      const f = fixture();
      const { filler } = smallDisk(f);
      writeFileSync(join(f.ctl, 'hold'), '');
      const running = f.haco('run', 'plan.yaml', '--config', 'cfg.yaml', '--yes');
      const pid = await agentPid(f.ctl);
      expect(fillDisk(filler)).toBeGreaterThan(0);
      rmSync(join(f.ctl, 'hold'));
      const result = await running;

      expectFault(result, /\.haco\/.*no space left on the device; free some space, then resume the run/, {
        only: false,
      });
      expect(isAlive(pid)).toBe(false);
      expect(f.repo.git('log', '--format=%s')).toBe('initial');

      rmSync(filler);
      expect(integrity(f.repo.root)).toBe('ok');
      await expectResumeCompletes(f, runIdOf(result));
      expect(integrity(f.repo.root)).toBe('ok');
    });

    it('disk full before a run: one line (exit 4) and nothing written, not even .git/info/exclude', async () => {
      const f = fixture();
      const { filler } = smallDisk(f);
      fillDisk(filler);
      const exclude = readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8');

      const result = await f.haco('run', 'plan.yaml', '--config', 'cfg.yaml', '--yes');

      expectFault(result, /^haco: \.haco\/state\.db: no space left on the device/, { only: true });
      expect(listing(join(f.repo.root, '.haco'))).toEqual([]);
      expect(readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);

      rmSync(filler);
      const again = await f.haco('run', 'plan.yaml', '--config', 'cfg.yaml', '--yes');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(integrity(f.repo.root)).toBe('ok');
    });

    it('read-only .haco/ (bind mount): a new run is refused with one line and nothing written', async () => {
      const f = fixture();
      const dir = join(f.repo.root, '.haco');
      mkdirSync(dir);
      mounts().readOnly(dir);
      const exclude = readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8');

      const result = await f.haco('run', 'plan.yaml', '--config', 'cfg.yaml', '--yes');

      expectFault(result, /^haco: \.haco\/state\.db: read-only file system; haco cannot write here/, {
        only: true,
      });
      expect(listing(dir)).toEqual([]);
      expect(readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);
    });

    const roMechanisms = [
      {
        name: 'a read-only bind mount',
        skip: undefined as string | undefined,
        pattern: /read-only file system/,
        apply: (m: Mounts, dir: string) => m.readOnly(dir),
        undo: (m: Mounts, dir: string) => m.unmount(dir),
      },
      {
        name: 'chattr +i',
        skip: immutableUnavailable(process.env.TMPDIR ?? '/tmp'),
        pattern: /operation not permitted/,
        apply: (m: Mounts, dir: string) => m.makeImmutable(dir),
        undo: (m: Mounts, dir: string) => m.makeMutable(dir),
      },
    ];
    for (const mech of roMechanisms) {
      it.skipIf(mech.skip !== undefined)(
        `a paused run with .haco/ made read-only by ${mech.name}: resume says so in one line (exit 4), and resumes once writable${mech.skip ? ` (skipped: ${mech.skip})` : ''}`,
        async () => {
          const f = fixture();
          const created = await f.haco('run', 'plan.yaml', '--config', 'cfg.yaml');
          expect(created.exitCode, created.stderr).toBe(3);
          const runId = runIdOf(created);
          expect((await f.haco('approve', runId)).exitCode).toBe(0);
          const dir = join(f.repo.root, '.haco');
          const m = mounts();
          mech.apply(m, dir);

          const result = await f.haco('resume', runId);

          expectFault(result, mech.pattern, { only: true });
          expect(result.stderr).toMatch(/^haco: \.haco\/state\.db: /);
          mech.undo(m, dir);
          expect(integrity(f.repo.root)).toBe('ok');
          await expectResumeCompletes(f, runId);
        },
      );
    }
  },
);

describe('a damaged state database: one line (exit 4), nothing changed, and the run resumes once it is repaired', () => {
  /** Writes big-endian `value` at `offset` of `file` (SQLite's header: user_version is at 60). */
  function poke(file: string, offset: number, bytes: Buffer): void {
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, bytes, 0, bytes.length, offset);
    } finally {
      closeSync(fd);
    }
  }
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };

  const faults = [
    {
      name: 'from a newer haco (user_version ahead)',
      pattern: /^haco: \.haco\/state\.db: schema v99 is newer than this haco \(v\d+\); upgrade haco$/,
      damage: (db: string) => poke(db, 60, u32(99)),
    },
    {
      name: 'corrupt (a b-tree page overwritten)',
      pattern: /^haco: \.haco\/state\.db: the state database is corrupt \(.+\); move it aside/,
      damage: (db: string) => poke(db, 4096, Buffer.alloc(4096, 0x78)),
    },
    {
      name: 'not a SQLite file',
      pattern: /^haco: \.haco\/state\.db: not a SQLite database; move it aside/,
      damage: (db: string) => writeFileSync(db, 'these are my notes, not a database\n'.repeat(200)),
    },
    {
      name: 'replaced: .haco is a file',
      pattern: /^haco: \.haco: is a file, not a directory/,
      damage: (db: string) => {
        renameSync(dirname(db), `${dirname(db)}.moved`);
        writeFileSync(dirname(db), 'not a directory\n');
      },
    },
  ];

  for (const fault of faults) {
    it(`${fault.name}`, async () => {
      const f = fixture();
      const created = await f.haco('run', 'plan.yaml', '--config', 'cfg.yaml');
      expect(created.exitCode, created.stderr).toBe(3);
      const runId = runIdOf(created);
      const hacoDir = join(f.repo.root, '.haco');
      const db = join(hacoDir, 'state.db');
      cpSync(db, join(f.ctl, 'state.db.good'));
      fault.damage(db);
      const snapshot = (): string =>
        existsSync(db) ? readFileSync(db).toString('hex') : readFileSync(hacoDir).toString('hex');
      const before = { bytes: snapshot(), listing: listing(hacoDir) };
      const exclude = readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8');

      for (const args of [
        ['resume', runId],
        ['status'],
        ['approve', runId],
        ['run', 'plan.yaml', '--config', 'cfg.yaml'],
      ]) {
        const result = await f.haco(...args);
        expectFault(result, fault.pattern, { only: true });
      }
      expect({ bytes: snapshot(), listing: listing(hacoDir) }).toEqual(before);
      expect(readFileSync(join(f.repo.root, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);

      // Repaired (the good copy back, the directory back): the run goes on.
      if (existsSync(`${hacoDir}.moved`)) {
        rmSync(hacoDir);
        renameSync(`${hacoDir}.moved`, hacoDir);
      } else cpSync(join(f.ctl, 'state.db.good'), db);
      expect(integrity(f.repo.root)).toBe('ok');
      expect((await f.haco('approve', runId)).exitCode).toBe(0);
      await expectResumeCompletes(f, runId);
    });
  }
});

describe.skipIf(noMount !== undefined)('a transcript on a full disk', () => {
  it('reports ENOSPC to its listener once, never as an unhandled error, and the session still ends', async () => {
    const base = join(makeRepo().root, '..');
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const disk = join(base, 'disk');
    mounts().tmpfs(disk, 64 * 1024);
    const transcriptFile = join(disk, 'transcript.log');
    fillDisk(join(disk, 'filler'));
    const errors: string[] = [];
    const session = new PtySession({
      command: '/bin/sh',
      args: ['-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'],
      cwd: base,
      env: {},
      output: { kind: 'screen' },
      transcriptFile,
    });
    session.onTranscriptError((error) => errors.push((error as NodeJS.ErrnoException).code ?? '?'));
    const exit = await session.exited;
    session.dispose();
    expect(exit.exitCode).toBe(0);
    expect(errors[0]).toBe('ENOSPC');
  });
});

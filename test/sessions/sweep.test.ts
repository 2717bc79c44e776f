import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it, vi } from 'vitest';

import { findMarked, MARKER_ENV, newMarker, runMarkerPrefix, sweepMarked } from '../../src/sessions/sweep.js';
import { isRunning } from '../helpers/background.js';

const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/**
 * Starts, with `marker` in its environment, a shell that double-forks a `setsid` sleeper (a new
 * session, reparented away from its parent) and exits; returns the sleeper's pid.
 */
async function detachedSleeper(marker: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'haco-sweep-'));
  dirs.push(dir);
  const pidFile = join(dir, 'pid');
  const shell = spawn('sh', ['-c', `( setsid sleep 60 & echo $! > "${pidFile}" ) &`], {
    env: { ...process.env, [MARKER_ENV]: marker },
    stdio: 'ignore',
  });
  await new Promise((resolve) => shell.on('exit', resolve));
  const pid = await vi.waitFor(() => {
    const text = readFileSync(pidFile, 'utf8').trim();
    if (!text) throw new Error('no pid yet');
    return Number(text);
  });
  pids.push(pid);
  return pid;
}

it('finds and kills a double-forked setsid process by its marker, and only that one', async () => {
  const mine = newMarker('run00001', 'task', 1);
  const other = newMarker('run00002', 'task', 1);
  expect(mine).toMatch(/^run00001:task:1:[0-9a-f]{8}$/);
  expect(newMarker('run00001', 'task', 1)).not.toBe(mine);
  const target = await detachedSleeper(mine);
  const bystander = await detachedSleeper(other);
  await vi.waitFor(() => expect(findMarked({ exact: mine })).toEqual([target]));

  expect(await sweepMarked({ exact: mine })).toEqual([target]);
  await vi.waitFor(() => expect(isRunning(target)).toBe(false));
  expect(isRunning(bystander)).toBe(true);
  expect(findMarked({ exact: mine })).toEqual([]);
  expect(await sweepMarked({ exact: mine })).toEqual([]);
});

it('sweeps every attempt of a run by its prefix', async () => {
  const a = await detachedSleeper(newMarker('run00003', 'a', 1));
  const b = await detachedSleeper(newMarker('run00003', 'b', 2));
  const other = await detachedSleeper(newMarker('run000031', 'a', 1));
  const killed = await sweepMarked({ prefix: runMarkerPrefix('run00003') });
  expect(killed.sort()).toEqual([a, b].sort());
  await vi.waitFor(() => expect([a, b].filter(isRunning)).toEqual([]));
  expect(isRunning(other)).toBe(true);
});

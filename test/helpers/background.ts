import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { vi } from 'vitest';

import { PROJECT_ROOT } from './repo.js';

/** A `haco` process started in the background (the built bin), its stderr collected as it comes. */
export interface BackgroundHaco {
  readonly pid: number;
  /** Everything written to stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (null when killed) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stderr matches `pattern` (deadline `timeoutMs`); returns the match. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Starts `node dist/src/cli/haco.js ...args` in `cwd` with `env` (no stdin, no HACO_MARKER). */
export function startHaco(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): BackgroundHaco {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  delete env.HACO_MARKER;
  const child = spawn(process.execPath, [`${PROJECT_ROOT}/dist/src/cli/haco.js`, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid ?? -1,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      vi.waitFor(
        () => {
          const match = pattern.exec(err);
          if (!match) throw new Error(`stderr has no ${String(pattern)} yet:\n${err}`);
          return match;
        },
        { timeout: timeoutMs, interval: 20 },
      ),
  };
}

/** Whether a pid is a running process (a zombie waiting for its parent is not). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids of living reaper processes started by haco process `hacoPid` (see sessions/reaper.ts). */
export function reapersOf(hacoPid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('haco-reaper');
      if (at > 0 && argv[at + 1] === String(hacoPid) && isRunning(Number(entry))) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

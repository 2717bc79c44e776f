import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

import { delay } from '../lib/wait.js';

/**
 * The environment variable that marks every process of an attempt: the agent, its children, and
 * anything they start, even in a new session (`setsid`) or double-forked, inherits it. Verify
 * commands carry their attempt's marker too. A process that clears its environment (`env -i`)
 * escapes the mark; its process group is still killed.
 */
export const MARKER_ENV = 'HACO_MARKER';

/** Longest a sweep keeps finding and killing marked processes (a fork bomb would outrun it), ms. */
const SWEEP_MAX_MS = 3000;

/**
 * A new per-attempt marker, `<runId>:<taskId>:<attempt>:<nonce>` (nonce: 8 hex characters), unique
 * across resumes of the same run. Stored in `attempts.marker`.
 */
export function newMarker(runId: string, taskId: string, attempt: number): string {
  return `${runId}:${taskId}:${attempt}:${randomBytes(4).toString('hex')}`;
}

/** The prefix every marker of a run starts with (`<runId>:`). */
export function runMarkerPrefix(runId: string): string {
  return `${runId}:`;
}

/** Which marked processes a sweep takes: one exact marker, or every marker starting with a prefix. */
export type MarkerMatch = { readonly exact: string } | { readonly prefix: string };

function matches(marker: string, match: MarkerMatch): boolean {
  return 'exact' in match ? marker === match.exact : marker.startsWith(match.prefix);
}

/** The value of `MARKER_ENV` in a process's initial environment (/proc/PID/environ), if any. */
function markerOf(pid: string): string | undefined {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined; // exited while we looked, or not ours to read
  }
  const key = `${MARKER_ENV}=`;
  for (const entry of environ.toString('utf8').split('\0'))
    if (entry.startsWith(key)) return entry.slice(key.length);
  return undefined;
}

/** Whether /proc/PID/stat says the process is a zombie (dead, waiting to be reaped). */
function isZombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/**
 * Pids of the living processes (zombies excluded, this process excluded) whose environment carries
 * a matching marker, read from /proc/*\/environ (Linux). Empty where /proc is unavailable.
 */
export function findMarked(match: MarkerMatch): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const marker = markerOf(entry);
    if (marker !== undefined && matches(marker, match) && !isZombie(entry)) out.push(Number(entry));
  }
  return out;
}

/**
 * Kills (SIGKILL) every living process that carries a matching marker, again and again until none
 * is left, so a process that forks while being swept is caught on the next pass.
 * @returns the pids killed (empty when there were none)
 */
export async function sweepMarked(match: MarkerMatch): Promise<number[]> {
  const killed = new Set<number>();
  const deadline = Date.now() + SWEEP_MAX_MS;
  for (;;) {
    const found = findMarked(match);
    if (found.length === 0 || Date.now() > deadline) return [...killed];
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // ESRCH: gone meanwhile
      }
    }
    await delay(10);
  }
}

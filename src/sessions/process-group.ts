import { readdirSync, readFileSync } from 'node:fs';

import { delay } from '../lib/wait.js';

/**
 * Pids of the group's members that are still running (zombies excluded), read from /proc on Linux.
 * Zombies matter: an orphan reparented to a PID 1 that never reaps (as in some containers) stays
 * a zombie forever, and `kill(-pgid, 0)` would count it as alive.
 * @returns pids, or undefined where /proc is not available
 */
export function livingGroupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') out.push(Number(entry));
  }
  return out;
}

/** Whether any process of the group led by `pgid` is still running. */
export function groupAlive(pgid: number): boolean {
  const members = livingGroupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills a whole process group: SIGTERM, then SIGKILL after `graceMs` if anything is left.
 * A pty child is a session leader (setsid), so its pid is its group id and its background
 * children share it.
 * @param graceMs time the group gets to exit after SIGTERM, ms
 * @returns once the group is gone (or after a final SIGKILL and 1 s)
 */
export async function killProcessGroup(pgid: number, graceMs = 1000): Promise<void> {
  const send = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, signal);
    } catch {
      // ESRCH: already gone
    }
  };
  if (!groupAlive(pgid)) return;
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await delay(25);
  if (!groupAlive(pgid)) return;
  send('SIGKILL');
  const hard = Date.now() + 1000;
  while (groupAlive(pgid) && Date.now() < hard) await delay(10);
}

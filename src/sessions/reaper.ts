import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

import { MARKER_ENV } from './sweep.js';

/**
 * The reaper's program (plain JavaScript for `node -e`, so it runs the same from the sources and
 * from dist/). It reads markers from stdin, one per line, and when stdin reaches end-of-file (haco
 * exited or was killed, even by SIGKILL: the kernel closes the pipe) it SIGKILLs every living
 * process whose /proc/PID/environ holds `HACO_MARKER=<one of them>`, until none is left (at most
 * 3 s), then exits. It ignores SIGINT and SIGHUP (a closing terminal must not take it down first).
 * Same matching rules as sweep.ts's `sweepMarked`.
 */
const REAPER_PROGRAM = `
const fs = require('fs');
for (const s of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(s, () => {});
const markers = new Set();
let buf = '';
const KEY = ${JSON.stringify(`${MARKER_ENV}=`)};
function marked() {
  const out = [];
  let entries = [];
  try { entries = fs.readdirSync('/proc'); } catch { return out; }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e) || Number(e) === process.pid) continue;
    let env;
    try { env = fs.readFileSync('/proc/' + e + '/environ', 'latin1'); } catch { continue; }
    const hit = env.split('\\0').some((v) => v.startsWith(KEY) && markers.has(v.slice(KEY.length)));
    if (!hit) continue;
    try {
      const st = fs.readFileSync('/proc/' + e + '/stat', 'latin1');
      const state = st.charAt(st.lastIndexOf(')') + 2);
      if (state !== 'Z' && state !== 'X') out.push(Number(e));
    } catch {}
  }
  return out;
}
function sweep() {
  const deadline = Date.now() + 3000;
  const pass = () => {
    const found = markers.size ? marked() : [];
    if (found.length === 0 || Date.now() > deadline) process.exit(0);
    for (const pid of found) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    setTimeout(pass, 10);
  };
  pass();
}
process.stdin.setEncoding('latin1');
process.stdin.on('data', (d) => {
  const lines = (buf + d).split('\\n');
  buf = lines.pop();
  for (const l of lines) if (l) markers.add(l);
});
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);
`;

/** The first argument of a reaper process (its /proc/PID/cmdline holds `haco-reaper\0<haco pid>`). */
export const REAPER_TAG = 'haco-reaper';

/**
 * A watchdog process that outlives haco: a detached node process (its own session and process
 * group, so a terminal's SIGINT/SIGHUP does not reach it) holding the reading end of a pipe from
 * haco. haco tells it each attempt's marker before the attempt starts; when haco exits by any
 * means, even SIGKILL, the pipe closes and the reaper kills every process still carrying one of
 * those markers, then exits. Cost (measured on Node 20): see README "Crash and resume".
 */
export class Reaper {
  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts the reaper (`node -e`, cwd `/`, stdout/stderr discarded, not waited for).
   * @param onFailure called (once) when the reaper cannot be started or dies early: haco then
   *   runs without it (sweeps at each attempt's end and at resume still run)
   */
  static start(onFailure: (reason: string) => void): Reaper {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env[MARKER_ENV];
    // `haco-reaper <haco pid>` after the program names it in `ps` (and for tests).
    const args = ['--max-old-space-size=16', '-e', REAPER_PROGRAM, REAPER_TAG, String(process.pid)];
    const child = spawn(process.execPath, args, {
      cwd: '/',
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env,
    });
    // The reaper lives on its own; haco must not wait for it (nor for its pipe) to exit.
    child.unref();
    let isReported = false;
    const fail = (reason: string): void => {
      if (!isReported) onFailure(reason);
      isReported = true;
    };
    child.on('error', (error) => fail(`the crash reaper could not start: ${error.message}`));
    // EPIPE: the reaper is gone while haco still runs (it only exits once its pipe closes).
    child.stdin?.on('error', (error) => fail(`the crash reaper stopped: ${error.message}`));
    (child.stdin as Socket | null)?.unref();
    return new Reaper(child);
  }

  /** The reaper's pid (tests check that it exits). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Adds a marker to sweep when haco dies; call before the attempt's first process starts. */
  watch(marker: string): void {
    if (this.child.stdin?.writable) this.child.stdin.write(`${marker}\n`);
  }

  /**
   * Closes the pipe: the reaper sweeps the markers it was given (already swept at each attempt's
   * end, so normally it finds nothing) and exits.
   */
  close(): void {
    this.child.stdin?.end();
  }
}

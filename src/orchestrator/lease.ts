import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import type { StateDb } from '../db/state-db.js';
import { HacoError } from '../lib/errors.js';

/** How often the lease holder refreshes `heartbeat_at`, ms. */
export const HEARTBEAT_MS = 5000;
/**
 * A lease held from another host (a shared file system) whose heartbeat is older than this is
 * taken to be dead, ms; on this host the owner's pid and start time decide.
 */
const STALE_REMOTE_MS = 6 * HEARTBEAT_MS;

/** The row of table `lease` (one per repository, id 1). */
export interface LeaseRow {
  /** The run the holder works on; null while it only holds the repository (no run yet). */
  readonly runId: string | null;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot): tells a reused pid from the owner. */
  readonly pidStart: string;
  readonly host: string;
  /** Epoch ms. */
  readonly acquiredAt: number;
  readonly heartbeatAt: number;
}

/**
 * A process's start time, field 22 (`starttime`) of /proc/PID/stat (proc(5)), as a string of
 * clock ticks since boot; undefined when the process does not exist (or /proc is unavailable).
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state …": comm may hold spaces and parentheses; field 3 follows the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined; // dead, waiting to be reaped
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

/** The current lease row, if any. */
export function readLease(db: StateDb): LeaseRow | undefined {
  return readLeaseRow(db.db);
}

function readLeaseRow(db: Database.Database): LeaseRow | undefined {
  const r = db.prepare('SELECT * FROM lease WHERE id = 1').get() as
    Record<string, string | number | null> | undefined;
  if (!r) return undefined;
  return {
    runId: r.run_id === null ? null : String(r.run_id),
    pid: Number(r.pid),
    pidStart: String(r.pid_start),
    host: String(r.host),
    acquiredAt: Number(r.acquired_at),
    heartbeatAt: Number(r.heartbeat_at),
  };
}

/**
 * Whether the lease's holder is still alive: on this host, its pid runs and started at the
 * recorded time (so a reused pid is not mistaken for it); on another host, its heartbeat is fresh.
 */
export function isLeaseLive(lease: LeaseRow, now: number = Date.now()): boolean {
  if (lease.host !== hostname()) return now - lease.heartbeatAt < STALE_REMOTE_MS;
  return processStartTime(lease.pid) === lease.pidStart;
}

/**
 * Whether a process other than this one holds a live lease on `runId`. `haco status` shows a
 * `running` run without one as `interrupted` (its owner died).
 */
export function isRunHeldLive(db: StateDb, runId: string): boolean {
  const lease = readLease(db);
  return lease !== undefined && lease.runId === runId && isLeaseLive(lease);
}

/**
 * Refuses at once, before a command's other checks, when another living haco holds the
 * repository's lease, so the user hears "run X is running" rather than, say, that the running
 * agents' files are uncommitted. Read-only: nothing is created or written. A missing database, or
 * one this check cannot read, is left to the command's own open, which reports it.
 * @throws HacoError (`lease.held`, exit 2)
 */
export function assertRepositoryFree(repoRoot: string): void {
  const file = join(repoRoot, '.haco', 'state.db');
  if (!existsSync(file)) return;
  let row: LeaseRow | undefined;
  try {
    // Read-write on purpose: a read-only connection to a WAL database creates `-wal` and `-shm`
    // files it cannot remove at close; the last read-write connection removes them, so a refused
    // command leaves `.haco/` exactly as it was.
    const db = new Database(file, { fileMustExist: true });
    try {
      row = readLeaseRow(db);
    } finally {
      db.close();
    }
  } catch {
    return; // unreadable here (older schema, damaged): the command's open says why
  }
  const ours = row?.pid === process.pid && row.host === hostname();
  if (row && !ours && isLeaseLive(row)) throw heldBy(row);
}

/** What {@link Lease.acquire} found: the dead holder it replaced, if any. */
export interface TakenOver {
  readonly runId: string | null;
  readonly pid: number;
}

/**
 * The repository lease: at most one haco process drives, answers or rolls back runs of a
 * repository at a time. Held by a row of `lease` (pid, its start time, host, heartbeat every
 * {@link HEARTBEAT_MS}); released on close. A holder that died (pid gone, or reused: its start
 * time differs) is taken over.
 */
export class Lease {
  private timer: NodeJS.Timeout | undefined;
  private readonly pidStart: string;

  private constructor(
    private readonly db: StateDb,
    private readonly now: () => number,
  ) {
    this.pidStart = processStartTime(process.pid) ?? '0';
  }

  /**
   * Takes the lease for `runId` (null: the repository only, before a run exists), or moves this
   * process's lease to `runId`. One immediate transaction, so two processes never both win.
   * @returns the lease and the dead holder it replaced, if any
   * @throws HacoError (`lease.held`, exit 2) when another living process holds it; nothing is written
   */
  static acquire(
    db: StateDb,
    runId: string | null,
    now: () => number = Date.now,
  ): { lease: Lease; takenOver: TakenOver | undefined } {
    const lease = new Lease(db, now);
    const takenOver = lease.take(runId);
    lease.timer = setInterval(() => lease.beat(), HEARTBEAT_MS);
    lease.timer.unref();
    return { lease, takenOver };
  }

  /**
   * Moves the lease to another run of this repository (the same process creates a run, then
   * drives another).
   * @throws HacoError (`lease.held`) when another living process took it meanwhile
   */
  retarget(runId: string | null): TakenOver | undefined {
    return this.take(runId);
  }

  /** Deletes the row if it is still ours; stops the heartbeat. Idempotent. */
  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.db.db.open) return;
    this.db.db
      .prepare('DELETE FROM lease WHERE id = 1 AND pid = ? AND pid_start = ? AND host = ?')
      .run(process.pid, this.pidStart, hostname());
  }

  private isOurs(row: LeaseRow): boolean {
    return row.pid === process.pid && row.pidStart === this.pidStart && row.host === hostname();
  }

  private take(runId: string | null): TakenOver | undefined {
    return this.db.db
      .transaction((): TakenOver | undefined => {
        const row = readLease(this.db);
        const at = this.now();
        if (row && !this.isOurs(row) && isLeaseLive(row, at)) throw heldBy(row);
        this.db.db
          .prepare(
            `INSERT INTO lease (id, run_id, pid, pid_start, host, acquired_at, heartbeat_at)
             VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid,
               pid_start = excluded.pid_start, host = excluded.host,
               acquired_at = CASE WHEN lease.pid = excluded.pid AND lease.pid_start = excluded.pid_start
                 THEN lease.acquired_at ELSE excluded.acquired_at END,
               heartbeat_at = excluded.heartbeat_at`,
          )
          .run(runId, process.pid, this.pidStart, hostname(), at, at);
        return row && !this.isOurs(row) ? { runId: row.runId, pid: row.pid } : undefined;
      })
      .immediate();
  }

  private beat(): void {
    if (!this.db.db.open) return this.release();
    try {
      this.db.db
        .prepare('UPDATE lease SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND pid_start = ?')
        .run(this.now(), process.pid, this.pidStart);
    } catch {
      // A busy or full database: the next beat tries again. On this host liveness is judged by
      // pid and start time, so a missed beat never loses the lease; a real storage fault surfaces
      // where the run writes its state.
    }
  }
}

function heldBy(row: LeaseRow): HacoError {
  const what = row.runId ? `run ${row.runId} is running` : 'another haco is working';
  return new HacoError('lease.held', [
    `${what} in this repository (pid ${row.pid} on ${row.host}); one run at a time: wait for it, or stop it (Ctrl-C) and try again`,
  ]);
}

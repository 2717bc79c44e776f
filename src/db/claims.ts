import type Database from 'better-sqlite3';

/** One ownership claim: a task's hold on a path pattern while it runs. */
export interface ClaimRow {
  readonly taskId: string;
  readonly pattern: string;
  /** True when the path was granted by answering an ownership_violation breakpoint. */
  readonly granted: boolean;
}

/**
 * Claims in the state database (table `claims`): taken when a task starts, released when it ends.
 * Granted claims (a path approved after a violation) are kept for the task's later attempts.
 */
export class ClaimStore {
  constructor(private readonly db: Database.Database) {}

  /** Takes claims on `patterns` for a task (idempotent per pattern while active). */
  claim(runId: string, taskId: string, patterns: readonly string[], now: number, granted = false): void {
    const active = new Set(
      this.active(runId)
        .filter((c) => c.taskId === taskId)
        .map((c) => c.pattern),
    );
    const insert = this.db.prepare(
      'INSERT INTO claims (run_id, task_id, pattern, granted, claimed_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const p of patterns) if (!active.has(p)) insert.run(runId, taskId, p, granted ? 1 : 0, now);
    })();
  }

  /** Releases every active claim of a task. */
  release(runId: string, taskId: string, now: number): void {
    this.db
      .prepare('UPDATE claims SET released_at = ? WHERE run_id = ? AND task_id = ? AND released_at IS NULL')
      .run(now, runId, taskId);
  }

  /** Releases every active claim of a run (a process starting a run again owns nothing yet). */
  releaseAll(runId: string, now: number): void {
    this.db
      .prepare('UPDATE claims SET released_at = ? WHERE run_id = ? AND released_at IS NULL')
      .run(now, runId);
  }

  active(runId: string): ClaimRow[] {
    const rows = this.db
      .prepare(
        'SELECT task_id, pattern, granted FROM claims WHERE run_id = ? AND released_at IS NULL ORDER BY id',
      )
      .all(runId) as Array<{ task_id: string; pattern: string; granted: number }>;
    return rows.map((r) => ({ taskId: r.task_id, pattern: r.pattern, granted: r.granted === 1 }));
  }

  /** Paths granted to a task after violations, active or not. */
  granted(runId: string, taskId: string): string[] {
    const rows = this.db
      .prepare('SELECT DISTINCT pattern FROM claims WHERE run_id = ? AND task_id = ? AND granted = 1')
      .all(runId, taskId) as Array<{ pattern: string }>;
    return rows.map((r) => r.pattern);
  }
}

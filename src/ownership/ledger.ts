import type { ClaimStore } from '../db/claims.js';
import { firstOverlap, ownershipMatcher } from './paths.js';

/** What a path belongs to right now. */
export type PathOwner =
  | { readonly kind: 'running'; readonly taskId: string }
  | { readonly kind: 'idle'; readonly taskId: string }
  | { readonly kind: 'none' };

/**
 * The ownership ledger of one run: which running task holds which paths (persisted claims), and,
 * for messages, which task of the plan owns a path at all. The scheduler asks it before starting
 * a task, and the watcher asks it who owns each changed path.
 */
export class OwnershipLedger {
  constructor(
    private readonly claims: ClaimStore,
    private readonly runId: string,
    /** Every task's planned patterns (plus grants), for naming owners that are not running. */
    private readonly planned: ReadonlyMap<string, readonly string[]>,
    private readonly now: () => number,
  ) {}

  /** Claims a task's paths as it starts. */
  claim(taskId: string, patterns: readonly string[]): void {
    this.claims.claim(this.runId, taskId, patterns, this.now());
  }

  /** Releases a task's claims as it ends. */
  release(taskId: string): void {
    this.claims.release(this.runId, taskId, this.now());
  }

  /** Grants one more path to a task (an approved violation); active until the task ends. */
  grant(taskId: string, path: string): void {
    this.claims.claim(this.runId, taskId, [path], this.now(), true);
  }

  /** The patterns a task may write: its plan's files plus paths granted to it. */
  patternsOf(taskId: string, planned: readonly string[]): string[] {
    return [...new Set([...planned, ...this.claims.granted(this.runId, taskId)])];
  }

  /**
   * The running task whose active claims meet `patterns`, if any (the scheduler never starts a
   * task that would overlap one, even when the plan validated).
   */
  conflict(
    taskId: string,
    patterns: readonly string[],
  ): { taskId: string; pair: [string, string] } | undefined {
    const byTask = new Map<string, string[]>();
    for (const c of this.claims.active(this.runId)) {
      if (c.taskId === taskId) continue;
      byTask.set(c.taskId, [...(byTask.get(c.taskId) ?? []), c.pattern]);
    }
    for (const [other, held] of byTask) {
      const pair = firstOverlap(patterns, held);
      if (pair) return { taskId: other, pair };
    }
    return undefined;
  }

  /** Who owns a repo-relative path: a running task's claim first, then any task of the plan. */
  ownerOf(path: string): PathOwner {
    const byTask = new Map<string, string[]>();
    for (const c of this.claims.active(this.runId))
      byTask.set(c.taskId, [...(byTask.get(c.taskId) ?? []), c.pattern]);
    for (const [taskId, patterns] of byTask)
      if (ownershipMatcher(patterns)(path)) return { kind: 'running', taskId };
    for (const [taskId, patterns] of this.planned) {
      const all = [...patterns, ...this.claims.granted(this.runId, taskId)];
      if (ownershipMatcher(all)(path)) return { kind: 'idle', taskId };
    }
    return { kind: 'none' };
  }
}

import { basename } from 'node:path';

import type { TaskSpec } from '../plan/schema.js';
import { isManifest } from './dependencies.js';

/** Why a task is risky enough to review under `review.mode: on-risk`, or null when it is not. */
export type RiskReason = string | null;

/** A hub file: a dependency manifest (package.json, go.mod, …), an `index.*` or `__init__.py`. */
export function isHubFile(path: string): boolean {
  const name = basename(path);
  return isManifest(path) || /^index\.[^.]+$/.test(name) || name === '__init__.py';
}

/** Lines a unified diff adds or removes (file headers `+++`/`---` not counted). */
export function changedLines(diff: string): number {
  let n = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+') || line.startsWith('-')) n += 1;
  }
  return n;
}

/**
 * The on-risk rule (README, "Review"): a task is reviewed when it has no verify command, when its
 * diff touches a hub file, or when its diff changes more than `riskLines` lines.
 * @param changed the task's changed paths
 * @param diff the task's unified diff against its checkpoint
 * @returns the first reason that applies (for the run's log), or null
 */
export function riskOf(
  task: TaskSpec,
  changed: readonly string[],
  diff: string,
  riskLines: number,
): RiskReason {
  if (task.verify.length === 0) return 'the task has no verify command';
  const hub = changed.find(isHubFile);
  if (hub !== undefined) return `it changes the hub file ${hub}`;
  const lines = changedLines(diff);
  if (lines > riskLines) return `its diff changes ${lines} lines (more than ${riskLines})`;
  return null;
}

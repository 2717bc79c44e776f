import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createTwoFilesPatch } from 'diff';

import type { StateDb } from '../db/state-db.js';
import type { Workspace } from '../workspace/git.js';
import { addedDependencies, isManifest } from './dependencies.js';
import type { RunRecorder } from './recorder.js';
import type { StageResult } from './stages.js';
import type { BreakpointRow } from './types.js';

/** One changed path of a task: its text at the task's checkpoint and now (null: absent). */
export interface FileVersions {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

/**
 * The text of `paths` at the task's checkpoint (its blob) and in the work tree now; a path the
 * checkpoint does not hold (new since) has `before: null`.
 */
export async function fileVersions(
  db: StateDb,
  workspace: Workspace,
  runId: string,
  taskId: string,
  paths: readonly string[],
): Promise<FileVersions[]> {
  const entries = new Map((db.getCheckpoint(runId, taskId)?.entries ?? []).map((e) => [e.path, e.blob]));
  const blobs = await workspace.readBlobs(paths.flatMap((p) => entries.get(p) ?? []));
  return Promise.all(
    paths.map(async (path) => {
      const blob = entries.get(path);
      const before = blob ? (blobs.get(blob)?.toString('utf8') ?? null) : null;
      const after = await readFile(join(workspace.root, path), 'utf8').catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      });
      return { path, before, after };
    }),
  );
}

/** A unified diff of the versions (what the reviewer reads). */
export function unifiedDiff(versions: readonly FileVersions[]): string {
  return versions
    .map((v) => createTwoFilesPatch(`a/${v.path}`, `b/${v.path}`, v.before ?? '', v.after ?? ''))
    .join('');
}

/** Packages a diff added that its task did not declare, by manifest path. */
export type UndeclaredDependencies = Record<string, string[]>;

/**
 * The dependency guard's finding: every manifest among `versions` (package.json,
 * requirements*.txt, pyproject.toml, go.mod, Cargo.toml) that gained a dependency not in
 * `declared`. Empty when there is none.
 */
export function undeclaredDependencies(
  versions: readonly FileVersions[],
  declared: readonly string[],
): UndeclaredDependencies {
  const allowed = new Set(declared);
  const found: UndeclaredDependencies = {};
  for (const v of versions) {
    if (!isManifest(v.path)) continue;
    const added = addedDependencies(v.path, v.before, v.after).filter((d) => !allowed.has(d));
    if (added.length) found[v.path] = added;
  }
  return found;
}

/** `left-pad in package.json; requests in requirements.txt`. */
function describe(found: UndeclaredDependencies): string {
  return Object.entries(found)
    .map(([path, names]) => `${names.join(', ')} in ${path}`)
    .join('; ');
}

/** What the dependency guard needs from the attempt. */
export interface GuardDesk {
  readonly rec: RunRecorder;
  readonly runId: string;
  readonly taskId: string;
  /** True on the dashboard (the attempt waits for the answer); false headless (the run pauses). */
  readonly isInteractive: boolean;
  /** Fires when the task is stopped or haco is interrupted. */
  readonly signal: AbortSignal;
}

/**
 * The dependency guard's stage: undeclared new dependencies raise a `dependency_added`
 * breakpoint naming the packages and files (details `{key, found}`); `approve` keeps them (the
 * stage goes on), `reject` sends the task back telling its agent to do without them. An answer
 * given to the same finding earlier in the run is reused, so a headless run that paused goes on
 * after `haco approve|reject` + `haco resume`.
 */
export async function dependencyStage(desk: GuardDesk, found: UndeclaredDependencies): Promise<StageResult> {
  if (Object.keys(found).length === 0) return { kind: 'go' };
  const { rec, runId, taskId } = desk;
  const key = JSON.stringify(found);
  const asked = rec.db
    .getBreakpoints(runId)
    .filter(
      (b) =>
        b.kind === 'dependency_added' && b.taskId === taskId && (b.details as { key?: string }).key === key,
    );
  const what = describe(found);
  const decide = (status: BreakpointRow['status']): StageResult =>
    status === 'approved'
      ? { kind: 'go' }
      : {
          kind: 'send_back',
          reason: `the user refused the new dependency: ${what}`,
          feedback: `The user refused the new dependency (${what}). Do without it: remove it from the manifest and solve the task with what the project already has.`,
        };
  const settled = asked.find((b) => b.status !== 'pending');
  if (settled) return decide(settled.status);
  const bp =
    asked[0] ??
    rec.openBreakpoint(
      runId,
      taskId,
      'dependency_added',
      `${taskId} adds a dependency it did not declare: ${what} (approve keeps it, reject sends the task back)`,
      { key, found },
    );
  if (!desk.isInteractive) {
    return {
      kind: 'breakpoint',
      breakpointId: bp.id,
      reason: `waiting at breakpoint ${bp.id} (dependency_added)`,
    };
  }
  const status = await answerOf(rec, runId, bp.id, desk.signal);
  if (status === undefined)
    return { kind: 'interrupted', reason: 'stopped at a dependency_added breakpoint' };
  return decide(status);
}

/** Resolves with the breakpoint's status once answered, or undefined when `signal` fires first. */
export function answerOf(
  rec: RunRecorder,
  runId: string,
  breakpointId: number,
  signal: AbortSignal,
): Promise<BreakpointRow['status'] | undefined> {
  return new Promise((resolve) => {
    const finish = (status: BreakpointRow['status'] | undefined): void => {
      off();
      signal.removeEventListener('abort', onAbort);
      resolve(status);
    };
    const onAbort = (): void => finish(undefined);
    const off = rec.events.on('breakpoint:answered', (b) => {
      if (b.id === breakpointId) finish(b.status);
    });
    signal.addEventListener('abort', onAbort, { once: true });
    const now = rec.db.getBreakpoints(runId).find((b) => b.id === breakpointId);
    if (now && now.status !== 'pending') finish(now.status);
    else if (signal.aborted) finish(undefined);
  });
}

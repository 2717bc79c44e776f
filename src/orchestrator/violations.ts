import type { StateDb } from '../db/state-db.js';
import { delay } from '../lib/wait.js';
import { OwnershipLedger } from '../ownership/ledger.js';
import { ownershipMatcher } from '../ownership/paths.js';
import { ContentBaseline, restoreBlob } from '../workspace/baseline.js';
import { RepoWatcher, type FileChange } from '../workspace/watcher.js';
import type { RunRecorder } from './recorder.js';
import type { BreakpointAnswer, BreakpointRow } from './types.js';

/** What an `ownership_violation` breakpoint records (its `details_json`). */
export interface ViolationDetails {
  readonly path: string;
  /** Blob before the write (null: the path did not exist). */
  readonly before: string | null;
  /** The running task that most likely wrote it, when there is exactly one candidate. */
  readonly writer: string | null;
  /** The attempt (row id) of the writer that was running. */
  readonly writerAttemptId: number | null;
  /** The task that owns the path, if any. */
  readonly owner: string | null;
}

/** What the guard needs from the orchestrator. */
export interface ViolationHooks {
  /** Running task ids with their current attempt row ids. */
  running(): ReadonlyMap<string, number>;
  /** Opens the breakpoint; returns its id. */
  open(taskId: string | null, message: string, details: ViolationDetails): number;
  /** Stops a writer's agent session (its attempt ends `interrupted`). */
  stopWriter(taskId: string): void;
  /** A running task changed one of its own paths. */
  owned(taskId: string, change: FileChange): void;
}

/** Quiet time after which every write made before `settle()` was called has been seen, ms. */
const SETTLE_MS = 300;
/** How long a file outside every claim must last before it is judged, ms. */
const TRANSIENT_MS = 100;

/**
 * The file an atomic-write temp file stands for: `a.ts.tmp.123.456` (Claude Code), `a.ts.tmp`,
 * `a.ts~` → `a.ts`; undefined for any other path.
 */
export function atomicWriteTarget(path: string): string | undefined {
  const match = /^(.+?)(?:\.tmp(?:\.\d+)*|~)$/.exec(path);
  return match?.[1];
}

/**
 * Judges every change the watcher reports: a change to a path a running task claims is that
 * task's; any other change that differs from the accepted baseline becomes one
 * `ownership_violation` breakpoint per path, naming the likely writer, whose session is stopped.
 */
export class ViolationGuard {
  private readonly chains = new Map<string, Promise<void>>();
  /** Pending violation per path: breakpoint id and the likely writer. */
  private readonly pending = new Map<string, { bp: number; writer: string | null }>();

  constructor(
    private readonly ledger: OwnershipLedger,
    private readonly baseline: ContentBaseline,
    private readonly hooks: ViolationHooks,
  ) {}

  /** Feeds one watcher change; changes to one path are judged in order. */
  handle(change: FileChange): void {
    const previous = this.chains.get(change.path) ?? Promise.resolve();
    const next = previous.then(() => this.judge(change)).catch(() => undefined);
    this.chains.set(change.path, next);
  }

  /** Resolves once every write made before the call has been judged. */
  async settle(): Promise<void> {
    await delay(SETTLE_MS);
    await Promise.all(this.chains.values());
  }

  /**
   * Accepts a task's own paths as they are now. Called when its agent (or its verification) ends,
   * before its claims are released, so a watcher event that arrives late for one of its files is
   * not mistaken for a write to a path nobody owns.
   */
  async acceptOwned(patterns: readonly string[]): Promise<void> {
    await this.baseline.acceptMatching(ownershipMatcher(patterns));
  }

  /** Whether a violation attributed to this task is waiting for an answer. */
  hasPendingFor(taskId: string): boolean {
    return [...this.pending.values()].some((p) => p.writer === taskId);
  }

  /** Forgets a path's pending violation after it was answered; `accepted` when the content stays. */
  async answered(path: string, accepted: boolean): Promise<void> {
    this.pending.delete(path);
    if (accepted) await this.baseline.accept(path);
  }

  /** Records content restored by a rejection as the accepted baseline again. */
  restored(path: string, blob: string | null): void {
    this.baseline.set(path, blob);
  }

  private async judge(change: FileChange): Promise<void> {
    const owner = this.ledger.ownerOf(change.path);
    if (owner.kind === 'running') {
      await this.baseline.accept(change.path);
      this.hooks.owned(owner.taskId, change);
      return;
    }
    // An atomic write of an owned file goes through a sibling temp file (Claude Code writes
    // `<file>.tmp.<pid>.<ms>` and renames it): the temp file belongs to the file's owner.
    const target = atomicWriteTarget(change.path);
    if (target !== undefined && this.ledger.ownerOf(target).kind === 'running') return;
    if (this.pending.has(change.path)) return;
    const before = this.baseline.get(change.path);
    // Transient files (created and removed or renamed at once) leave nothing to judge.
    await delay(TRANSIENT_MS);
    if ((await this.baseline.current(change.path)) === before) return;
    const running = this.hooks.running();
    const candidates = [...running.keys()];
    const writer = candidates.length === 1 ? (candidates[0] ?? null) : null;
    const ownerId = owner.kind === 'idle' ? owner.taskId : null;
    const who = writer ?? (candidates.length > 1 ? `one of ${candidates.join(', ')}` : 'an unknown writer');
    const whose = ownerId ? `owned by ${ownerId}` : 'not owned by any task';
    const verb = change.kind === 'unlink' ? 'deleted' : 'wrote';
    const message = `${who} ${verb} ${change.path} (${whose})`;
    const details: ViolationDetails = {
      path: change.path,
      before,
      writer,
      writerAttemptId: writer ? (running.get(writer) ?? null) : null,
      owner: ownerId,
    };
    const bp = this.hooks.open(writer, message, details);
    this.pending.set(change.path, { bp, writer });
    // Let a burst of writes land (each becomes its own breakpoint) before the writer is stopped.
    if (writer) setTimeout(() => this.hooks.stopWriter(writer), SETTLE_MS).unref();
  }
}

/**
 * Carries out an answer to an `ownership_violation` breakpoint. Reject: restore the path's
 * previous content byte for byte (delete it if it was new) and count the writer's attempt as
 * failed. Approve: keep it, and grant the path to the writer when no other task owns it.
 * Works without a live run (`haco reject` after a headless pause): everything is in `details`.
 */
export async function settleViolation(
  db: StateDb,
  repoRoot: string,
  guard: ViolationGuard | undefined,
  runId: string,
  bp: BreakpointRow,
  answer: BreakpointAnswer,
  now: number,
): Promise<void> {
  const d = bp.details as ViolationDetails;
  if (answer === 'reject') {
    await restoreBlob(repoRoot, d.path, d.before);
    guard?.restored(d.path, d.before);
    if (d.writerAttemptId !== null) {
      db.updateAttempt(d.writerAttemptId, {
        status: 'failed',
        error: `wrote ${d.path} outside the task's files; haco reverted it. Change only the files you own.`,
      });
    }
    await guard?.answered(d.path, false);
    return;
  }
  if (d.writer && d.owner === null) db.claims.claim(runId, d.writer, [d.path], now, true);
  await guard?.answered(d.path, true);
}

/**
 * Starts the ownership machinery of one drive: the ledger (claims a dead process left are
 * released), the watcher, then the accepted-content baseline, and the guard the watcher feeds.
 * Breakpoints open through `rec`; owned changes are emitted as `task:files-changed`.
 */
export async function watchOwnership(
  rec: RunRecorder,
  repoRoot: string,
  runId: string,
  hooks: Pick<ViolationHooks, 'running' | 'stopWriter'>,
): Promise<{ watcher: RepoWatcher; ledger: OwnershipLedger; guard: ViolationGuard }> {
  rec.db.claims.releaseAll(runId, rec.now());
  const { plan } = rec.db.runInputs(runId);
  const ledger = new OwnershipLedger(
    rec.db.claims,
    runId,
    new Map(plan.tasks.map((t) => [t.id, t.files])),
    rec.now,
  );
  const ref: { guard?: ViolationGuard } = {};
  // Watch first, then take the baseline: a write in between is judged against the baseline.
  const watcher = await RepoWatcher.start(repoRoot, (change) => ref.guard?.handle(change));
  const baseline = await ContentBaseline.capture(repoRoot);
  const guard = new ViolationGuard(ledger, baseline, {
    ...hooks,
    open: (taskId, message, details) =>
      rec.openBreakpoint(runId, taskId, 'ownership_violation', message, details).id,
    owned: (taskId, change) => rec.events.emit('task:files-changed', { runId, taskId, path: change.path }),
  });
  ref.guard = guard;
  return { watcher, ledger, guard };
}

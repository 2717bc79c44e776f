import type { StateDb } from '../db/state-db.js';
import { delay } from '../lib/wait.js';
import { OwnershipLedger } from '../ownership/ledger.js';
import { ownershipMatcher } from '../ownership/paths.js';
import { ContentBaseline, restoreBlob, sameEntry, type BaselineEntry } from '../workspace/baseline.js';
import { RepoWatcher, type ChangeArea, type FileChange } from '../workspace/watcher.js';
import type { RunRecorder } from './recorder.js';
import type { BreakpointAnswer, BreakpointRow } from './types.js';

/** What an `ownership_violation` breakpoint records (its `details_json`). */
export interface ViolationDetails {
  readonly path: string;
  /** Blob before the change (a symlink's link text; null: the path did not exist). */
  readonly before: string | null;
  /** What stood there before: a regular file (absent in older rows) or a symlink. */
  readonly beforeKind?: 'file' | 'symlink';
  /** Permission bits of the file before (`st_mode & 0o777`), when known. */
  readonly beforeMode?: number;
  /** The running task that most likely made the change, when there is exactly one suspect. */
  readonly writer: string | null;
  /** The attempt (row id) of the writer that was running. */
  readonly writerAttemptId: number | null;
  /** Every running task held as a suspect (absent in older rows: the writer alone). */
  readonly suspects?: readonly string[];
  /** The task that owns the path, if any (running or not). */
  readonly owner: string | null;
  /** Where the path is: the work tree, git's own files or haco's. */
  readonly area?: ChangeArea;
  /** What changed: the content, the path's existence, or only its mode. */
  readonly change?: 'write' | 'delete' | 'mode';
}

/** What the guard needs from the orchestrator. */
export interface ViolationHooks {
  /** Running task ids with their current attempt row ids. */
  running(): ReadonlyMap<string, number>;
  /** Opens the breakpoint with the answers it offers; returns its id. */
  open(
    taskId: string | null,
    message: string,
    details: ViolationDetails,
    answers: readonly BreakpointAnswer[],
  ): number;
  /**
   * Holds a suspect: its agent's process group is stopped (SIGSTOP) until `release`. Headless
   * (no one can answer while the run goes on) the agent is then stopped for good.
   */
  hold(taskId: string): void;
  /** Continues a held agent (SIGCONT), or ends it (`stop`: its attempt is reverted). */
  release(taskId: string, how: 'continue' | 'stop'): void;
  /** Whether a user answers while the run goes on (the dashboard), or the run pauses (headless). */
  isInteractive(): boolean;
  /** A running task changed one of its own paths. */
  owned(taskId: string, change: FileChange): void;
  /** Resolves once no commit of haco's is in progress (refs it moves are then known). */
  commitsSettled(): Promise<void>;
  /** A change could not be judged (git failed, the database is gone); recorded, never swallowed. */
  failed(change: FileChange, error: unknown): void;
}

/** How a task's attempt stands with the guard once its agent has ended. */
export type WriterVerdict =
  | { readonly kind: 'go' }
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'reverted'; readonly reason: string };

/** Quiet time after which every write made before `settle()` was called has been seen, ms. */
const SETTLE_MS = 300;
/** How long a change must last before it is judged (a file created and removed at once is not), ms. */
const TRANSIENT_MS = 100;

/**
 * The file an atomic-write temp file stands for: `a.ts.tmp.123.456` (Claude Code), `a.ts.tmp`,
 * `a.ts~` → `a.ts`; undefined for any other path.
 */
export function atomicWriteTarget(path: string): string | undefined {
  const match = /^(.+?)(?:\.tmp(?:\.\d+)*|~)$/.exec(path);
  return match?.[1];
}

/** One pending violation: its breakpoint, the held suspects and the likely writer. */
interface Pending {
  readonly bp: number;
  readonly writer: string | null;
  readonly suspects: readonly string[];
  readonly owner: string | null;
}

/** Whether a git-dir path is a ref or HEAD, which haco's own commits move. */
function isRefPath(path: string): boolean {
  return /(^|\/)(refs\/.+|HEAD)$/.test(path);
}

/**
 * Judges every change the watcher reports, against the accepted baseline:
 * - A change to a path a running task claims is that task's — except a delete or a mode change
 *   made while other tasks run: the watcher cannot tell which process made it, so it is a
 *   violation whose suspects are the other running tasks (the user answers `keep` when the owner
 *   did it).
 * - Any other change to the work tree, to git's hooks, config, info/ or refs (but the refs haco's
 *   own commits move), or to `.haco/` (but haco's own files) is a violation: one
 *   `ownership_violation` breakpoint per path.
 * Every running task suspected of a violation is held (its process group stopped) until each of
 * its violations is answered: `reject` reverts the change and fails the writer's attempt (it is
 * retried with the reason), `approve` grants the path to the writer (only a path no task owns),
 * `keep` keeps the content as the user's own. Held agents go on unless a change was reverted.
 */
export class ViolationGuard {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Pending>();
  /** Violations holding each task. */
  private readonly holds = new Map<string, Set<string>>();
  /** Why a writer's attempt fails, once a change of its was reverted. */
  private readonly reverted = new Map<string, string>();
  /** Commits haco made during this drive (refs moving to them are haco's own). */
  private readonly ownCommits = new Set<string>();
  private readonly answerWaiters = new Set<() => void>();
  private isClosed = false;

  constructor(
    private readonly ledger: OwnershipLedger,
    private readonly baseline: ContentBaseline,
    private readonly hooks: ViolationHooks,
  ) {}

  /** Feeds one watcher change; changes to one path are judged in order. */
  handle(change: FileChange): void {
    const previous = this.chains.get(change.path) ?? Promise.resolve();
    const next = previous
      .then(() => this.judge(change))
      .catch((error: unknown) => {
        if (!this.isClosed) this.hooks.failed(change, error);
      });
    this.chains.set(change.path, next);
  }

  /**
   * Stops judging (the drive is over; the watcher is closed): changes still being judged are
   * dropped at their next step, and the call resolves once none is left.
   */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all(this.chains.values());
  }

  /** Resolves once every write made before the call has been judged. */
  async settle(): Promise<void> {
    await delay(SETTLE_MS);
    await Promise.all(this.chains.values());
  }

  /**
   * Accepts a task's own paths as they are now (but those waiting on a violation). Called when
   * its agent (or its verification) ends, before its claims are released, so a watcher event that
   * arrives late for one of its files is not mistaken for a write to a path nobody owns.
   */
  async acceptOwned(patterns: readonly string[]): Promise<void> {
    const owned = ownershipMatcher(patterns);
    await this.baseline.acceptMatching((p) => owned(p) && !this.pending.has(p));
  }

  /** Records a commit haco made (the ref it moved is haco's own change). */
  ownCommit(sha: string | null): void {
    if (sha) this.ownCommits.add(sha);
  }

  /** Whether a violation that holds this task, or is about a path it owns, waits for an answer. */
  hasPendingFor(taskId: string): boolean {
    return [...this.pending.values()].some((p) => p.suspects.includes(taskId) || p.owner === taskId);
  }

  /**
   * How a task's attempt goes on once its agent ended: waits (dashboard) while a violation that
   * holds it or touches its paths is pending; headless, such a violation interrupts it.
   * @param stop fires when haco stops the task or the run (then `interrupted`)
   */
  async verdictFor(taskId: string, stop: AbortSignal): Promise<WriterVerdict> {
    while (this.hasPendingFor(taskId)) {
      if (!this.hooks.isInteractive() || stop.aborted) return { kind: 'interrupted' };
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.answerWaiters.delete(done);
          stop.removeEventListener('abort', done);
          resolve();
        };
        this.answerWaiters.add(done);
        stop.addEventListener('abort', done, { once: true });
      });
    }
    const reason = this.reverted.get(taskId);
    this.reverted.delete(taskId);
    return reason === undefined ? { kind: 'go' } : { kind: 'reverted', reason };
  }

  /**
   * Carries out an answer on the live side: forgets the path's pending violation, accepts the
   * content unless it was reverted, records a reverted writer's failure, and releases every
   * suspect no other violation holds.
   * @returns whether the writer's attempt is still live here (it then fails by itself)
   */
  async answered(path: string, answer: BreakpointAnswer, reason: string): Promise<boolean> {
    const p = this.pending.get(path);
    this.pending.delete(path);
    if (answer !== 'reject') await this.baseline.accept(path);
    if (!p) return false;
    const live = p.writer !== null && this.hooks.running().has(p.writer);
    if (answer === 'reject' && p.writer !== null && live && !this.reverted.has(p.writer))
      this.reverted.set(p.writer, reason);
    for (const suspect of p.suspects) {
      const holds = this.holds.get(suspect);
      holds?.delete(path);
      if (holds?.size !== 0) continue;
      this.holds.delete(suspect);
      this.hooks.release(suspect, this.reverted.has(suspect) ? 'stop' : 'continue');
    }
    for (const wake of [...this.answerWaiters]) wake();
    return live;
  }

  /** Records content restored by a rejection as the accepted baseline again. */
  restored(path: string, entry: BaselineEntry | null): void {
    this.baseline.set(path, entry);
  }

  private async judge(change: FileChange): Promise<void> {
    if (this.isClosed || this.pending.has(change.path)) return;
    const before = this.baseline.get(change.path);
    // fs.watch's own events: only a mode change of a file the baseline knows matters.
    if (change.kind === 'attrib') {
      if (before === null || before.kind !== 'file') return;
      const mode = this.baseline.modeNow(change.path);
      if (mode === undefined || mode === before.mode) return;
    }
    const owner = change.area === 'tree' ? this.ledger.ownerOf(change.path) : ({ kind: 'none' } as const);
    let suspects = [...this.hooks.running().keys()];
    if (owner.kind === 'running') {
      suspects = suspects.filter((t) => t !== owner.taskId);
      if (suspects.length === 0 || !(await this.isDeleteOrMode(change.path, before))) {
        await this.baseline.accept(change.path);
        if (!this.isClosed) this.hooks.owned(owner.taskId, change);
        return;
      }
    } else if (change.area === 'tree') {
      // An atomic write of an owned file goes through a sibling temp file (Claude Code writes
      // `<file>.tmp.<pid>.<ms>` and renames it): the temp file belongs to the file's owner.
      const target = atomicWriteTarget(change.path);
      if (target !== undefined && this.ledger.ownerOf(target).kind === 'running') return;
    }
    // Transient files (created and removed or renamed at once) leave nothing to judge.
    await delay(TRANSIENT_MS);
    const current = await this.baseline.current(change.path);
    if (sameEntry(current, before) || this.pending.has(change.path)) return;
    if (change.area === 'git' && isRefPath(change.path)) {
      await this.hooks.commitsSettled();
      const sha = current === null ? undefined : this.baseline.refValue(change.path);
      if (sha !== undefined && this.ownCommits.has(sha)) {
        this.baseline.set(change.path, current);
        return;
      }
    }
    if (this.isClosed) return;
    this.open(change, owner, suspects, before, current);
  }

  /**
   * Whether a path's change since the baseline is a delete or a mode change (with or without new
   * content: an event can arrive late, after another process's chmod; the owner's own rewrite with
   * a new mode is then asked about too).
   */
  private async isDeleteOrMode(path: string, before: BaselineEntry | null): Promise<boolean> {
    if (before === null) return false;
    await delay(TRANSIENT_MS); // a delete followed at once by a write is a rewrite
    const now = await this.baseline.current(path);
    return now === null || (now.kind === 'file' && before.kind === 'file' && now.mode !== before.mode);
  }

  private open(
    change: FileChange,
    owner: ReturnType<OwnershipLedger['ownerOf']>,
    suspects: readonly string[],
    before: BaselineEntry | null,
    current: BaselineEntry | null,
  ): void {
    const running = this.hooks.running();
    const writer = suspects.length === 1 ? (suspects[0] ?? null) : null;
    const ownerId = owner.kind === 'none' ? null : owner.taskId;
    // On a running task's path only a delete or a mode change is judged: its content is the
    // owner's, so a revert puts back the mode alone, over the owner's current content.
    const isOwnersContent = owner.kind === 'running' && current !== null;
    const what: ViolationDetails['change'] =
      current === null
        ? 'delete'
        : isOwnersContent || (before !== null && before.blob === current.blob && before.kind === current.kind)
          ? 'mode'
          : 'write';
    const restoreTo = isOwnersContent ? current : before;
    const who = writer ?? (suspects.length > 1 ? `one of ${suspects.join(', ')}` : 'an unknown writer');
    const whose =
      change.area === 'git'
        ? "git's own files: hooks, config and refs"
        : change.area === 'haco'
          ? "haco's own files"
          : ownerId
            ? `owned by ${ownerId}${owner.kind === 'running' ? ', running' : ''}`
            : 'not owned by any task';
    const verb = what === 'delete' ? 'deleted' : what === 'mode' ? 'changed the mode of' : 'wrote';
    const details: ViolationDetails = {
      path: change.path,
      before: restoreTo?.blob ?? null,
      ...(restoreTo ? { beforeKind: restoreTo.kind } : {}),
      ...(before?.mode === undefined ? {} : { beforeMode: before.mode }),
      writer,
      writerAttemptId: writer ? (running.get(writer) ?? null) : null,
      suspects,
      owner: ownerId,
      area: change.area,
      change: what,
    };
    // A path can be granted only to a known writer, and only when no task owns it.
    const canGrant = writer !== null && ownerId === null && change.area === 'tree';
    const answers: BreakpointAnswer[] = canGrant ? ['approve', 'reject', 'keep'] : ['reject', 'keep'];
    const bp = this.hooks.open(writer, `${who} ${verb} ${change.path} (${whose})`, details, answers);
    this.pending.set(change.path, { bp, writer, suspects, owner: ownerId });
    for (const suspect of suspects) {
      const holds = this.holds.get(suspect) ?? new Set<string>();
      const isNew = holds.size === 0;
      holds.add(change.path);
      this.holds.set(suspect, holds);
      if (isNew) this.hooks.hold(suspect);
    }
  }
}

/** What each answer does, for messages and `haco status`: `reject: revert · keep: keep as yours`. */
export function describeViolationAnswers(bp: Pick<BreakpointRow, 'answers' | 'details'>): string {
  const d = bp.details as Partial<ViolationDetails> | null;
  const meaning: Record<BreakpointAnswer, string> = {
    approve: `grant it to ${d?.writer ?? 'the task'}`,
    reject: 'revert it',
    keep: 'keep it as yours',
  };
  return bp.answers.map((a) => `${a}: ${meaning[a]}`).join(' · ');
}

/**
 * Carries out an answer to an `ownership_violation` breakpoint. Reject: restore the path's
 * previous content byte for byte, with its mode (delete it if it was new; a planted hook goes),
 * and fail the writer's attempt. Approve: grant the path to the writer (offered only when no task
 * owns it). Keep: the content stays as the user's own. Held agents go on unless reverted. Works
 * without a live run (`haco reject` after a headless pause): everything is in `details`.
 * @throws ExecaError when the previous blob is gone from the object store
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
  const verb = d.change === 'delete' ? 'deleted' : d.change === 'mode' ? 'changed the mode of' : 'wrote';
  const reason = `${verb} ${d.path} outside the task's files; haco reverted it. Change only the files you own.`;
  if (answer === 'reject') {
    const entry: BaselineEntry | null =
      d.before === null
        ? null
        : {
            blob: d.before,
            kind: d.beforeKind ?? 'file',
            ...(d.beforeMode === undefined ? {} : { mode: d.beforeMode }),
          };
    await restoreBlob(repoRoot, d.path, entry);
    guard?.restored(d.path, entry);
    const live = (await guard?.answered(d.path, answer, reason)) ?? false;
    if (!live && d.writerAttemptId !== null)
      db.updateAttempt(d.writerAttemptId, { status: 'failed', error: reason });
    return;
  }
  if (answer === 'approve' && d.writer && d.owner === null)
    db.claims.claim(runId, d.writer, [d.path], now, true);
  await guard?.answered(d.path, answer, reason);
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
  hooks: Omit<ViolationHooks, 'open' | 'owned' | 'failed'>,
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
  const baseline = await ContentBaseline.capture(repoRoot, watcher.guarded);
  const guard = new ViolationGuard(ledger, baseline, {
    ...hooks,
    open: (taskId, message, details, answers) =>
      rec.openBreakpoint(runId, taskId, 'ownership_violation', message, details, answers).id,
    owned: (taskId, change) => rec.events.emit('task:files-changed', { runId, taskId, path: change.path }),
    failed: (change, error) =>
      rec.log(runId, null, `could not judge a change to ${change.path}: ${(error as Error).message}`),
  });
  ref.guard = guard;
  return { watcher, ledger, guard };
}

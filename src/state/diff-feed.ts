import type { DiffTarget } from './selectors.js';
import type { DiffView } from './store.js';

/**
 * Reads one task's diff against its checkpoint: the changed files with counts, and the hunks of
 * `target.path` (or of the first changed file when that is not among them). See `task-diff.ts`.
 */
export type DiffLoader = (target: DiffTarget) => Promise<DiffView>;

/** Timing of {@link DiffFeed}, ms. */
export interface DiffFeedTiming {
  /** Quiet time after the last change before the diff is read again (default 200). */
  readonly debounceMs?: number;
  /** Longest a change waits while changes keep coming, so the pane moves while an agent writes (default 1000). */
  readonly maxWaitMs?: number;
}

/**
 * Decides when the bridge reads a diff: only for the task the diff pane shows, at most one read
 * in flight, a burst of changes debounced into one read. Core events call {@link changed}; the
 * bridge's frame calls {@link frame}, which hands over a finished read (for that frame's single
 * store update) and starts the next one when it is due. Nothing here touches the store.
 */
export class DiffFeed {
  /** Per task: when its first and last unread change happened, epoch ms. */
  private readonly dirty = new Map<string, { first: number; last: number }>();
  /** The last read started: its task and the file asked for. */
  private requested: DiffTarget | undefined;
  private isReading = false;
  private ready: DiffView | undefined;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly load: DiffLoader,
    timing: DiffFeedTiming = {},
  ) {
    this.debounceMs = timing.debounceMs ?? 200;
    this.maxWaitMs = timing.maxWaitMs ?? 1000;
  }

  /** A task's files (or its status) changed at `at` (epoch ms): its diff is stale. */
  changed(taskId: string, at: number): void {
    const seen = this.dirty.get(taskId);
    this.dirty.set(taskId, { first: seen?.first ?? at, last: at });
  }

  /**
   * One frame: returns a read that finished since the last frame, if any, and starts a read of
   * `target` when none is in flight and it is new (another task or file: at once) or stale (once
   * changes paused for `debounceMs`, or the oldest waited `maxWaitMs`).
   * @param target what the diff pane shows; undefined when it is hidden (nothing is read)
   * @param now epoch ms
   */
  frame(target: DiffTarget | undefined, now: number): DiffView | undefined {
    const done = this.ready;
    this.ready = undefined;
    if (target && !this.isReading && this.isDue(target, now)) this.start(target);
    return done;
  }

  private isDue(target: DiffTarget, now: number): boolean {
    const last = this.requested;
    if (!last || last.taskId !== target.taskId || last.path !== target.path) return true;
    const dirty = this.dirty.get(target.taskId);
    return (
      dirty !== undefined && (now - dirty.last >= this.debounceMs || now - dirty.first >= this.maxWaitMs)
    );
  }

  private start(target: DiffTarget): void {
    this.isReading = true;
    this.requested = target;
    this.dirty.delete(target.taskId);
    // A failed read becomes a diff that says why (its first line); the pane shows it.
    void Promise.resolve()
      .then(() => this.load(target))
      .catch((error: unknown): DiffView => ({
        taskId: target.taskId,
        files: [],
        selectedPath: undefined,
        hunks: [],
        hiddenLines: 0,
        isBinary: false,
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '',
      }))
      .then((view) => {
        this.ready = view;
        this.isReading = false;
      });
  }
}

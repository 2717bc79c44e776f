import { findMarked, type MarkerMatch } from '../sessions/sweep.js';

/** The part of a worker session a hold needs. */
export interface HoldableSession {
  /**
   * The agent's pid, which is also its process group id (a pty child leads its session);
   * undefined for a worker without a process (nothing to hold: it is stopped instead).
   */
  readonly pid: number | undefined;
  readonly isExited: boolean;
}

/** One held agent: the processes stopped, and since when (epoch ms). */
interface Held {
  readonly pgid: number;
  /** Processes outside the group (setsid children) found by the attempt's marker. */
  readonly strays: readonly number[];
  readonly since: number;
}

/** Sends a signal, ignoring a process (group) that is already gone. */
function send(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: gone already
  }
}

/**
 * Holds the agents suspected of an ownership violation: SIGSTOP to the agent's process group and
 * to every process carrying its attempt's marker (setsid children), so nothing more is written
 * while the user decides; SIGCONT lets it go on. A stopped agent is never left behind: ending it
 * sends SIGTERM then SIGCONT (a stopped process acts on SIGTERM only once continued) and stops
 * the task's session. Listeners hear each hold and release (the attempt's timeout stands still
 * while its agent is held).
 */
export class WriterHolds {
  private readonly held = new Map<string, Held>();
  private readonly listeners = new Map<string, Set<(isHeld: boolean) => void>>();

  constructor(
    private readonly sessionOf: (taskId: string) => HoldableSession | undefined,
    /** Which process markers are the task's current attempt's. */
    private readonly markerOf: (taskId: string) => MarkerMatch | undefined,
    /** Stops the task's current attempt (its session is killed; the attempt ends `interrupted`). */
    private readonly stopTask: (taskId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stops a task's agent where it is. `interactive` false (headless: no one answers while the run
   * goes on): the agent is then ended at once, and the task reruns after the answer.
   */
  hold(taskId: string, interactive: boolean): void {
    const session = this.sessionOf(taskId);
    if (!session || session.pid === undefined || session.isExited || this.held.has(taskId)) {
      if (!interactive) this.stopTask(taskId);
      return;
    }
    const marker = this.markerOf(taskId);
    const strays = marker === undefined ? [] : findMarked(marker);
    send(-session.pid, 'SIGSTOP');
    for (const pid of strays) send(pid, 'SIGSTOP');
    this.held.set(taskId, { pgid: session.pid, strays, since: this.now() });
    if (!interactive) return this.release(taskId, 'stop');
    this.notify(taskId, true);
  }

  /** Continues a held agent (`continue`), or ends it (`stop`). A task not held is only stopped. */
  release(taskId: string, how: 'continue' | 'stop'): void {
    const held = this.held.get(taskId);
    this.held.delete(taskId);
    if (held) {
      const targets = [-held.pgid, ...held.strays];
      if (how === 'stop') for (const t of targets) send(t, 'SIGTERM');
      for (const t of targets) send(t, 'SIGCONT');
      this.notify(taskId, false);
    }
    if (how === 'stop') this.stopTask(taskId);
  }

  /** Whether a task's agent is held now. */
  isHeld(taskId: string): boolean {
    return this.held.has(taskId);
  }

  /**
   * Calls `listener(true)` when the task's agent is held and `listener(false)` when it goes on.
   * @returns unsubscribe
   */
  onChange(taskId: string, listener: (isHeld: boolean) => void): () => void {
    const set = this.listeners.get(taskId) ?? new Set();
    set.add(listener);
    this.listeners.set(taskId, set);
    return () => set.delete(listener);
  }

  private notify(taskId: string, isHeld: boolean): void {
    for (const listener of this.listeners.get(taskId) ?? []) listener(isHeld);
  }
}

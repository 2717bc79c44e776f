import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { StateDb } from '../../src/db/state-db.js';
import { UsageError } from '../../src/lib/errors.js';
import { TypedEmitter } from '../../src/lib/typed-emitter.js';
import type { CoreEvents } from '../../src/orchestrator/events.js';
import type { Plan, TaskSpec } from '../../src/plan/schema.js';
import type { ScreenSnapshot } from '../../src/sessions/pty-session.js';
import { connectBridge, type BridgeCore } from '../../src/state/bridge.js';
import type { DiffLoader } from '../../src/state/diff-feed.js';
import { selectWorkerLayout } from '../../src/state/selectors.js';
import { createDashboardStore, type DiffView } from '../../src/state/store.js';

/** Stands in for a PtySession's screen: output marks it dirty, like the real one. */
class FakeScreen {
  cols = 100;
  rows = 30;
  snapshots = 0;
  private last = '';
  private seq = 0;
  private dirty = true;

  print(line: string): void {
    this.last = line;
    this.seq += 1;
    this.dirty = true;
  }
  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    [this.cols, this.rows, this.dirty] = [cols, rows, true];
  }
  takeSnapshot(): ScreenSnapshot | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    this.snapshots += 1;
    const lines = Array.from({ length: this.rows }, (_, i) => (i === 0 ? this.last : '').padEnd(this.cols));
    return { lines, cols: this.cols, rows: this.rows, seq: this.seq };
  }
}

const spec = (id: string): TaskSpec => ({
  id,
  title: id,
  agent: 'fake',
  files: [`${id}.txt`],
  dependsOn: [],
  prompt: id,
  acceptance: [],
  verify: [],
  timeoutMs: 60_000,
  retries: 0,
});

describe('bridge', () => {
  let dir: string;
  let db: StateDb;
  let clock: number;
  const runId = 'r1';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'haco-bridge-'));
    db = new StateDb(join(dir, 'state.db'));
    clock = 1_800_000_000_000;
    const plan: Plan = { version: 1, goal: 'three workers', tasks: ['a', 'b', 'c'].map(spec) };
    const { config } = loadConfig({ home: dir });
    db.createRun({
      id: runId,
      plan,
      planFile: null,
      config,
      status: 'running',
      baseHead: null,
      concurrency: 4,
      now: clock,
    });
    for (const id of ['a', 'b', 'c']) db.setTaskStatus(runId, id, 'running', clock);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(() => {
    vi.useRealTimers();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function setup({
    answer = () => undefined,
    loadDiff,
  }: { answer?: BridgeCore['answer']; loadDiff?: DiffLoader } = {}) {
    const events = new TypedEmitter<CoreEvents>();
    const screens = { a: new FakeScreen(), b: new FakeScreen(), c: new FakeScreen() };
    const sessions = new Map(Object.entries(screens).map(([id, session]) => [id, { attempt: 1, session }]));
    const interrupt = vi.fn();
    const core: BridgeCore = { events, sessions, db, answer, interrupt };
    const store = createDashboardStore();
    store.getState().resizeScreen(160, 45);
    const onQuit = vi.fn();
    const bridge = connectBridge({
      core,
      runId,
      store,
      fps: 30,
      now: () => clock,
      onQuit,
      ...(loadDiff ? { loadDiff } : {}),
    });
    let updates = 0;
    store.subscribe(() => (updates += 1));
    return { events, screens, store, bridge, interrupt, onQuit, updates: () => updates };
  }

  it('applies a burst of session output and core events as one store update per frame', () => {
    const { events, screens, store, bridge, updates } = setup();
    vi.advanceTimersByTime(34);
    expect(updates()).toBe(1); // first frame: run, tasks and three screens together
    for (let i = 0; i < 200; i++) for (const screen of Object.values(screens)) screen.print(`line ${i}`);
    db.setTaskStatus(runId, 'c', 'verifying', clock);
    for (let i = 0; i < 50; i++)
      events.emit('task:status-changed', { runId, taskId: 'c', status: 'verifying' });
    expect(updates()).toBe(1); // nothing reaches the store between frames
    vi.advanceTimersByTime(34);
    expect(updates()).toBe(2);
    const state = store.getState();
    for (const id of ['a', 'b', 'c']) expect(state.panes[id]?.lines[0]).toContain('line 199');
    expect(state.tasks.find((t) => t.id === 'c')?.status).toBe('verifying');
    expect(screens.a.snapshots).toBe(2);
    bridge.dispose();
  });

  it('never updates the store more than 30 times a second under a flood', () => {
    const { screens, bridge, updates } = setup();
    let printed = 0;
    const flood = setInterval(() => {
      for (const screen of Object.values(screens)) screen.print(`flood ${(printed += 1)}`);
    }, 1);
    const before = updates();
    vi.advanceTimersByTime(2000);
    clearInterval(flood);
    expect(printed).toBeGreaterThan(5000);
    expect(updates() - before).toBeLessThanOrEqual(60);
    expect(updates() - before).toBeGreaterThanOrEqual(55);
    bridge.dispose();
  });

  it('stays quiet when nothing changes, but for the seconds clock', () => {
    const { bridge, updates } = setup();
    vi.advanceTimersByTime(34);
    const before = updates();
    vi.advanceTimersByTime(990);
    clock += 1000;
    vi.advanceTimersByTime(34);
    // one clock step plus the spinner (7.5 steps a second while agents run)
    expect(updates() - before).toBeLessThanOrEqual(9);
    bridge.dispose();
  });

  it('sizes each visible session to its pane', () => {
    const { screens, store, bridge } = setup();
    vi.advanceTimersByTime(34);
    const cells = selectWorkerLayout(store.getState()).cells;
    expect(cells.map((c) => c.taskId)).toEqual(['a', 'b', 'c']);
    for (const cell of cells) {
      const screen = screens[cell.taskId as keyof typeof screens];
      expect([screen.cols, screen.rows]).toEqual([cell.innerCols, cell.innerRows]);
      expect(store.getState().panes[cell.taskId]?.lines[0]).toHaveLength(cell.innerCols);
    }
    bridge.dispose();
  });

  it('sends answers to the core and shows a refused one as a notice', () => {
    const answer = vi.fn<BridgeCore['answer']>(() => {
      throw new UsageError('run r1 has no pending breakpoint 9');
    });
    const { store, bridge } = setup({ answer });
    bridge.dispatch({ type: 'breakpoint/answer', id: 9, answer: 'approve' });
    expect(answer).toHaveBeenCalledWith(runId, 9, 'approve', 'tui');
    expect(store.getState().ui.notice).toBe('run r1 has no pending breakpoint 9');
    bridge.dispose();
  });

  it('quits: interrupts the core and says whether agents were running', () => {
    const { store, bridge, interrupt, onQuit } = setup();
    bridge.dispatch({ type: 'app/quit' });
    expect(interrupt).toHaveBeenCalledOnce();
    expect(onQuit).toHaveBeenCalledWith({ agentsWereRunning: true });
    expect(store.getState().ui.isQuitting).toBe(true);
    bridge.dispose();
  });

  describe('diffs', () => {
    /** A diff loader whose reads the test finishes by hand; `reads` lists what was asked. */
    function manualLoader() {
      const reads: Array<{ taskId: string; path: string | undefined; finish: () => void }> = [];
      const loadDiff: DiffLoader = (target) =>
        new Promise<DiffView>((resolve) => {
          const view: DiffView = {
            taskId: target.taskId,
            files: [{ path: `${target.taskId}.txt`, added: reads.length + 1, removed: 0 }],
            selectedPath: `${target.taskId}.txt`,
            hunks: [],
            hiddenLines: 0,
            isBinary: false,
            error: null,
          };
          reads.push({ ...target, finish: () => resolve(view) });
        });
      return { reads, loadDiff };
    }

    /** Runs `n` frames, moving the bridge's clock along with its timer. */
    async function frames(n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        clock += 34;
        await vi.advanceTimersByTimeAsync(34);
      }
    }

    it('reads the shown task once per burst of task:files-changed, one read at a time', async () => {
      const { reads, loadDiff } = manualLoader();
      const { events, store, bridge, updates } = setup({ loadDiff });
      await frames(1);
      expect(reads.map((r) => r.taskId)).toEqual(['a']); // no focus: the first running task

      // A burst while the first read is in flight: no second read starts meanwhile.
      for (let i = 0; i < 40; i++) {
        events.emit('task:files-changed', { runId, taskId: 'a', path: 'a.txt' });
        if (i % 4 === 0) await frames(1);
      }
      expect(reads).toHaveLength(1);
      const before = updates();
      reads[0]?.finish();
      await frames(1);
      expect(store.getState().diff?.files[0]?.added).toBe(1);
      expect(updates() - before).toBe(1); // the result rode in that frame's single update

      // The burst is read once, after 200 ms without changes; then nothing more.
      await frames(3);
      expect(reads).toHaveLength(1);
      await frames(6);
      expect(reads).toHaveLength(2);
      reads[1]?.finish();
      await frames(60);
      expect(reads).toHaveLength(2);
      expect(store.getState().diff?.files[0]?.added).toBe(2);

      // Another task's writes are not read while its diff is not shown…
      for (let i = 0; i < 10; i++) events.emit('task:files-changed', { runId, taskId: 'b', path: 'b.txt' });
      await frames(30);
      expect(reads).toHaveLength(2);
      // …until it is focused: then at once.
      store.getState().focusTask('b');
      await frames(1);
      expect(reads.map((r) => r.taskId)).toEqual(['a', 'a', 'b']);
      bridge.dispose();
    });

    it('keeps up with an agent that never pauses: a read at least once a second', async () => {
      const { reads, loadDiff } = manualLoader();
      const { events, bridge } = setup({ loadDiff });
      await frames(1);
      reads[0]?.finish();
      for (let i = 0; i < 90; i++) {
        events.emit('task:files-changed', { runId, taskId: 'a', path: 'a.txt' });
        await frames(1);
        reads.at(-1)?.finish();
      }
      // 90 frames ≈ 3 s of changes every 34 ms (never 200 ms quiet): about one read a second.
      expect(reads.length).toBeGreaterThanOrEqual(3);
      expect(reads.length).toBeLessThanOrEqual(5);
      bridge.dispose();
    });

    it('reads nothing while the diff pane is hidden, and catches up when it is shown', async () => {
      const { reads, loadDiff } = manualLoader();
      const { events, store, bridge } = setup({ loadDiff });
      store.getState().toggleDiff();
      events.emit('task:files-changed', { runId, taskId: 'a', path: 'a.txt' });
      await frames(30);
      expect(reads).toHaveLength(0);
      store.getState().toggleDiff();
      await frames(1);
      expect(reads).toHaveLength(1);
      bridge.dispose();
    });

    it('shows a failed read as the reason, in the pane', async () => {
      const loadDiff: DiffLoader = () => Promise.reject(new Error('git cat-file failed\nmore detail'));
      const { store, bridge } = setup({ loadDiff });
      await frames(2);
      expect(store.getState().diff).toMatchObject({ taskId: 'a', error: 'git cat-file failed', files: [] });
      bridge.dispose();
    });
  });
});

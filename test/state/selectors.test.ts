import { describe, expect, it } from 'vitest';

import { diffPaneView } from '../../src/state/diff-lines.js';
import { chooseWorkers, diffTaskId, gridCells, screenLayout } from '../../src/state/layout.js';
import {
  endMessage,
  selectPlanRows,
  selectStatusLine,
  selectWorkerLayout,
} from '../../src/state/selectors.js';
import { createDashboardStore } from '../../src/state/store.js';
import { NOW, sampleData, sampleDiff, task } from '../components/fixtures.js';

describe('layout', () => {
  it('leaves one terminal row free and two lines for the bars', () => {
    const screen = screenLayout(120, 40);
    expect(screen.rootHeight).toBe(39);
    expect(screen.bodyHeight).toBe(37);
    expect(screen.planWidth + screen.workersWidth).toBe(120);
    expect(screen.maxPanes).toBe(4);
  });

  it('shows running workers first, then the most recent, the focused one always, in plan order', () => {
    const tasks = [
      task('old', { status: 'done', startedAt: 1, endedAt: 10 }),
      task('new', { status: 'done', startedAt: 1, endedAt: 20 }),
      task('run1', { status: 'running', startedAt: 5 }),
      task('run2', { status: 'verifying', startedAt: 6 }),
      task('later'),
    ];
    expect(chooseWorkers(tasks, undefined, 3)).toEqual(['new', 'run1', 'run2']);
    expect(chooseWorkers(tasks, 'old', 3)).toEqual(['old', 'run1', 'run2']);
    expect(chooseWorkers(tasks, undefined, 0)).toEqual([]);
  });

  it('fills the workers region exactly', () => {
    const screen = screenLayout(160, 45);
    const cells = gridCells(['a', 'b', 'c'], screen);
    expect(cells.map((c) => c.column)).toEqual([0, 0, 1]);
    expect(cells.filter((c) => c.column === 0).reduce((h, c) => h + c.height, 0)).toBe(screen.bodyHeight);
    expect((cells[0]?.width ?? 0) + (cells[2]?.width ?? 0)).toBe(screen.workersWidth);
    expect(cells[2]?.height).toBe(screen.bodyHeight);
  });
});

describe('selectors', () => {
  it('return the same rows and layout until their inputs change', () => {
    const store = createDashboardStore(sampleData());
    const rows = selectPlanRows(store.getState());
    const layout = selectWorkerLayout(store.getState());
    store.getState().applyFrame({ clock: NOW + 1000 });
    expect(selectPlanRows(store.getState())).toBe(rows);
    expect(selectWorkerLayout(store.getState())).toBe(layout);
    store.getState().focusTask('schema');
    expect(selectPlanRows(store.getState())).not.toBe(rows);
  });

  it('keeps unchanged tasks as the same objects across frames', () => {
    const store = createDashboardStore(sampleData());
    const before = store.getState().tasks;
    store.getState().applyFrame({ tasks: before.map((t) => ({ ...t })) });
    expect(store.getState().tasks).toBe(before);
    store.getState().applyFrame({
      tasks: before.map((t) => (t.id === 'db' ? { ...t, status: 'done' as const } : { ...t })),
    });
    expect(store.getState().tasks).not.toBe(before);
    expect(store.getState().tasks[0]).toBe(before[0]);
  });

  it('word the end of a run plainly', () => {
    expect(endMessage('completed')).toBe('run completed');
    expect(endMessage('failed')).toBe('run failed');
    expect(endMessage('rolled_back')).toBe('run rolled back');
    expect(endMessage('awaiting_approval')).toBe('run paused at a breakpoint');
    expect(endMessage('paused', true)).toContain('run interrupted');
    const store = createDashboardStore(sampleData());
    store.getState().finish({ status: 'failed', message: 'run failed' });
    expect(selectStatusLine(store.getState())).toMatchObject({
      head: 'run failed',
      tone: 'failed',
      hints: 'd diff · q quit',
    });
  });
});

describe('diff pane', () => {
  it('takes about 40 % of the body under the workers, only when there is room', () => {
    const screen = screenLayout(160, 45, true);
    expect(screen.workersHeight + screen.diffHeight).toBe(screen.bodyHeight);
    expect(screen.diffHeight).toBe(17);
    expect(screen.maxPanes).toBe(4);
    expect(
      gridCells(['a', 'b', 'c'], screen)
        .filter((c) => c.column === 0)
        .reduce((h, c) => h + c.height, 0),
    ).toBe(screen.workersHeight);
    expect(screenLayout(160, 45, false).diffHeight).toBe(0);
    expect(screenLayout(100, 15, true).diffHeight).toBe(0); // a 12-row body keeps it all for workers
  });

  it('follows the focused task, else the first running one, else the one that ended last', () => {
    const tasks = [
      task('old', { status: 'done', startedAt: 1, endedAt: 10 }),
      task('new', { status: 'failed', startedAt: 1, endedAt: 20 }),
      task('run', { status: 'running', startedAt: 5 }),
      task('later'),
    ];
    expect(diffTaskId(tasks, 'old')).toBe('old');
    expect(diffTaskId(tasks, undefined)).toBe('run');
    expect(diffTaskId(tasks.slice(0, 2), undefined)).toBe('new');
    expect(diffTaskId([task('later')], undefined)).toBeUndefined();
  });

  it('shows a window of many files around the selected one, and counts the lines that do not fit', () => {
    const files = Array.from({ length: 20 }, (_, i) => ({
      path: `f${String(i).padStart(2, '0')}.ts`,
      added: i,
      removed: 0,
    }));
    const view = diffPaneView({
      taskId: 'api-auth',
      diff: { ...sampleDiff(), files, selectedPath: 'f10.ts', hiddenLines: 390 },
      wantedPath: undefined,
      width: 40,
      height: 14,
    });
    const text = view.lines.map((l) => l.map((s) => s.text).join(''));
    expect(view.title).toBe('Diff · api-auth · f10.ts +10 −0 · file 11 of 20');
    expect(text).toHaveLength(12);
    expect(text.slice(0, 4).map((l) => l.trim())).toEqual([
      'f08.ts   +8 −0',
      'f09.ts   +9 −0',
      '▸ f10.ts  +10 −0',
      'f11.ts  +11 −0',
    ]);
    expect(text.at(-1)?.trim()).toBe('… 391 more lines');
    for (const line of text) expect(line).toHaveLength(38);
  });
});

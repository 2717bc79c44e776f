import { describe, expect, it } from 'vitest';

import { WorkerGrid } from '../../components/WorkerGrid.js';
import { WorkerPane } from '../../components/WorkerPane.js';
import type { WorkerCell } from '../../src/state/layout.js';
import { createDashboardStore, type PaneView } from '../../src/state/store.js';
import { NOW, plain, renderWith, sampleData, task, until } from './fixtures.js';

const cell: WorkerCell = { taskId: 'api-auth', column: 0, width: 40, height: 6, innerCols: 38, innerRows: 4 };

/** A pane as the bridge stores it: every line exactly `cols` wide, with SGR colour. */
function pane(lines: string[], cols = 38): PaneView {
  return {
    lines: lines.map((l) => `\x1b[0;32m${l.padEnd(cols)}\x1b[0m`),
    cols,
    rows: lines.length,
    seq: 1,
    attempt: 1,
  };
}

describe('WorkerPane', () => {
  it('titles the pane "n id · agent · elapsed" and shows the screen lines', () => {
    const store = createDashboardStore({
      ...sampleData(),
      panes: { 'api-auth': pane(['working api-auth 1', 'working api-auth 2', '', '']) },
    });
    const frame = plain(renderWith(<WorkerPane cell={cell} />, store).lastFrame());
    expect(frame).toContain('2 api-auth · claude · 1m12s');
    expect(frame).toContain('│working api-auth 1                    │');
    expect(frame).toContain('working api-auth 2');
    expect(frame.split('\n')).toHaveLength(6);
  });

  it('shows the outcome once the task ended, and the attempt number on retries', () => {
    const store = createDashboardStore({
      ...sampleData(),
      tasks: [
        task('api-auth', { status: 'failed', attempts: 2, startedAt: NOW - 30_000, endedAt: NOW - 5_000 }),
      ],
    });
    const frame = plain(
      renderWith(<WorkerPane cell={{ ...cell, width: 60, innerCols: 58 }} />, store).lastFrame(),
    );
    expect(frame).toContain('1 api-auth · fake · 25s · attempt 2 · failed');
  });

  it('updates when the bridge applies a new screen', async () => {
    const { lastFrame, store } = renderWith(<WorkerPane cell={cell} />);
    store.getState().applyFrame({ panes: { 'api-auth': pane(['step 3 of 3', '', '', '']) } });
    await until(() => lastFrame()?.includes('step 3 of 3') ?? false);
  });

  it('cuts lines of a wider screen while its resize is in flight', () => {
    const store = createDashboardStore({
      ...sampleData(),
      panes: { 'api-auth': pane(['x'.repeat(60)], 60) },
    });
    const frame = plain(renderWith(<WorkerPane cell={cell} />, store).lastFrame());
    expect(frame.split('\n')).toHaveLength(6);
    for (const line of frame.split('\n')) expect(line.length).toBe(40);
  });
});

describe('WorkerGrid', () => {
  it('puts each running worker in its own pane', () => {
    const frame = renderWith(<WorkerGrid />).lastFrame() ?? '';
    expect(frame).toContain('2 api-auth · claude');
    expect(frame).toContain('3 db · codex · 48s');
  });

  it('says what it waits for before any worker started', () => {
    const store = createDashboardStore({
      ...sampleData(),
      tasks: [task('a'), task('b')],
      breakpoints: [
        {
          id: 1,
          taskId: null,
          kind: 'plan_approval',
          message: 'approve the plan',
          answers: ['approve', 'reject'],
        },
      ],
    });
    expect(renderWith(<WorkerGrid />, store).lastFrame()).toContain('approve the plan (a) to start');
  });
});

import { describe, expect, it } from 'vitest';

import { StatusLine } from '../../components/StatusLine.js';
import { createDashboardStore } from '../../src/state/store.js';
import { renderWith, sampleData, until } from './fixtures.js';

describe('StatusLine', () => {
  it('shows run id, state, progress, cost, elapsed time and key hints', () => {
    const frame = renderWith(<StatusLine width={100} />).lastFrame() ?? '';
    expect(frame).toContain('run 7f3a5b2c · running · 1/4 done · $0.42 · 1m05s');
    expect(frame).toMatch(/q quit$/);
  });

  it("shows the run's tokens beside its cost once attempts reported them", () => {
    const base = sampleData();
    const store = createDashboardStore({
      ...base,
      ...(base.run ? { run: { ...base.run, inputTokens: 12_345, outputTokens: 1_100 } } : {}),
    });
    expect(renderWith(<StatusLine width={120} />, store).lastFrame()).toContain(
      '1/4 done · $0.42 · 12.3k/1.1k tok · 1m05s',
    );
  });

  it('counts decisions waiting on the user', () => {
    const store = createDashboardStore({
      ...sampleData(),
      breakpoints: [
        { id: 1, taskId: null, kind: 'plan_approval', message: 'approve', answers: ['approve', 'reject'] },
      ],
    });
    expect(renderWith(<StatusLine width={100} />, store).lastFrame()).toContain(
      '1 waiting on you · 1/4 done',
    );
  });

  it('says plainly how the run ended', async () => {
    const { lastFrame, store } = renderWith(<StatusLine width={100} />);
    store.getState().finish({ status: 'completed', message: 'run completed' });
    await until(() => lastFrame()?.includes('run completed · 7f3a5b2c · 1/4 done') ?? false);
    store.getState().finish({ status: 'failed', message: 'run failed' });
    await until(() => lastFrame()?.includes('run failed · 7f3a5b2c') ?? false);
  });

  it('stays on one line in a narrow terminal', () => {
    const frame = renderWith(<StatusLine width={40} />).lastFrame() ?? '';
    expect(frame.split('\n')).toHaveLength(1);
    expect(frame).toContain('run 7f3a5b2c');
  });
});

import { describe, expect, it } from 'vitest';

import { BreakpointBar } from '../../components/BreakpointBar.js';
import { createDashboardStore, type BreakpointView } from '../../src/state/store.js';
import { renderWith, sampleData, until } from './fixtures.js';

const plan: BreakpointView = {
  id: 1,
  taskId: null,
  kind: 'plan_approval',
  message: 'approve the plan "add auth": 4 task(s)',
  answers: ['approve', 'reject'],
};
const verify: BreakpointView = {
  id: 2,
  taskId: 'db',
  kind: 'verify_failed',
  message: 'db: verification failed (npm test)',
  answers: ['approve', 'reject'],
};

describe('BreakpointBar', () => {
  it('shows the pending decision and its keys on one line', () => {
    const store = createDashboardStore({ ...sampleData(), breakpoints: [plan] });
    const frame = renderWith(<BreakpointBar width={100} />, store).lastFrame() ?? '';
    expect(frame).toContain('▌BREAKPOINT 1 of 1 · approve the plan "add auth": 4 task(s)');
    expect(frame).toMatch(/a approve · r reject$/);
    expect(frame.split('\n')).toHaveLength(1);
  });

  it('counts the queue and moves the selection with [ ]', async () => {
    const store = createDashboardStore({ ...sampleData(), breakpoints: [plan, verify] });
    const { lastFrame } = renderWith(<BreakpointBar width={100} />, store);
    expect(lastFrame()).toContain('BREAKPOINT 1 of 2 · approve the plan');
    expect(lastFrame()).toContain('[ ] select');
    store.getState().selectBreakpoint(1);
    await until(() => lastFrame()?.includes('BREAKPOINT 2 of 2 · db: verification failed') ?? false);
  });

  it('cuts a long message so the keys stay visible', () => {
    const store = createDashboardStore({
      ...sampleData(),
      breakpoints: [{ ...plan, message: 'x'.repeat(200) }],
    });
    const frame = renderWith(<BreakpointBar width={60} />, store).lastFrame() ?? '';
    expect(frame).toContain('x…');
    expect(frame).toContain('a approve · r reject');
    expect(frame.split('\n')).toHaveLength(1);
  });

  it('renders nothing when no decision waits', () => {
    expect(renderWith(<BreakpointBar width={80} />).lastFrame()).toBe('');
  });
});

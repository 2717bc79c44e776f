import { describe, expect, it } from 'vitest';

import { selectStatusLine } from '../../src/state/selectors.js';
import { createDashboardStore } from '../../src/state/store.js';
import { sampleData } from '../components/fixtures.js';

describe('the status line and the budget', () => {
  const withRun = (extra: { spendUsd?: number; budgetUsd?: number | null }): string => {
    const data = sampleData();
    if (!data.run) throw new Error('the sample has a run');
    return selectStatusLine(createDashboardStore({ ...data, run: { ...data.run, ...extra } }).getState())
      .details;
  };

  it('shows spend against the run budget', () => {
    expect(withRun({ spendUsd: 0.42, budgetUsd: 1 })).toContain('· $0.42 / $1.00 ·');
    // Supervisor calls count: the spend, not the attempts' cost alone.
    expect(withRun({ spendUsd: 1.5, budgetUsd: 1 })).toContain('· $1.50 / $1.00 ·');
  });

  it('shows the spend alone without a budget', () => {
    expect(withRun({ spendUsd: 0.42, budgetUsd: null })).toContain('· $0.42 ·');
    expect(withRun({})).toContain('· $0.42 ·');
    expect(withRun({})).not.toContain(' / $');
  });
});

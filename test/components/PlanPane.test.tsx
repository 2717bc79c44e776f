import { describe, expect, it } from 'vitest';

import { PlanPane } from '../../components/PlanPane.js';
import { createDashboardStore } from '../../src/state/store.js';
import { renderWith, sampleData, task, until } from './fixtures.js';

describe('PlanPane', () => {
  it('lists every task with its plan number, id, agent and dependencies', () => {
    const { lastFrame } = renderWith(<PlanPane width={32} height={10} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('Plan · add auth');
    expect(frame).toContain('✔ 1 schema');
    expect(frame).toMatch(/2 api-auth +claude/);
    expect(frame).toMatch(/3 db +codex/);
    expect(frame).toContain('◌ 4 ui');
    expect(frame).toContain('after api-auth, db');
  });

  it('spins for running tasks, stepping with the store tick', async () => {
    const { lastFrame, store } = renderWith(<PlanPane width={32} height={10} />);
    expect(lastFrame()).toContain('⠋ 2 api-auth');
    store.getState().applyFrame({ tick: 3 });
    await until(() => lastFrame()?.includes('⠸ 2 api-auth') ?? false);
    expect(lastFrame()).toContain('✔ 1 schema');
  });

  it("shows a task's tokens and cost when it reported them and they fit", () => {
    const store = createDashboardStore({
      ...sampleData(),
      tasks: [
        task('schema', { status: 'done', inputTokens: 12_345, outputTokens: 1_100, costUsd: 0.0412 }),
        task('api', { status: 'running', inputTokens: 950, outputTokens: 20 }),
        task('ui'),
      ],
    });
    const wide = renderWith(<PlanPane width={44} height={6} />, store).lastFrame() ?? '';
    expect(wide).toMatch(/✔ 1 schema +12\.3k\/1\.1k tok \$0\.04 fake│/);
    expect(wide).toMatch(/2 api +950\/20 tok fake│/);
    expect(wide).toMatch(/◌ 3 ui +fake│/);
    expect(wide).not.toMatch(/3 ui .*tok/);
    // Too narrow for the phrase: the id and agent stay, the usage goes.
    const narrow = renderWith(<PlanPane width={24} height={6} />, store).lastFrame() ?? '';
    expect(narrow).toMatch(/✔ 1 schema +fake│/);
    expect(narrow).not.toContain('tok');
  });

  it('marks failed and skipped tasks', () => {
    const store = createDashboardStore({
      ...sampleData(),
      tasks: [task('a', { status: 'failed' }), task('b', { status: 'skipped', dependsOn: ['a'] })],
    });
    const frame = renderWith(<PlanPane width={30} height={8} />, store).lastFrame() ?? '';
    expect(frame).toContain('✖ 1 a');
    expect(frame).toContain('⊘ 2 b');
  });

  it('says how many tasks do not fit', () => {
    const tasks = Array.from({ length: 12 }, (_, i) => task(`t${i + 1}`));
    const store = createDashboardStore({ ...sampleData(), tasks });
    const frame = renderWith(<PlanPane width={30} height={8} />, store).lastFrame() ?? '';
    expect(frame).toContain('5 t5');
    expect(frame).not.toContain('6 t6');
    expect(frame).toContain('… 7 more');
    expect(frame.split('\n')).toHaveLength(8);
  });

  it('lays out rows at exactly the pane width', () => {
    const { lastFrame } = renderWith(<PlanPane width={32} height={8} />);
    expect(lastFrame()).toMatchInlineSnapshot(`
      "┌ Plan · add auth ─────────────┐
      │✔ 1 schema                 cmd│
      │⠋ 2 api-auth            claude│
      │⠋ 3 db                   codex│
      │◌ 4 ui                    fake│
      │    after api-auth, db        │
      │                              │
      └──────────────────────────────┘"
    `);
  });
});

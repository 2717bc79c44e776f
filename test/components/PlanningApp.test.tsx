import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';

import { PlanningApp, type PlanningKey } from '../../components/PlanningApp.js';
import { planReviewView } from '../../src/state/plan-review.js';
import { createPlanningStore, STREAM_TAIL_CHARS } from '../../src/state/planning-store.js';
import { ansiTheme } from '../../themes/index.js';
import { plain, until } from './fixtures.js';

const REVIEW = planReviewView(
  {
    version: 1,
    goal: 'add a greeting',
    tasks: [
      {
        id: 'api',
        title: 'the api',
        agent: 'fake',
        files: ['out/api.txt'],
        dependsOn: [],
        prompt: 'p',
        acceptance: [],
        verify: ['test -f out/api.txt'],
        timeoutMs: 1000,
        retries: 0,
      },
    ],
  },
  { tasks: [], inputTokens: 1000, outputTokens: 500, costUsd: null },
);

function setUp() {
  const store = createPlanningStore({
    request: 'add a greeting API',
    supervisor: 'anthropic (claude-sonnet-4-5)',
    cols: 80,
    rows: 20,
  });
  const keys: PlanningKey[] = [];
  const view = render(<PlanningApp store={store} onKey={(k) => void keys.push(k)} theme={ansiTheme} />);
  const frame = (): string => plain(view.lastFrame());
  return { store, keys, frame, stdin: view.stdin };
}

describe('PlanningApp', () => {
  it('shows the answer as it streams, then each repair round with its validation lines', async () => {
    const { store, frame } = setUp();
    expect(frame()).toContain('Planning');
    expect(frame()).toContain('request: add a greeting API');
    expect(frame()).toContain('supervisor: anthropic (claude-sonnet-4-5)');
    expect(frame()).toContain('q quit');
    expect(frame()).toContain('answer 1:');
    store.getState().appendText('{"version":1,');
    await until(() => frame().includes('{"version":1,'));
    store.getState().appendText('"goal":"add a greeting"');
    await until(() => frame().includes('{"version":1,"goal":"add a greeting"'));
    store
      .getState()
      .startRepair(1, ['tasks.1.files: overlaps tasks.0.files (out/)', 'tasks.1: a second line']);
    await until(() => frame().includes('repair round 1: the answer was refused'));
    expect(frame()).toContain('  tasks.1.files: overlaps tasks.0.files (out/)');
    // the refused answer stays until the next one starts streaming, which replaces it
    expect(frame()).toContain('"goal":"add a greeting"');
    expect(frame()).toContain('refused answer 1:');
    store.getState().appendText('{"version":1,"goal":"second try"}');
    await until(() => frame().includes('second try'));
    expect(frame()).not.toContain('"goal":"add a greeting"');
    expect(frame()).toContain('answer 2:');
  });

  it('wraps a long answer to the pane and keeps its tail', async () => {
    const { store, frame } = setUp();
    const long = Array.from({ length: 400 }, (_, i) => `"k${i}":${i}`).join(',');
    store.getState().appendText(long);
    await until(() => frame().includes('"k399":399'));
    expect(frame()).not.toContain('"k0":0,');
    expect(
      frame()
        .split('\n')
        .every((l) => l.length <= 80),
    ).toBe(true);
    store.getState().appendText('x'.repeat(STREAM_TAIL_CHARS));
    expect(store.getState().streamed).toHaveLength(STREAM_TAIL_CHARS);
  });

  it('shows the failure line and quits on q', async () => {
    const { store, frame, keys, stdin } = setUp();
    store
      .getState()
      .fail(
        'supervisor (anthropic): no valid plan after 2 repair rounds; answers saved in .haco/supervisor/plan-x.txt',
      );
    await until(() => frame().includes('Planning failed'));
    // wrapped, not cut: the path of the saved answers is whole
    expect(frame()).toContain('repair rounds; answers saved in │\n│.haco/supervisor/plan-x.txt ');
    stdin.write('aq'); // one chunk, as fast typing arrives: each key counts, `a` is not taken here
    await until(() => keys.length > 0);
    expect(keys).toEqual(['quit']);
  });

  it('shows the plan for approval with a / e / r, and an edit the validator refused without a', async () => {
    const { store, frame, keys, stdin } = setUp();
    store.getState().showPlan(REVIEW);
    await until(() => frame().includes('Plan for approval · add a greeting'));
    expect(frame()).toContain('a approve and run · e edit in $EDITOR · r reject');
    expect(frame()).toContain('verify test -f out/api.txt');
    stdin.write('e');
    await until(() => keys.length === 1);
    store.getState().refuseEdit(['tasks.0.files: a task must own at least one path']);
    await until(() => frame().includes('the edited plan is not valid (1 problem(s))'));
    expect(frame()).toContain('  tasks.0.files: a task must own at least one path');
    expect(frame()).toContain('e edit again · r reject');
    // the last valid plan stays on screen
    expect(frame()).toContain('Plan for approval · add a greeting');
    stdin.write('a');
    stdin.write('r');
    await until(() => keys.length === 2);
    expect(keys).toEqual(['edit', 'reject']);
    expect(frame().split('\n')).toHaveLength(19);
  });
});

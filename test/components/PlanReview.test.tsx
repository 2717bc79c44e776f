import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';

import { App } from '../../components/App.js';
import { PlanReview } from '../../components/PlanReview.js';
import type { Plan, TaskSpec } from '../../src/plan/schema.js';
import { dependencyTree, estimateLine, planReviewView } from '../../src/state/plan-review.js';
import { createDashboardStore } from '../../src/state/store.js';
import type { PlanEstimate } from '../../src/supervisor/estimate.js';
import { ansiTheme } from '../../themes/index.js';
import { plain, sampleData } from './fixtures.js';

function spec(id: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    title: `do ${id}`,
    agent: 'fake',
    files: [`src/${id}.ts`],
    dependsOn: [],
    prompt: `write ${id}`,
    acceptance: [],
    verify: [`test -f src/${id}.ts`],
    timeoutMs: 60_000,
    retries: 0,
    ...extra,
  };
}

/** spec → api, db → ui (after api and db): a diamond, and a lone docs task. */
const PLAN: Plan = {
  version: 1,
  goal: 'add auth',
  tasks: [
    spec('spec', { files: ['specs/api.md'], verify: [] }),
    spec('api', { dependsOn: ['spec'], agent: 'claude' }),
    spec('db', { dependsOn: ['spec'], verify: ['npm test -- db', 'npm run lint'] }),
    spec('ui', { dependsOn: ['api', 'db'] }),
    spec('docs'),
  ],
  routing: [
    { task: 'spec', agent: 'fake', role: 'architect', reason: 'role architect from kind design' },
    { task: 'api', agent: 'claude', reason: 'agent named in plan' },
    { task: 'db', agent: 'fake', reason: 'defaults.agent' },
    { task: 'ui', agent: 'fake', reason: 'defaults.agent' },
    { task: 'docs', agent: 'fake', reason: 'defaults.agent' },
  ],
};

const ESTIMATE: PlanEstimate = {
  tasks: PLAN.tasks.map((t) => ({
    id: t.id,
    agent: t.agent,
    inputTokens: 12_000,
    outputTokens: 2_000,
    costUsd: t.agent === 'claude' ? 0.07 : null,
  })),
  inputTokens: 60_000,
  outputTokens: 10_000,
  costUsd: 0.07,
};

describe('plan review', () => {
  it('draws the dependencies as a tree: each task under its first dependency, the others named', () => {
    const lines = dependencyTree(PLAN.tasks).map(
      (l) => `${l.prefix}${l.id}${l.alsoAfter.length ? ` +${l.alsoAfter.join(',')}` : ''}`,
    );
    expect(lines).toEqual(['spec', '├─ api', '│  └─ ui +db', '└─ db', 'docs']);
  });

  it('says the estimate and, after planning from a request, what the planning cost', () => {
    expect(estimateLine(planReviewView(PLAN, ESTIMATE))).toBe('estimate ≈ 60k/10k tok · ≈ $0.07');
    const planned = planReviewView(PLAN, ESTIMATE, {
      calls: 2,
      inputTokens: 1_500,
      outputTokens: 300,
      costUsd: 0.01,
    });
    expect(estimateLine(planned)).toBe(
      'estimate ≈ 60k/10k tok · ≈ $0.07 · planning 2 calls 1.5k/300 tok $0.01',
    );
    const unpriced = planReviewView(PLAN, { ...ESTIMATE, costUsd: null });
    expect(estimateLine(unpriced)).toContain('cost unknown (no agent price in config)');
  });

  it('shows tasks, agents with the routing reason, owned files and verify commands', () => {
    const view = planReviewView(PLAN, ESTIMATE, {
      calls: 1,
      inputTokens: 900,
      outputTokens: 200,
      costUsd: null,
    });
    const { lastFrame } = render(<PlanReview view={view} width={90} height={40} theme={ansiTheme} />);
    const frame = plain(lastFrame());
    expect(frame).toContain('Plan for approval · add auth');
    expect(frame).toContain('estimate ≈ 60k/10k tok · ≈ $0.07 · planning 1 call 900/200 tok');
    expect(frame).toContain('│spec → fake · role architect from kind design');
    expect(frame).toContain('│├─ api → claude · agent named in plan · ≈ $0.07');
    expect(frame).toContain('││  └─ ui (also after db) → fake · defaults.agent');
    expect(frame).toContain('│└─ db → fake');
    expect(frame).toContain('│db · do db');
    // a blank line between the tree and each task's details
    expect(frame).toMatch(/│docs → fake · defaults\.agent +│\n│ +│\n│spec · do spec/);
    expect(frame).toContain('  files  specs/api.md');
    expect(frame).toContain('  verify npm test -- db');
    expect(frame).toContain('         npm run lint');
    expect(frame).toContain('  verify (none)');
  });

  it('cuts what does not fit and says how much, keeping the estimate and the tree', () => {
    const view = planReviewView(PLAN, ESTIMATE);
    const frame = plain(
      render(<PlanReview view={view} width={60} height={12} theme={ansiTheme} />).lastFrame(),
    );
    const lines = frame.split('\n');
    expect(lines).toHaveLength(12);
    expect(frame).toContain('estimate ≈');
    expect(frame).toContain('└─ db');
    expect(frame).toMatch(/… \d+ more lines/);
    expect(lines.every((l) => l.length <= 60)).toBe(true);
  });

  it("takes the workers' place in the dashboard while the plan_approval breakpoint waits", () => {
    const store = createDashboardStore({
      ...sampleData(),
      planReview: planReviewView(PLAN, ESTIMATE),
      breakpoints: [
        {
          id: 1,
          taskId: null,
          kind: 'plan_approval',
          message: 'approve the plan "add auth": 5 task(s)',
          answers: ['approve', 'reject'],
        },
      ],
    });
    const { lastFrame } = render(<App store={store} dispatch={() => undefined} theme={ansiTheme} />);
    expect(plain(lastFrame())).toContain('Plan for approval · add auth');
    expect(plain(lastFrame())).toContain('BREAKPOINT 1 of 1');
    const after = createDashboardStore({ ...sampleData(), planReview: planReviewView(PLAN, ESTIMATE) });
    const running = plain(
      render(<App store={after} dispatch={() => undefined} theme={ansiTheme} />).lastFrame(),
    );
    expect(running).not.toContain('Plan for approval');
  });
});

import { formatUsage } from '../orchestrator/usage.js';
import type { Plan } from '../plan/schema.js';
import type { PlanEstimate } from '../supervisor/estimate.js';

/** One task as the plan-approval view shows it. */
export interface PlanReviewTask {
  readonly id: string;
  readonly title: string;
  readonly agent: string;
  /** Why it runs on that agent (src/plan/routing.ts), e.g. `role implementer from kind implementation`. */
  readonly reason: string | undefined;
  /** Owned paths, as validated. */
  readonly files: readonly string[];
  readonly dependsOn: readonly string[];
  readonly verify: readonly string[];
  /** Estimated USD, null when its agent has no price in config. */
  readonly estimateUsd: number | null;
}

/** One line of the dependency tree: a task under the first task it depends on. */
export interface TreeLine {
  readonly id: string;
  /** Box-drawing prefix, e.g. `│  └─ `; empty for a task with no dependencies. */
  readonly prefix: string;
  /** Its other dependencies (shown as "also after a, b"). */
  readonly alsoAfter: readonly string[];
}

/** What the plan-approval view draws: the whole plan with its estimate. */
export interface PlanReviewView {
  readonly goal: string;
  readonly tasks: readonly PlanReviewTask[];
  readonly tree: readonly TreeLine[];
  /** The run's estimate (src/supervisor/estimate.ts): tokens and USD (null: unpriced). */
  readonly estimate: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number | null;
  };
  /** The planning calls' own usage; absent for a plan read from a file. */
  readonly planning?: {
    readonly calls: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    /** USD, null when the provider reported no cost and config has no `price`. */
    readonly costUsd: number | null;
  };
}

/**
 * Builds the plan-approval view from a validated plan and its estimate (both from the core).
 * @param planning the supervisor's usage when the plan came from a request
 */
export function planReviewView(
  plan: Plan,
  estimate: PlanEstimate,
  planning?: PlanReviewView['planning'],
): PlanReviewView {
  const reasons = new Map((plan.routing ?? []).map((r) => [r.task, r.reason]));
  const costs = new Map(estimate.tasks.map((t) => [t.id, t.costUsd]));
  return {
    goal: plan.goal,
    tasks: plan.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      agent: t.agent,
      reason: reasons.get(t.id),
      files: t.files,
      dependsOn: t.dependsOn,
      verify: t.verify,
      estimateUsd: costs.get(t.id) ?? null,
    })),
    tree: dependencyTree(plan.tasks),
    estimate: {
      inputTokens: estimate.inputTokens,
      outputTokens: estimate.outputTokens,
      costUsd: estimate.costUsd,
    },
    ...(planning ? { planning } : {}),
  };
}

/**
 * The dependencies as a tree, in plan order: roots are tasks without dependencies; a task is drawn
 * once, under the first of its dependencies (its others listed in `alsoAfter`). Tasks unreachable
 * that way (not possible in a validated plan: no cycles, known ids) are appended as roots.
 */
export function dependencyTree(
  tasks: readonly { readonly id: string; readonly dependsOn: readonly string[] }[],
): TreeLine[] {
  const ids = new Set(tasks.map((t) => t.id));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  for (const t of tasks) {
    const parent = t.dependsOn.find((d) => ids.has(d));
    if (parent === undefined) roots.push(t.id);
    else children.set(parent, [...(children.get(parent) ?? []), t.id]);
  }
  const out: TreeLine[] = [];
  const seen = new Set<string>();
  const walk = (id: string, indent: string, branch: string, parent: string | undefined): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const alsoAfter = (deps.get(id) ?? []).filter((d) => d !== parent);
    out.push({ id, prefix: indent + branch, alsoAfter });
    const kids = children.get(id) ?? [];
    const next = branch === '' ? '' : indent + (branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((kid, i) => walk(kid, next, i === kids.length - 1 ? '└─ ' : '├─ ', id));
  };
  for (const root of roots) walk(root, '', '', undefined);
  for (const t of tasks) walk(t.id, '', '', undefined);
  return out;
}

/**
 * The estimate line: `estimate ≈ 48.0k/6.0k tok · ≈ $0.08 · planning 2 calls 1.2k/300 tok $0.01`.
 * Unpriced agents read "cost unknown (no agent price in config)".
 */
export function estimateLine(view: PlanReviewView): string {
  const e = view.estimate;
  const tokens = formatUsage(e.inputTokens, e.outputTokens, null) ?? '0 tok';
  const usd = e.costUsd === null ? 'cost unknown (no agent price in config)' : `≈ $${e.costUsd.toFixed(2)}`;
  const parts = [`estimate ≈ ${tokens}`, usd];
  const p = view.planning;
  if (p) {
    const spent = formatUsage(p.inputTokens, p.outputTokens, p.costUsd) ?? 'no usage reported';
    parts.push(`planning ${p.calls} call${p.calls === 1 ? '' : 's'} ${spent}`);
  }
  return parts.join(' · ');
}

/**
 * The plan-approval view to draw in the dashboard: the stored view while a `plan_approval`
 * breakpoint waits, else undefined (the worker panes are shown).
 */
export function selectPlanReview(s: {
  readonly planReview?: PlanReviewView | undefined;
  readonly breakpoints: readonly { readonly kind: string }[];
}): PlanReviewView | undefined {
  return s.breakpoints.some((b) => b.kind === 'plan_approval') ? s.planReview : undefined;
}

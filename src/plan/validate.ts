import type { Config } from '../config/schema.js';
import { PlanError } from '../lib/errors.js';
import { describeIssues, type IssueLine } from '../lib/issues.js';
import { firstOverlap, normaliseOwnedPath } from '../ownership/paths.js';
import { readPlanData } from './load.js';
import { workflowProblems } from './policies.js';
import { repoOwnershipProblems, type OwnedPatterns } from './repo-rules.js';
import { routeTask } from './routing.js';
import { PlanSchema, type ParsedPlan, type Plan, type RoutingDecision, type TaskSpec } from './schema.js';

/** One validation problem: where (`tasks[1].files[0]`) and what. */
export type PlanProblem = IssueLine;

/** Finds cycles in the dependency graph; returns each as the list of ids along it. */
function findCycles(deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const next of deps.get(id) ?? []) {
      if (!deps.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of deps.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

/** For each task, every task it transitively depends on. */
export function ancestorsOf(deps: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const get = (id: string, trail: Set<string>): Set<string> => {
    const hit = memo.get(id);
    if (hit) return hit;
    const out = new Set<string>();
    trail.add(id);
    for (const dep of deps.get(id) ?? []) {
      if (trail.has(dep) || !deps.has(dep)) continue;
      out.add(dep);
      for (const a of get(dep, trail)) out.add(a);
    }
    trail.delete(id);
    memo.set(id, out);
    return out;
  };
  for (const id of deps.keys()) get(id, new Set());
  return memo;
}

/**
 * Validates parsed plan data against the schema and the semantic rules: unique ids, known
 * dependencies, no cycle, each task routed to a known agent (routing.ts: agent, role, kind or
 * defaults.agent; not both agent and role), owned paths of this repository (`repoOwnershipProblems`:
 * no symlink out of `repoRoot`, into `.git/` or `.haco/` or onto another task's paths, nothing in
 * a submodule or nested repository), and no overlapping ownership between tasks that could run
 * at the same time. Schema problems are reported alone, since the other rules need a well-formed
 * plan; overlaps and the workflow policies (`spec_first`, `tdd`: policies.ts) are only checked
 * once the dependencies have no cycle.
 * @returns every problem found (empty when the plan is valid) and, when valid, the resolved plan
 *   with one routing decision per task
 */
export function checkPlan(
  data: unknown,
  config: Config,
  repoRoot: string,
): { problems: PlanProblem[]; plan?: Plan } {
  const parsed = PlanSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { problems: describeIssues(parsed.error.issues) };
  const problems: PlanProblem[] = [];
  const plan: ParsedPlan = parsed.data;
  const firstIndex = new Map<string, number>();
  plan.tasks.forEach((task, i) => {
    const prev = firstIndex.get(task.id);
    if (prev !== undefined)
      problems.push({
        path: `tasks[${i}].id`,
        message: `duplicate task id "${task.id}" (also tasks[${prev}])`,
      });
    else firstIndex.set(task.id, i);
  });
  const deps = new Map<string, string[]>();
  const patterns = new Map<string, string[]>();
  const specs: TaskSpec[] = [];
  const ownedByTask: OwnedPatterns[] = [];
  const routing: RoutingDecision[] = [];
  plan.tasks.forEach((task, i) => {
    const at = `tasks[${i}]`;
    task.depends_on.forEach((dep, d) => {
      if (dep === task.id)
        problems.push({ path: `${at}.depends_on[${d}]`, message: `task "${task.id}" depends on itself` });
      else if (!firstIndex.has(dep))
        problems.push({ path: `${at}.depends_on[${d}]`, message: `unknown task "${dep}"` });
    });
    // Agent, role, kind or defaults.agent (routing.ts).
    const routed = routeTask(task, at, config);
    if ('problems' in routed) problems.push(...routed.problems);
    else routing.push(routed.decision);
    const decision = 'decision' in routed ? routed.decision : undefined;
    if (task.delegate !== undefined && decision)
      problems.push(...delegateProblems(task.id, at, decision.agent, task.delegate, config));
    const owned: string[] = [];
    const ownedAt: OwnedPatterns['patterns'][number][] = [];
    task.files.forEach((raw, f) => {
      const result = normaliseOwnedPath(raw);
      if ('error' in result) return problems.push({ path: `${at}.files[${f}]`, message: result.error });
      owned.push(result.pattern);
      ownedAt.push({ pattern: result.pattern, at: `${at}.files[${f}]` });
    });
    ownedByTask.push({ taskId: task.id, patterns: ownedAt });
    if (!deps.has(task.id)) {
      deps.set(
        task.id,
        task.depends_on.filter((d) => d !== task.id),
      );
      patterns.set(task.id, owned);
    }
    specs.push({
      id: task.id,
      title: task.title ?? task.id,
      agent: decision?.agent ?? '',
      ...(decision?.role === undefined ? {} : { role: decision.role }),
      ...(task.kind === undefined ? {} : { kind: task.kind }),
      files: owned,
      dependsOn: task.depends_on,
      prompt: task.prompt,
      acceptance: task.acceptance,
      verify: task.verify,
      timeoutMs: task.timeout ?? config.defaults.timeout,
      retries: task.retries ?? config.defaults.retries,
      ...(task.dependencies.length ? { dependencies: task.dependencies } : {}),
      ...(task.delegate === undefined ? {} : { delegate: task.delegate }),
    });
  });
  // Symlinks, submodules and nested repositories along owned paths (repo-rules.ts).
  problems.push(...repoOwnershipProblems(repoRoot, ownedByTask));
  const cycles = findCycles(deps);
  for (const cycle of cycles) {
    const first = cycle[0] ?? '';
    problems.push({
      path: `tasks[${firstIndex.get(first) ?? 0}].depends_on`,
      message: `dependency cycle: ${cycle.join(' -> ')}`,
    });
  }
  if (cycles.length === 0) {
    problems.push(...overlapProblems([...deps.keys()], deps, patterns, firstIndex));
    // spec_first and tdd (policies.ts).
    const policyTasks = plan.tasks.map((t, index) => ({
      id: t.id,
      index,
      kind: t.kind,
      files: patterns.get(t.id) ?? [],
    }));
    problems.push(...workflowProblems(policyTasks, ancestorsOf(deps), config.workflow));
  }
  return problems.length
    ? { problems }
    : { problems, plan: { version: 1, goal: plan.goal, tasks: specs, routing } };
}

/** Agent types whose shell tool can run `haco worker` (the hybrid loop's `delegate:`). */
const DELEGATING_TYPES: ReadonlySet<string> = new Set(['claude-code', 'codex', 'opencode']);

/** `delegate:` names an `ollama` agent, on a task whose own agent can run shell commands. */
function delegateProblems(
  taskId: string,
  at: string,
  agentName: string,
  delegate: string,
  config: Config,
): PlanProblem[] {
  const path = `${at}.delegate`;
  const own = config.agents[agentName];
  if (own && !DELEGATING_TYPES.has(own.type))
    return [
      {
        path,
        message: `task "${taskId}" runs on agent "${agentName}" of type ${own.type}; only claude-code, codex and opencode agents can delegate`,
      },
    ];
  const target = config.agents[delegate];
  if (!target)
    return [
      {
        path,
        message: `task "${taskId}" delegates to "${delegate}", which is not a configured agent (configured: ${Object.keys(config.agents).join(', ')})`,
      },
    ];
  if (target.type !== 'ollama')
    return [
      {
        path,
        message: `task "${taskId}" delegates to "${delegate}" of type ${target.type}; delegate must name an ollama agent`,
      },
    ];
  return [];
}

function overlapProblems(
  ids: readonly string[],
  deps: ReadonlyMap<string, readonly string[]>,
  patterns: ReadonlyMap<string, readonly string[]>,
  index: ReadonlyMap<string, number>,
): PlanProblem[] {
  const ancestors = ancestorsOf(deps);
  const out: PlanProblem[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i] ?? '';
      const b = ids[j] ?? '';
      if (ancestors.get(a)?.has(b) || ancestors.get(b)?.has(a)) continue;
      const pair = firstOverlap(patterns.get(a) ?? [], patterns.get(b) ?? []);
      if (!pair) continue;
      out.push({
        path: `tasks[${index.get(b) ?? j}].files`,
        message: `"${pair[1]}" of task "${b}" overlaps "${pair[0]}" of task "${a}", and the two may run at the same time (add a depends_on between them)`,
      });
    }
  }
  return out;
}

/**
 * Loads and validates a plan file.
 * @param shown how the file is named in messages
 * @throws PlanError listing every problem, one line each as `FILE: PATH: MESSAGE` (exit 2)
 */
export function loadPlan(file: string, config: Config, repoRoot: string, shown = file): Plan {
  const { problems, plan } = checkPlan(readPlanData(file, shown), config, repoRoot);
  if (!plan) throw new PlanError(problems.map((p) => `${shown}: ${p.path}: ${p.message}`));
  return plan;
}

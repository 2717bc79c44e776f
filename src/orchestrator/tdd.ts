import type { Config } from '../config/schema.js';
import type { Plan, TaskSpec } from '../plan/schema.js';

/**
 * The feedback a `kind: tests` task gets under `workflow.tdd` when its verify commands pass before
 * any implementation exists (issue 8 point 8: "its tests fail before and pass after").
 */
export const TESTS_PASS_WITHOUT_CODE =
  'Your tests pass without the implementation; they test nothing. Write tests that fail until the ' +
  'implementation exists (the implementation task that depends on this one must make them pass).';

/** True when `workflow.tdd` is on (configs stored before workflow policies have none). */
export function isTdd(config: Config): boolean {
  return (config as Partial<Config>).workflow?.tdd === true;
}

/** The `kind: tests` tasks `task` depends on, directly or through others, in plan order. */
function testsTasksBefore(plan: Plan, task: TaskSpec): TaskSpec[] {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const stack = [...task.dependsOn];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return plan.tasks.filter((t) => seen.has(t.id) && t.kind === 'tests');
}

/**
 * The verify commands an attempt of `task` runs: its own; under `workflow.tdd` an implementation
 * task (`kind: implementation`) also runs the verify commands of every tests task it depends on
 * (directly or through others), after its own and without repeats, so it must pass those tests.
 */
export function verifyCommandsOf(plan: Plan, config: Config, task: TaskSpec): string[] {
  const own = [...task.verify];
  if (!isTdd(config) || task.kind !== 'implementation') return own;
  const all = [...own];
  for (const tests of testsTasksBefore(plan, task)) {
    for (const command of tests.verify) if (!all.includes(command)) all.push(command);
  }
  return all;
}

/**
 * True when `task`'s verify commands must FAIL for it to be accepted: a `kind: tests` task with
 * verify commands under `workflow.tdd` (its tests run before the implementation exists).
 */
export function expectsRed(config: Config, task: TaskSpec): boolean {
  return isTdd(config) && task.kind === 'tests' && task.verify.length > 0;
}

import type { TaskKind } from '../config/roles.js';
import type { WorkflowConfig } from '../config/workflow.js';
import type { IssueLine } from '../lib/issues.js';

/** What the workflow policies need of one task: where it is, its `kind:`, its normalised owned paths. */
export interface PolicyTask {
  readonly id: string;
  /** Its index in the plan, for key paths (`tasks[3]`). */
  readonly index: number;
  readonly kind?: TaskKind | undefined;
  readonly files: readonly string[];
}

/** A spec path: under a top-level `specs/` folder (`specs/api.md`, `specs/**`), or named `*.spec.md`. */
export function isSpecPath(pattern: string): boolean {
  return pattern.startsWith('specs/') || pattern.endsWith('.spec.md');
}

/**
 * A test path: in a `test/`, `tests/`, `__tests__/` or `spec/` folder at any depth, or a file
 * named `*.test.*`, `*.spec.*` (not `.md`), `*_test.*` or `test_*.py`.
 */
export function isTestPath(pattern: string): boolean {
  if (/(^|\/)(test|tests|__tests__|spec)\//.test(pattern)) return true;
  const name = pattern.slice(pattern.lastIndexOf('/') + 1);
  if (/\.(test|spec)\.[A-Za-z0-9*]+$/.test(name) && !name.endsWith('.md')) return true;
  return /_test\.[A-Za-z0-9*]+$/.test(name) || /^test_.*\.py$/.test(name);
}

/**
 * The kind the policies treat a task as: its `kind:`, else `spec` when every owned path is a spec
 * path (see isSpecPath). Tasks without a kind that own anything else are not checked.
 */
export function policyKind(task: PolicyTask): TaskKind | undefined {
  if (task.kind !== undefined) return task.kind;
  return task.files.length > 0 && task.files.every(isSpecPath) ? 'spec' : undefined;
}

const SPEC_FIRST = '(workflow.spec_first)';
const TDD = '(workflow.tdd)';

/**
 * The plan-side workflow policies of config `workflow:` (issue 8, point 8), one problem each:
 * - `spec_first`: a plan with implementation tasks (kind `implementation`) needs a spec task (kind
 *   `spec`, or owning only spec paths); every implementation task depends, directly or through
 *   others, on a spec task; no spec task depends on an implementation task.
 * - `tdd`: every implementation task depends, directly or through others, on a tests task (kind
 *   `tests`) that owns at least one test path (see isTestPath).
 * @param ancestors for each task id, every task it depends on transitively (validate.ts ancestorsOf)
 */
export function workflowProblems(
  tasks: readonly PolicyTask[],
  ancestors: ReadonlyMap<string, ReadonlySet<string>>,
  workflow: Pick<WorkflowConfig, 'spec_first' | 'tdd'>,
): IssueLine[] {
  const out: IssueLine[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const kindOf = (id: string): TaskKind | undefined => {
    const task = byId.get(id);
    return task && policyKind(task);
  };
  const implementations = tasks.filter((t) => policyKind(t) === 'implementation');
  const before = (t: PolicyTask): string[] => [...(ancestors.get(t.id) ?? [])];
  if (workflow.spec_first && implementations.length > 0) {
    const specs = tasks.filter((t) => policyKind(t) === 'spec');
    if (specs.length === 0)
      out.push({
        path: 'tasks',
        message: `implementation tasks (${implementations.map((t) => t.id).join(', ')}) but no spec task ${SPEC_FIRST}`,
      });
    for (const spec of specs) {
      const code = before(spec).find((id) => kindOf(id) === 'implementation');
      if (code !== undefined)
        out.push({
          path: `tasks[${spec.index}].depends_on`,
          message: `spec task "${spec.id}" depends on implementation task "${code}"; specs come first ${SPEC_FIRST}`,
        });
    }
    if (specs.length > 0)
      for (const task of implementations)
        if (!before(task).some((id) => kindOf(id) === 'spec'))
          out.push({
            path: `tasks[${task.index}].depends_on`,
            message: `implementation task "${task.id}" does not depend on a spec task ${SPEC_FIRST}`,
          });
  }
  if (workflow.tdd) {
    for (const task of implementations) {
      const tests = before(task).filter((id) => kindOf(id) === 'tests');
      if (tests.some((id) => byId.get(id)?.files.some(isTestPath))) continue;
      out.push({
        path: `tasks[${task.index}].depends_on`,
        message:
          tests.length === 0
            ? `implementation task "${task.id}" does not depend on a tests task ${TDD}`
            : `implementation task "${task.id}" depends on tests task(s) ${tests.map((id) => `"${id}"`).join(', ')} owning no test files ${TDD}`,
      });
    }
  }
  return out;
}

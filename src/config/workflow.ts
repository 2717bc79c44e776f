import { z } from 'zod';

/**
 * Config `workflow:` — policies a run follows (issue 8, point 8). `spec_first` and `tdd` shape the
 * plan and are enforced when the plan is validated (src/plan/policies.ts); `lint_gate` and
 * `dependency_guard` are enforced while a task's attempt is accepted (src/orchestrator/).
 */
export const WorkflowSchema = z
  .strictObject({
    /** Spec tasks come first: every implementation task depends on one, and no spec task on code. */
    spec_first: z.boolean().default(false),
    /** Every implementation task depends on a tests task that owns test files. */
    tdd: z.boolean().default(false),
    /**
     * A shell command run in the repository root (like a verify command) that must exit 0 before
     * any task is accepted; null: no lint gate.
     */
    lint_gate: z
      .string()
      .trim()
      .min(1, 'expected a shell command, or null for none')
      .nullable()
      .default(null),
    /**
     * A task whose diff adds a dependency (package.json, requirements*.txt, pyproject.toml,
     * go.mod, Cargo.toml) it did not declare raises a breakpoint.
     */
    dependency_guard: z.boolean().default(true),
  })
  .prefault({});

/** The `workflow` section after validation. */
export type WorkflowConfig = z.output<typeof WorkflowSchema>;

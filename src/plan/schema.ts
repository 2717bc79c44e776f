import { z } from 'zod';

import { ROLES, TASK_KINDS, type Role, type TaskKind } from '../config/roles.js';
import { DurationSchema } from '../config/schema.js';

/** A task id: letters, digits, `-`, `_`, `.`; used in commit messages and file names. */
export const TaskIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'task ids use letters, digits, - _ . (at most 64, no leading symbol)',
  );

const WHOLE_0_20 = 'expected a whole number from 0 to 20';

/** One task of a plan as written in the plan file (YAML or JSON). */
export const PlanTaskSchema = z.strictObject({
  id: TaskIdSchema,
  /** One line for the dashboard and the commit message; default: the id. */
  title: z.string().min(1).optional(),
  /** Name of a configured agent; default: by `role`, else by `kind`, else `defaults.agent` (src/plan/routing.ts). */
  agent: z.string().min(1).optional(),
  /** A role (config `roles:`) instead of an agent; not together with `agent`. */
  role: z.enum(ROLES).optional(),
  /** What the task is for; picks the role when neither `agent` nor `role` is given, and the workflow policies read it. */
  kind: z.enum(TASK_KINDS).optional(),
  /** Paths (files, directories ending in `/`, or globs) the task owns, relative to the repo root. */
  files: z.array(z.string().min(1)).min(1, 'a task must own at least one path'),
  depends_on: z.array(z.string()).default([]),
  /** What the agent is asked to do. */
  prompt: z.string().min(1),
  acceptance: z.array(z.string()).default([]),
  /** Shell commands run in the repo root after the agent finishes; all must exit 0. */
  verify: z.array(z.string().min(1)).default([]),
  /** Per-attempt agent timeout, e.g. `10m`; default from the config. */
  timeout: DurationSchema.optional(),
  /** Extra attempts after a failed verification; default from the config. */
  retries: z.int(WHOLE_0_20).min(0, WHOLE_0_20).max(20, WHOLE_0_20).optional(),
  /**
   * Packages the task may add to a dependency manifest (package.json, requirements*.txt,
   * pyproject.toml, go.mod, Cargo.toml) without a `dependency_added` breakpoint.
   */
  dependencies: z.array(z.string().trim().min(1)).default([]),
  /**
   * The hybrid loop (README, "The hybrid loop"): an `ollama` agent the task's agent (claude-code,
   * codex or opencode) may delegate drafts to through `haco worker`.
   */
  delegate: z.string().min(1).optional(),
});

/** A plan file: `version: 1`, a goal and at least one task. */
export const PlanSchema = z.strictObject({
  version: z.literal(1, {
    error: (issue) =>
      `unsupported version ${JSON.stringify(issue.input) ?? 'undefined'}; this haco reads version 1`,
  }),
  goal: z.string().min(1),
  tasks: z.array(PlanTaskSchema).min(1, 'a plan needs at least one task'),
});

export type PlanInput = z.input<typeof PlanSchema>;
export type ParsedPlan = z.output<typeof PlanSchema>;
export type ParsedTask = z.output<typeof PlanTaskSchema>;

/** A task after validation: every default resolved, durations in ms. */
export interface TaskSpec {
  readonly id: string;
  readonly title: string;
  /** Name of the configured agent that runs it. */
  readonly agent: string;
  /** The role it was routed by, when a role picked the agent. */
  readonly role?: Role;
  /** Its `kind:` as written in the plan. */
  readonly kind?: TaskKind;
  /** Normalised owned paths (no leading `./`; directories as `dir/**`). */
  readonly files: readonly string[];
  readonly dependsOn: readonly string[];
  readonly prompt: string;
  readonly acceptance: readonly string[];
  readonly verify: readonly string[];
  /** Agent timeout per attempt, ms. */
  readonly timeoutMs: number;
  /** Extra attempts after a failed verification. */
  readonly retries: number;
  /** Packages the task declared it adds (the dependency guard lets these through); absent: none. */
  readonly dependencies?: readonly string[];
  /** The `ollama` agent its agent delegates drafts to (plan `delegate:`); absent: none. */
  readonly delegate?: string;
}

/**
 * Why a task runs on its agent, e.g. `{task: 'api', agent: 'codex', role: 'implementer', reason:
 * 'role implementer from kind implementation'}`; logged when a run starts.
 */
export interface RoutingDecision {
  readonly task: string;
  readonly agent: string;
  readonly role?: Role;
  /** `agent named in plan`, `role R named in plan`, `role R from kind K`, or ending in `defaults.agent`. */
  readonly reason: string;
}

/** A validated plan, ready to run. */
export interface Plan {
  readonly version: 1;
  readonly goal: string;
  readonly tasks: readonly TaskSpec[];
  /** One routing decision per task, in task order (absent in plans stored before roles). */
  readonly routing?: readonly RoutingDecision[];
}

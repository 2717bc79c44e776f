import { z } from 'zod';

import { AGENT_CONFIG_SCHEMAS, AGENT_TYPES } from '../../agents/registry.js';
import { parseTimeout, TIMEOUT_RANGE } from '../lib/duration.js';
import { agentConfigUnion, EnvPassthroughSchema } from './agent-fields.js';
import { RolesSchema } from './roles.js';
import { SupervisorSchema } from './supervisor.js';
import { WorkflowSchema } from './workflow.js';
import { BudgetSchema } from './budget.js';
import { ReviewSchema } from './review.js';

/**
 * A timeout written as `90s`, `10m`, `1h30m`, `2d` or a number of seconds, from 1 s to 30 days
 * (MIN_TIMEOUT_MS … MAX_TIMEOUT_MS in src/lib/duration.ts); parsed to milliseconds. NaN,
 * Infinity, zero, negative and out-of-range values are refused with one line.
 */
export const DurationSchema = z
  .union([z.string(), z.number()], {
    // NaN, Infinity (`.nan`, `.inf` in YAML, 1e400 in JSON), booleans, null: one clear line.
    error: (issue) =>
      issue.input === undefined ? undefined : `${TIMEOUT_RANGE}, got ${String(issue.input)}`,
  })
  .transform((value, ctx) => {
    try {
      return parseTimeout(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

export { CommonAgentFields, EnvPassthroughSchema } from './agent-fields.js';

/**
 * One named agent; `type` picks the adapter. The union is built from the agent registry
 * (agents/registry.ts: each adapter carries its own schema), and an unknown type is an error
 * naming the registry's types, never a fallback.
 */
export const AgentConfigSchema = agentConfigUnion(AGENT_CONFIG_SCHEMAS, AGENT_TYPES);

/**
 * Shell commands workers run without asking, as shipped in config.yaml (also used when a config
 * built in code leaves `permissions` out). Matching: see `shellCommandAllowed` in
 * src/ownership/permission-policy.ts.
 */
export const DEFAULT_BASH_ALLOW: readonly string[] = [
  'npm test*',
  'npx vitest*',
  'node --test*',
  'git status*',
  'git diff*',
  'ls*',
  'cat *',
];

/** What workers may do without asking, checked before each tool runs (agents that ask, e.g. claude-code). */
export const PermissionsSchema = z
  .strictObject({
    /** Shell command lines allowed without asking; `*` at the end stands for any arguments. */
    bash_allow: z
      .array(z.string().trim().min(1, 'expected a command, not an empty string'))
      .default(() => [...DEFAULT_BASH_ALLOW]),
    /** A write outside the task's files: `deny` tells the agent which files it owns; `breakpoint` asks the user. */
    outside_write: z.enum(['deny', 'breakpoint']).default('deny'),
  })
  .prefault({});

const WHOLE_1_64 = 'expected a whole number from 1 to 64';
const WHOLE_0_20 = 'expected a whole number from 0 to 20';

/** The whole configuration after merging every layer (see load.ts). */
export const ConfigSchema = z.strictObject({
  /** How many workers may run at the same moment. */
  concurrency: z.int(WHOLE_1_64).min(1, WHOLE_1_64).max(64, WHOLE_1_64),
  /** Named agents a plan's tasks refer to by name. */
  agents: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'agent names use letters, digits, _ . -'),
    AgentConfigSchema,
  ),
  /** Values for tasks that do not set their own. */
  defaults: z.strictObject({
    /** Agent for tasks without `agent`. */
    agent: z.string().optional(),
    /** Per-attempt timeout of the agent, e.g. `10m`. */
    timeout: DurationSchema,
    /** Extra attempts after a failed verification. */
    retries: z.int(WHOLE_0_20).min(0, WHOLE_0_20).max(20, WHOLE_0_20),
    /** Timeout of each verify command, e.g. `5m`. */
    verify_timeout: DurationSchema,
  }),
  /** What workers may do without asking. */
  permissions: PermissionsSchema,
  /** Variables of haco's environment verify commands get besides the basics (and `CI=1`). */
  verify_env_passthrough: EnvPassthroughSchema.default(() => []),
  /** Which agent plays each role, and which role runs each task kind (src/config/roles.ts). */
  roles: RolesSchema,
  /** Workflow policies: spec_first, tdd, lint_gate, dependency_guard (src/config/workflow.ts). */
  workflow: WorkflowSchema,
  /** Spending limits of a run and of each task, USD (src/config/budget.ts). */
  budget: BudgetSchema,
  /** The model that turns a request into a plan, `haco plan` (src/config/supervisor.ts). */
  supervisor: SupervisorSchema,
  /** When the supervisor reviews a finished task, and the review loop's limits (src/config/review.ts). */
  review: ReviewSchema,
});

/** A validated configuration: durations are in milliseconds. */
export type Config = z.output<typeof ConfigSchema>;
/** One named agent's configuration. */
export type AgentConfig = z.output<typeof AgentConfigSchema>;
/** The `permissions` section. */
export type PermissionsConfig = z.output<typeof PermissionsSchema>;
/** The agent types this build knows. */
export type AgentType = AgentConfig['type'];
export type { RolesConfig, Role, TaskKind } from './roles.js';
export type { WorkflowConfig } from './workflow.js';
export type { BudgetConfig } from './budget.js';
export type { ReviewConfig } from './review.js';
export type { SupervisorConfig, SupervisorProvider } from './supervisor.js';

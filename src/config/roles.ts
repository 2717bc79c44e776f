import { z } from 'zod';

/**
 * The roles a configured agent can play (issue 8, point 4, after the mob-programming design):
 * `architect` designs and writes specs, `implementer` writes code and tests, `reviewer` judges a
 * task's result, `navigator` keeps the docs and the map of the code.
 */
export const ROLES = ['architect', 'implementer', 'reviewer', 'navigator'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** What a task is for; set by the planner or the plan's author as a task's `kind:`. */
export const TASK_KINDS = ['design', 'spec', 'implementation', 'tests', 'docs', 'bugfix'] as const;
/** One of {@link TASK_KINDS}. */
export type TaskKind = (typeof TASK_KINDS)[number];

/**
 * The role that runs a task of each kind, unless `roles.kinds` in the config says otherwise
 * (e.g. `kinds: {tests: reviewer}` to have tests written by another agent than the code).
 */
export const KIND_ROLES: Readonly<Record<TaskKind, Role>> = {
  design: 'architect',
  spec: 'architect',
  implementation: 'implementer',
  bugfix: 'implementer',
  tests: 'implementer',
  docs: 'navigator',
};

/** What each role is for, one phrase each (for the planner's prompt and `haco doctor`). */
export const ROLE_PURPOSES: Readonly<Record<Role, string>> = {
  architect: 'designs interfaces and writes specs',
  implementer: 'writes code and tests',
  reviewer: "judges a task's result against its acceptance criteria",
  navigator: 'keeps docs and the map of the code up to date',
};

const agentName = z.string().min(1, 'expected an agent name');

/**
 * Config `roles:`: each role names a configured agent (checked when the config is loaded); a role
 * left out is not mapped and its tasks run on `defaults.agent`. `kinds` overrides
 * {@link KIND_ROLES} for some task kinds.
 */
export const RolesSchema = z
  .strictObject({
    architect: agentName.optional(),
    implementer: agentName.optional(),
    reviewer: agentName.optional(),
    navigator: agentName.optional(),
    kinds: z.partialRecord(z.enum(TASK_KINDS), z.enum(ROLES)).default(() => ({})),
  })
  .prefault({});

/** The `roles` section after validation. */
export type RolesConfig = z.output<typeof RolesSchema>;

/** The role that runs a task of `kind`: `roles.kinds` first, then {@link KIND_ROLES}. */
export function roleForKind(roles: RolesConfig, kind: TaskKind): Role {
  return roles.kinds[kind] ?? KIND_ROLES[kind];
}

/**
 * Lines naming each role's agent and the kinds it runs, for the planner's prompt, e.g.
 * `architect → claude (designs interfaces and writes specs; kinds: design, spec)` or
 * `navigator → defaults.agent "claude" (not mapped; …)`.
 * @param defaultAgent `defaults.agent`, shown for roles that are not mapped
 */
export function describeRoles(roles: RolesConfig, defaultAgent: string | undefined): string[] {
  return ROLES.map((role) => {
    const kinds = TASK_KINDS.filter((kind) => roleForKind(roles, kind) === role);
    const agent = roles[role];
    const who =
      agent !== undefined
        ? agent
        : `defaults.agent${defaultAgent === undefined ? '' : ` "${defaultAgent}"`} (not mapped)`;
    const runs = kinds.length ? `; kinds: ${kinds.join(', ')}` : '';
    return `${role} → ${who} (${ROLE_PURPOSES[role]}${runs})`;
  });
}

/**
 * Roles that name an agent the config does not have, one line each as `roles.ROLE: "NAME" is not
 * one of the configured agents (a, b)`; empty when all are known.
 */
export function unknownRoleAgents(roles: RolesConfig, agents: Readonly<Record<string, unknown>>): string[] {
  const known = Object.keys(agents).join(', ') || 'none';
  return ROLES.flatMap((role) => {
    const agent = roles[role];
    return agent === undefined || agent in agents
      ? []
      : [`roles.${role}: "${agent}" is not one of the configured agents (${known})`];
  });
}

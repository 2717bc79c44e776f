import { roleForKind, type Role } from '../config/roles.js';
import type { Config } from '../config/schema.js';
import type { IssueLine } from '../lib/issues.js';
import type { ParsedTask, RoutingDecision } from './schema.js';

/**
 * Picks the agent of one task (issue 8, point 4), in this order:
 * 1. `agent:` in the plan — reason `agent named in plan`;
 * 2. `role:` in the plan — that role's agent in config `roles:` (`role R named in plan`);
 * 3. `kind:` in the plan — the kind's role (`roles.kinds`, else KIND_ROLES in
 *    src/config/roles.ts) and that role's agent (`role R from kind K`);
 * 4. `defaults.agent` (`defaults.agent`).
 * A role that config `roles:` does not map falls back to `defaults.agent`, and the reason says so
 * (`role navigator from kind docs, not mapped: defaults.agent`).
 * @param at the task's key path for problems, e.g. `tasks[2]`
 * @returns the decision, or the problems (one line each): both `agent` and `role`, no agent at
 *   all, an agent that is not configured
 */
export function routeTask(
  task: ParsedTask,
  at: string,
  config: Config,
): { decision: RoutingDecision } | { problems: IssueLine[] } {
  if (task.agent !== undefined && task.role !== undefined)
    return {
      problems: [
        {
          path: `${at}.role`,
          message: `task "${task.id}" names both agent "${task.agent}" and role "${task.role}"; give one`,
        },
      ],
    };
  let agent: string | undefined;
  let role: Role | undefined;
  let reason: string;
  let where = at;
  let unmapped: Role | undefined;
  if (task.agent !== undefined) {
    agent = task.agent;
    reason = 'agent named in plan';
    where = `${at}.agent`;
  } else {
    let why: string | undefined;
    if (task.role !== undefined) {
      role = task.role;
      why = `role ${role} named in plan`;
    } else if (task.kind !== undefined) {
      role = roleForKind(config.roles, task.kind);
      why = `role ${role} from kind ${task.kind}`;
    }
    const mapped = role === undefined ? undefined : config.roles[role];
    if (mapped !== undefined) {
      agent = mapped;
      reason = why ?? '';
    } else {
      agent = config.defaults.agent;
      reason = why === undefined ? 'defaults.agent' : `${why}, not mapped: defaults.agent`;
      // The role did not pick the agent: record none.
      unmapped = role;
      role = undefined;
    }
  }
  if (agent === undefined)
    return {
      problems: [
        {
          path: `${at}.agent`,
          message: `no agent given and config has no defaults.agent${unmapped === undefined ? '' : ` (roles.${unmapped} is not set)`}`,
        },
      ],
    };
  if (!(agent in config.agents)) {
    const known = Object.keys(config.agents).join(', ') || 'none';
    return { problems: [{ path: where, message: `unknown agent "${agent}" (configured: ${known})` }] };
  }
  return { decision: { task: task.id, agent, ...(role === undefined ? {} : { role }), reason } };
}

/** A routing decision as one line of the run's event log: `routed to codex: role implementer from kind implementation`. */
export function routingLine(decision: RoutingDecision): string {
  return `routed to ${decision.agent}: ${decision.reason}`;
}

import { adapterFor } from '../../agents/registry.js';
import { describeRoles } from '../config/roles.js';
import type { Config } from '../config/schema.js';
import { programProblem } from '../plan/agents-check.js';

/**
 * The planning rules every provider is given (issue 8; research/peers-2026.md §4: split by file
 * dependencies, one owner per hub file, interfaces first).
 */
export const PLANNING_RULES: readonly string[] = [
  'Each task owns an exclusive set of paths ("files": files, directories ending in "/", or globs, relative to the repository root); it may write only those.',
  'Two tasks that can run at the same time must never own overlapping paths; if they must touch the same file, one depends on the other.',
  'Shared hub files (package.json, lock files, an index or barrel file, a router, a central config) are owned by exactly one task; tasks that need them depend on it.',
  'Interfaces, types and specs come first: implementation tasks depend on the task that defines the interface they use.',
  'Split by file dependencies so independent tasks can run in parallel; keep each task small enough for one agent session.',
  'Every task has at least one verify command (a shell command run in the repository root that exits 0 when the task is done) and acceptance criteria.',
  'Use only the configured agents by name in "agent"; never own paths under .git/ or .haco/.',
  'Task ids use letters, digits, - _ . ; "depends_on" names task ids; "version" is 1.',
];

/** The system prompt: the supervisor's job, the rules, the schema and the answer format. */
export function plannerSystem(schema: Readonly<Record<string, unknown>>): string {
  return [
    'You are the supervisor of haco, which runs several AI coding agents on one git repository at the same time.',
    'Turn the user request into a plan of tasks that the agents run in parallel where they can.',
    '',
    'Rules:',
    ...PLANNING_RULES.map((r) => `- ${r}`),
    '',
    'Answer with the plan as ONE JSON object matching this JSON Schema, and nothing else (no prose, no code fence):',
    JSON.stringify(schema),
  ].join('\n');
}

/**
 * The configured agents as the prompt shows them, with what `haco doctor` would find about each
 * program (runnable, or why not): `- claude (claude-code): ready` or `… : \`claude\` not found on PATH`.
 */
export function describeAgents(config: Config, repoRoot: string, path = process.env.PATH ?? ''): string[] {
  return Object.entries(config.agents).map(([name, agent]) => {
    // A draft agent (no process) is checked against its server at validate time, not here.
    const command = adapterFor(agent).program?.command(agent);
    const why =
      command === undefined ? undefined : programProblem(command, repoRoot, agent.env?.PATH ?? path);
    const isDefault = config.defaults.agent === name ? ', the default' : '';
    return `- ${name} (${agent.type}${isDefault}): ${why === undefined ? 'ready' : `\`${command}\` ${why}; do not use it`}`;
  });
}

/** The user message of the first round: request, agents, roles, repository. */
export function plannerPrompt(request: string, config: Config, repoRoot: string, repoText: string): string {
  return [
    `# Request\n${request}`,
    `# Configured agents (what haco doctor found)\n${describeAgents(config, repoRoot).join('\n')}`,
    `# Roles\n${describeRoles(config.roles, config.defaults.agent)
      .map((l) => `- ${l}`)
      .join('\n')}`,
    `# Repository\n${repoText}`,
  ].join('\n\n');
}

/** The user message of a repair round: the first prompt, the bad answer and the validation lines. */
export function repairPrompt(first: string, answer: string, problems: readonly string[]): string {
  return [
    first,
    `# Your previous answer\n${answer}`,
    `# It was refused\n${problems.map((p) => `- ${p}`).join('\n')}`,
    'Answer again with the whole corrected plan as one JSON object.',
  ].join('\n\n');
}

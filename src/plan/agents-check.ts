import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

import { adapterFor } from '../../agents/registry.js';
import type { Config } from '../config/schema.js';
import { HacoError } from '../lib/errors.js';

/** Why a program cannot be started, in a few words; undefined when it can. */
function whyNotRunnable(path: string): string | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return 'not found';
  }
  if (isDirectory) return 'is a directory';
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable (chmod +x it)';
  }
}

/**
 * Why `command` cannot be started the way the pty starts it (execvp): a command with a `/` is a
 * path, relative to the repository root where agents run; any other is looked up in the
 * directories of `PATH` (an empty entry is the current directory, here the repository root).
 * @returns a few words (`not found on PATH`, `is a directory`), or undefined when it can start
 */
export function programProblem(
  command: string,
  repoRoot: string,
  path = process.env.PATH ?? '',
): string | undefined {
  if (command.includes('/')) {
    const why = whyNotRunnable(resolve(repoRoot, command));
    if (why === 'not found' && !isAbsolute(command)) return 'not found (relative to the repository root)';
    return why;
  }
  for (const dir of path.split(delimiter)) {
    if (whyNotRunnable(join(dir === '' ? repoRoot : resolve(repoRoot, dir), command)) === undefined)
      return undefined;
  }
  return 'not found on PATH';
}

/**
 * Checks that every agent a run's tasks use can be started: its program (the config's `command`,
 * or the agent type's default such as `claude`) exists and is executable. Agents no task uses are
 * not checked. Runs before anything is written.
 * @param agents the agent names the tasks use (`plan.tasks.map((t) => t.agent)`), repeats allowed
 * @param path the PATH agents get (haco's own; see src/sessions/child-env.ts)
 * @throws HacoError `agent.unavailable` (exit 2), one line per agent, e.g. `agent "claude"
 *   (claude-code): \`claude\` not found on PATH; install it with npm i -g @anthropic-ai/claude-code,
 *   or set agents.claude.command`
 */
export function assertAgentsRunnable(
  agents: Iterable<string>,
  config: Config,
  repoRoot: string,
  path = process.env.PATH ?? '',
): void {
  const lines: string[] = [];
  for (const name of new Set(agents)) {
    const agent = config.agents[name];
    if (agent === undefined) continue; // checkPlan has refused the plan already
    const { program } = adapterFor(agent);
    if (!program) continue; // a draft agent runs no process: see assertAgentsReady
    const command = program.command(agent);
    // The agent's own `env: {PATH: …}` is the PATH its pty looks the command up in.
    const why = programProblem(command, repoRoot, agent.env?.PATH ?? path);
    if (why === undefined) continue;
    const fix = program.install
      ? `install it with ${program.install}, or set agents.${name}.command`
      : `check agents.${name}.command`;
    lines.push(`agent "${name}" (${agent.type}): \`${command}\` ${why}; ${fix}`);
  }
  if (lines.length) throw new HacoError('agent.unavailable', lines);
}

/**
 * Checks that every draft agent (no process, e.g. `ollama`) a run's tasks use can answer: its own
 * check, such as its model being on its server, in parallel. Agents no task uses, and agents with
 * a process (see {@link assertAgentsRunnable}), are not asked. Runs before anything is written.
 * @param agents the agent names the tasks use, repeats allowed
 * @throws HacoError `agent.unavailable` (exit 2), one line per agent, e.g. `agent "local" (ollama):
 *   model "qwen" not found on http://127.0.0.1:11434; the server has: stub-model`
 */
export async function assertAgentsReady(agents: Iterable<string>, config: Config): Promise<void> {
  const checks = [...new Set(agents)].map(async (name) => {
    const agent = config.agents[name];
    if (agent === undefined) return undefined;
    const { completion } = adapterFor(agent);
    if (completion.kind !== 'draft') return undefined;
    const why = await completion.check(agent);
    return why === undefined ? undefined : `agent "${name}" (${agent.type}): ${why}`;
  });
  const lines = (await Promise.all(checks)).filter((line): line is string => line !== undefined);
  if (lines.length) throw new HacoError('agent.unavailable', lines);
}

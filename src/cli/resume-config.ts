import { reloadRunConfig } from '../config/secrets.js';
import { assertAgentsRunnable } from '../plan/agents-check.js';
import type { DriveOptions, Orchestrator } from '../orchestrator/orchestrator.js';

/**
 * What `haco resume RUN [--config FILE]` and `haco-tui --resume RUN [--config FILE]` drive a run
 * with: its configuration reloaded from its layers (FILE replaces the stored `--config`), stored
 * back (redacted) with the new layers, and a failed run reopened. A run whose config was built in
 * code (no layers stored) keeps its stored copy unless FILE is given.
 * @throws ConfigError one line, exit 2, when the reloaded config is invalid or lacks an agent the
 *   run's tasks use, and HacoError `agent.unavailable` when such an agent's program cannot start;
 *   nothing is written then
 */
export function resumeOptions(
  core: Orchestrator,
  runId: string,
  configFile: string | undefined,
): DriveOptions {
  const stored = core.db.runConfigLayers(runId);
  if (stored === null && configFile === undefined) return { reopenFailed: true };
  const agents = core.db.getTasks(runId).map((t) => t.agent);
  const { config, layers } = reloadRunConfig(runId, core.repoRoot, stored, configFile, agents);
  // A fixed agent command is the usual reason to resume with --config: check it can start.
  assertAgentsRunnable(agents, config, core.repoRoot);
  return { config, configLayers: layers, reopenFailed: true };
}

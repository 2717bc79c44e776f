import { join } from 'node:path';

import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { loadPlan } from '../../src/plan/validate.js';
import type { TempRepo } from './repo.js';

/**
 * Opens an in-process orchestrator on a temp repo and creates a run of `planFile` with
 * `configFile` (both repo-relative), reading only the repo's own HOME; the plan is approved at
 * once unless `autoApprove` is false. The caller closes `core`.
 */
export async function openRun(
  repo: TempRepo,
  options: { configFile?: string; planFile?: string; autoApprove?: boolean } = {},
): Promise<{ core: Orchestrator; runId: string; config: Config }> {
  const configFile = join(repo.root, options.configFile ?? 'cfg.yaml');
  const { config, files } = loadConfig({ repoRoot: repo.root, home: repo.home, configFile });
  const plan = loadPlan(join(repo.root, options.planFile ?? 'plan.yaml'), config, repo.root);
  const core = await Orchestrator.open(repo.root);
  // The layers are stored so that `haco resume` (which reloads them) can continue the run.
  const runId = await core.createRun(plan, config, {
    autoApprove: options.autoApprove ?? true,
    configLayers: { files, configFile },
  });
  return { core, runId, config };
}

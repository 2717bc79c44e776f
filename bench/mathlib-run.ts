import { join } from 'node:path';

import { loadConfig } from '../src/config/load.js';
import { Orchestrator } from '../src/orchestrator/orchestrator.js';
import { loadPlan } from '../src/plan/validate.js';
import { makeRepo } from '../test/helpers/repo.js';

/**
 * Runs the mathlib example plan in-process `rounds` times.
 * @returns wall time per run and how long the two independent agents overlapped, ms
 */
export async function measureMathlibRun(rounds: number): Promise<{ wallMs: number[]; overlapMs: number[] }> {
  const wallMs: number[] = [];
  const overlapMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const repo = makeRepo({ example: 'mathlib' });
    const { config } = loadConfig({
      repoRoot: repo.root,
      home: repo.home,
      configFile: join(repo.root, 'haco.yaml'),
    });
    const plan = loadPlan(join(repo.root, 'plan.yaml'), config, repo.root);
    const core = await Orchestrator.open(repo.root);
    try {
      const runId = await core.createRun(plan, config, { autoApprove: true });
      const started = Date.now();
      const status = await core.drive(runId);
      if (status !== 'completed') throw new Error(`mathlib run ended ${status}`);
      wallMs.push(Date.now() - started);
      const attempts = core.db.getAttempts(runId);
      const first = (id: string) => attempts.find((a) => a.taskId === id && a.n === 1);
      const a = first('add');
      const m = first('multiply');
      if (a?.agentEndedAt && m?.agentEndedAt) {
        overlapMs.push(Math.min(a.agentEndedAt, m.agentEndedAt) - Math.max(a.startedAt, m.startedAt));
      }
    } finally {
      core.close();
      repo.dispose();
    }
  }
  return { wallMs, overlapMs };
}

import { makeRepo } from '../test/helpers/repo.js';
import { openRun } from '../test/helpers/run.js';

/**
 * Runs the mathlib example plan in-process `rounds` times.
 * @returns wall time per run and how long the two independent agents overlapped, ms
 */
export async function measureMathlibRun(rounds: number): Promise<{ wallMs: number[]; overlapMs: number[] }> {
  const wallMs: number[] = [];
  const overlapMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const repo = makeRepo({ example: 'mathlib' });
    const { core, runId } = await openRun(repo, { configFile: 'haco.yaml' });
    try {
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

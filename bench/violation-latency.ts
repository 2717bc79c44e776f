import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeRepo } from '../test/helpers/repo.js';
import { openRun } from '../test/helpers/run.js';

/** Limit from the ownership issue: a violation becomes a breakpoint within 1 s of the write. */
export const LIMIT_MS = 1000;

// The time is taken just before the write, so the figure is an upper bound (it includes `date`).
const ROGUE = `#!/bin/sh
printf 'mine\\n' > mine.txt
date +%s%3N >> "$ROGUE_LOG"; printf 'x\\n' > stray.txt
sleep 30
`;

/**
 * Measures the time from a rogue agent's write of an unowned file to the ownership_violation
 * breakpoint being recorded, over `rounds` runs.
 * @returns latencies in ms
 */
export async function measureViolationLatency(rounds: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const logDir = mkdtempSync(join(tmpdir(), 'haco-bench-'));
    const log = join(logDir, 'w.log');
    const repo = makeRepo({
      files: {
        'rogue.sh': ROGUE,
        'cfg.yaml': `agents:\n  rogue: { type: command, command: ./rogue.sh, env: { ROGUE_LOG: "${log}" } }\ndefaults: { agent: rogue }\n`,
        'plan.yaml': 'version: 1\ngoal: bench\ntasks:\n  - { id: r, files: [mine.txt], prompt: go }\n',
      },
      executables: ['rogue.sh'],
    });
    const { core, runId } = await openRun(repo);
    try {
      await core.drive(runId);
      const bp = core.db.getBreakpoints(runId).find((b) => b.kind === 'ownership_violation');
      const wrote = Number(readFileSync(log, 'utf8').trim());
      if (!bp) throw new Error('no violation breakpoint');
      latencies.push(bp.createdAt - wrote);
    } finally {
      core.close();
      repo.dispose();
      rmSync(logDir, { recursive: true, force: true });
    }
  }
  return latencies;
}

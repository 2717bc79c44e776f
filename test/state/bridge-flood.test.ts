import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { connectBridge } from '../../src/state/bridge.js';
import { createDashboardStore } from '../../src/state/store.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';
import { openRun } from '../helpers/run.js';

/** A real agent that floods its pty for about two seconds, then writes its owned file. */
const FLOOD_AGENT = `#!/bin/sh
end=$(( $(date +%s) + 2 ))
while [ "$(date +%s)" -lt "$end" ]; do seq -f "flood $HACO_TASK_ID line %g" 1 5000; done
printf '%s\\n' "$HACO_OWNED_FILES" | while read -r f; do echo "$HACO_TASK_ID" > "$f"; done
`;

describe('bridge under a real flood', () => {
  let repo: TempRepo;

  beforeEach(() => {
    const plan =
      'version: 1\ngoal: flood\ntasks:\n' +
      ['a', 'b']
        .map((id) => `  - { id: ${id}, files: [${id}.txt], prompt: flood, verify: ["test -f ${id}.txt"] }\n`)
        .join('');
    repo = makeRepo({
      files: {
        'flood.sh': FLOOD_AGENT,
        'cfg.yaml': 'agents:\n  flood: { type: command, command: ./flood.sh }\ndefaults: { agent: flood }\n',
        'plan.yaml': plan,
      },
      executables: ['flood.sh'],
    });
  });

  afterEach(() => repo.dispose());

  it('keeps store updates at or under 30 a second while two agents flood their ptys', async () => {
    const { core: orchestrator, runId } = await openRun(repo);
    const store = createDashboardStore();
    store.getState().resizeScreen(160, 45);
    let outputs = 0;
    orchestrator.events.on('attempt:started', ({ taskId }) => {
      orchestrator.sessions.get(taskId)?.session.onChange(() => (outputs += 1));
    });
    const updates: number[] = [];
    store.subscribe(() => updates.push(performance.now()));
    const bridge = connectBridge({ core: orchestrator, runId, store, onQuit: () => undefined });
    const started = performance.now();
    const status = await orchestrator.drive(runId, { waitForAnswers: true });
    const seconds = (performance.now() - started) / 1000;
    bridge.flush();
    bridge.dispose();
    orchestrator.close();

    expect(status).toBe('completed');
    // The busiest single second of the run:
    const peak = Math.max(...updates.map((t) => updates.filter((u) => u >= t && u < t + 1000).length));
    console.info(
      `flood: ${outputs} screen changes in ${seconds.toFixed(1)} s -> ${updates.length} store updates ` +
        `(${(updates.length / seconds).toFixed(1)}/s average, ${peak} in the busiest second)`,
    );
    expect(outputs).toBeGreaterThan(updates.length * 3);
    expect(peak).toBeLessThanOrEqual(30);
    expect(store.getState().panes.a?.lines.join('\n')).toContain('flood a line');
    expect(store.getState().tasks.map((t) => t.status)).toEqual(['done', 'done']);
  });
});

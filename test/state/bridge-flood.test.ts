import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load.js';
import { Orchestrator } from '../../src/orchestrator/orchestrator.js';
import { loadPlan } from '../../src/plan/validate.js';
import { connectBridge } from '../../src/state/bridge.js';
import { createDashboardStore } from '../../src/state/store.js';

/** A real agent that floods its pty for about two seconds, then writes its owned file. */
const FLOOD_AGENT = `#!/bin/sh
end=$(( $(date +%s) + 2 ))
while [ "$(date +%s)" -lt "$end" ]; do seq -f "flood $HACO_TASK_ID line %g" 1 5000; done
printf '%s\\n' "$HACO_OWNED_FILES" | while read -r f; do echo "$HACO_TASK_ID" > "$f"; done
`;

describe('bridge under a real flood', () => {
  let root: string;
  let repo: string;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'haco-flood-')));
    repo = join(root, 'repo');
    mkdirSync(repo);
    mkdirSync(join(root, 'home'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo });
    git('init', '-q');
    git('config', 'user.name', 'test');
    git('config', 'user.email', 'test@example.com');
    writeFileSync(join(repo, 'flood.sh'), FLOOD_AGENT);
    chmodSync(join(repo, 'flood.sh'), 0o755);
    writeFileSync(
      join(repo, 'cfg.yaml'),
      'agents:\n  flood: { type: command, command: ./flood.sh }\ndefaults: { agent: flood }\n',
    );
    writeFileSync(
      join(repo, 'plan.yaml'),
      'version: 1\ngoal: flood\ntasks:\n' +
        ['a', 'b']
          .map(
            (id) => `  - { id: ${id}, files: [${id}.txt], prompt: flood, verify: ["test -f ${id}.txt"] }\n`,
          )
          .join(''),
    );
    git('add', '.');
    git('commit', '-qm', 'init');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps store updates at or under 30 a second while two agents flood their ptys', async () => {
    const { config } = loadConfig({
      repoRoot: repo,
      home: join(root, 'home'),
      configFile: join(repo, 'cfg.yaml'),
    });
    const plan = loadPlan(join(repo, 'plan.yaml'), config, repo);
    const orchestrator = await Orchestrator.open(repo);
    const runId = await orchestrator.createRun(plan, config, { autoApprove: true });
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

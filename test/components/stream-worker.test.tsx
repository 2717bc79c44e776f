import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { App } from '../../components/App.js';
import { loadConfig } from '../../src/config/load.js';
import { StateDb } from '../../src/db/state-db.js';
import { TypedEmitter } from '../../src/lib/typed-emitter.js';
import type { CoreEvents } from '../../src/orchestrator/events.js';
import type { Plan } from '../../src/plan/schema.js';
import { StreamSession } from '../../src/sessions/stream-session.js';
import type { WorkerSession } from '../../src/sessions/worker-session.js';
import { connectBridge, type BridgeCore } from '../../src/state/bridge.js';
import { createDashboardStore } from '../../src/state/store.js';
import { ansiTheme } from '../../themes/index.js';

describe('a worker without a process on the dashboard', () => {
  let dir: string;
  let db: StateDb;
  const runId = 'r1';

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'haco-stream-worker-'));
    db = new StateDb(join(dir, 'state.db'));
    const plan: Plan = {
      version: 1,
      goal: 'a local draft',
      tasks: [
        {
          id: 'draft',
          title: 'draft',
          agent: 'local',
          files: ['src/a.ts'],
          dependsOn: [],
          prompt: 'draft it',
          acceptance: [],
          verify: [],
          timeoutMs: 60_000,
          retries: 0,
        },
      ],
    };
    const { config } = loadConfig({ home: dir });
    const now = Date.now();
    db.createRun({
      id: runId,
      plan,
      planFile: null,
      config,
      status: 'running',
      baseHead: null,
      concurrency: 1,
      now,
    });
    db.setTaskStatus(runId, 'draft', 'running', now);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is sized, snapshotted and drawn in its pane by the bridge’s frame loop, like a pty session', async () => {
    const session: WorkerSession = new StreamSession();
    const core: BridgeCore = {
      events: new TypedEmitter<CoreEvents>(),
      sessions: new Map([['draft', { attempt: 1, session }]]),
      db,
      answer: () => undefined,
      interrupt: () => undefined,
    };
    const store = createDashboardStore();
    store.getState().resizeScreen(120, 30);
    const bridge = connectBridge({ core, runId, store, onQuit: () => undefined });
    const view = render(<App store={store} dispatch={() => undefined} theme={ansiTheme} />);
    try {
      session.display('● streamed reply, no process behind it\n');
      await vi.waitFor(() => {
        bridge.flush();
        const pane = store.getState().panes.draft;
        expect(pane?.lines.join('\n')).toContain('streamed reply, no process behind it');
        // The bridge sized the session to its pane: every line exactly the pane's inner width.
        expect(pane?.cols).toBeLessThan(120);
        for (const line of pane?.lines ?? [])
          expect(stripVTControlCharacters(line)).toHaveLength(pane?.cols ?? 0);
      });
      await vi.waitFor(() =>
        expect(stripVTControlCharacters(view.lastFrame() ?? '')).toContain(
          '● streamed reply, no process behind it',
        ),
      );
    } finally {
      view.unmount();
      bridge.dispose();
      session.dispose();
    }
  });
});

import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';

import { DashboardContext } from '../../components/dashboard-context.js';
import type { Command } from '../../src/state/bridge.js';
import {
  createDashboardStore,
  type DashboardData,
  type DashboardStore,
  type DiffView,
  type TaskView,
} from '../../src/state/store.js';
import { ansiTheme } from '../../themes/index.js';

/** Epoch ms used as "now" in every fixture. */
export const NOW = Date.UTC(2026, 10, 3, 12, 0, 0);

/** A task view with defaults for everything not given. */
export function task(id: string, extra: Partial<TaskView> = {}): TaskView {
  return {
    id,
    title: `do ${id}`,
    agent: 'fake',
    status: 'pending',
    dependsOn: [],
    attempts: 0,
    startedAt: null,
    endedAt: null,
    error: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: null,
    ...extra,
  };
}

/** A 4-task run one minute in: schema done, api running, db running, ui waiting on both. */
export function sampleData(): Partial<DashboardData> {
  return {
    run: {
      id: '7f3a5b2c',
      goal: 'add auth',
      status: 'running',
      createdAt: NOW - 70_000,
      startedAt: NOW - 65_000,
      endedAt: null,
      costUsd: 0.42,
      inputTokens: 0,
      outputTokens: 0,
    },
    tasks: [
      task('schema', {
        status: 'done',
        agent: 'cmd',
        attempts: 1,
        startedAt: NOW - 65_000,
        endedAt: NOW - 50_000,
      }),
      task('api-auth', { status: 'running', agent: 'claude', attempts: 1, startedAt: NOW - 72_000 }),
      task('db', { status: 'running', agent: 'codex', attempts: 1, startedAt: NOW - 48_000 }),
      task('ui', { dependsOn: ['api-auth', 'db'] }),
    ],
    clock: NOW,
    ui: {
      focusedTaskId: undefined,
      selectedBreakpoint: 0,
      confirmQuit: false,
      isQuitting: false,
      notice: undefined,
      cols: 100,
      rows: 30,
      isDiffShown: true,
      diffPath: undefined,
    },
  };
}

/** The diff of sampleData's api-auth task: two changed files, the first one selected. */
export function sampleDiff(): DiffView {
  return {
    taskId: 'api-auth',
    files: [
      { path: 'src/api/auth.ts', added: 3, removed: 1 },
      { path: 'src/api/routes.ts', added: 1, removed: 0 },
    ],
    selectedPath: 'src/api/auth.ts',
    hunks: [
      {
        oldStart: 1,
        oldLines: 4,
        newStart: 1,
        newLines: 6,
        lines: [
          " import { db } from './db';",
          '-export const login = () => null;',
          '+export function login(user: string) {',
          '+  return db.find(user);',
          '+}',
          ' ',
          ' export default login;',
        ],
      },
    ],
    hiddenLines: 0,
    isBinary: false,
    error: null,
  };
}

/** Renders `element` inside a dashboard context on `store`; commands land in `commands`. */
export function renderWith(
  element: ReactElement,
  store: DashboardStore = createDashboardStore(sampleData()),
) {
  const commands: Command[] = [];
  const value = { store, dispatch: (c: Command) => void commands.push(c), theme: ansiTheme };
  const view = render(<DashboardContext.Provider value={value}>{element}</DashboardContext.Provider>);
  return { ...view, store, commands };
}

// eslint-disable-next-line no-control-regex -- removing SGR sequences is the point
const SGR = /\x1b\[[0-9;]*m/g;

/** A frame without its colours, for asserting on text and layout. */
export function plain(frame: string | undefined): string {
  return (frame ?? '').replace(SGR, '');
}

/** Resolves once `predicate` holds, checking every 5 ms; rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

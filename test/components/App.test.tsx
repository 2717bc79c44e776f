import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';

import { App } from '../../components/App.js';
import type { Command } from '../../src/state/bridge.js';
import { createDashboardStore, type DashboardStore } from '../../src/state/store.js';
import { ansiTheme } from '../../themes/index.js';
import { plain, sampleData, sampleDiff, task, until } from './fixtures.js';

const planApproval = {
  id: 1,
  taskId: null,
  kind: 'plan_approval',
  message: 'approve the plan "add auth": 4 task(s)',
  answers: ['approve', 'reject'],
} as const;

/** Renders the whole dashboard and waits until Ink listens to keys (useInput subscribes in an effect). */
async function mount(store: DashboardStore) {
  const commands: Command[] = [];
  const view = render(<App store={store} dispatch={(c) => void commands.push(c)} theme={ansiTheme} />);
  await until(() => view.stdin.listenerCount('readable') > 0);
  return { ...view, commands, screen: () => plain(view.lastFrame()) };
}

describe('App', () => {
  it('draws plan, workers, the diff under them, breakpoint and status in rows − 1 lines', async () => {
    const store = createDashboardStore({ ...sampleData(), breakpoints: [planApproval], diff: sampleDiff() });
    const { screen, unmount } = await mount(store);
    expect(screen().split('\n')).toHaveLength(29);
    expect(screen()).toMatchInlineSnapshot(`
      "┌ Plan · add auth ───────┐┌ 2 api-auth · claude · 1m12s ───────────────────────────────────────────┐
      │✔ 1 schema           cmd││                                                                        │
      │⠋ 2 api-auth      claude││                                                                        │
      │⠋ 3 db             codex││                                                                        │
      │◌ 4 ui              fake││                                                                        │
      │    after api-auth, db  ││                                                                        │
      │                        ││                                                                        │
      │                        │└────────────────────────────────────────────────────────────────────────┘
      │                        │┌ 3 db · codex · 48s ────────────────────────────────────────────────────┐
      │                        ││                                                                        │
      │                        ││                                                                        │
      │                        ││                                                                        │
      │                        ││                                                                        │
      │                        ││                                                                        │
      │                        ││                                                                        │
      │                        │└────────────────────────────────────────────────────────────────────────┘
      │                        │┌ Diff · api-auth · src/api/auth.ts +3 −1 · file 1 of 2 ─────────────────┐
      │                        ││▸ src/api/auth.ts    +3 −1                                              │
      │                        ││  src/api/routes.ts  +1 −0                                              │
      │                        ││@@ -1,4 +1,6 @@                                                         │
      │                        ││ import { db } from './db';                                             │
      │                        ││-export const login = () => null;                                       │
      │                        ││+export function login(user: string) {                                  │
      │                        ││+  return db.find(user);                                                │
      │                        ││+}                                                                      │
      │                        ││… 2 more lines                                                          │
      └────────────────────────┘└────────────────────────────────────────────────────────────────────────┘
      ▌BREAKPOINT 1 of 1 · approve the plan "add auth": 4 task(s)                     a approve · r reject
       run 7f3a5b2c · 1 waiting on you · 1/4 done · $0… tab pane · 1-9 worker · d diff · , . file · q quit"
    `);
    unmount();
  });

  it('answers the selected breakpoint with a and r', async () => {
    const store = createDashboardStore({ ...sampleData(), breakpoints: [planApproval] });
    const { stdin, commands, unmount } = await mount(store);
    stdin.write('a');
    await until(() => commands.length === 1);
    expect(commands[0]).toEqual({ type: 'breakpoint/answer', id: 1, answer: 'approve' });
    stdin.write('r');
    await until(() => commands.length === 2);
    expect(commands[1]).toEqual({ type: 'breakpoint/answer', id: 1, answer: 'reject' });
    unmount();
  });

  it('offers grant, revert and keep for an ownership violation, and m answers keep', async () => {
    const violation = {
      id: 2,
      taskId: 'db',
      kind: 'ownership_violation',
      message: 'db wrote notes.md (not owned by any task)',
      answers: ['approve', 'reject', 'keep'],
    } as const;
    const owned = { ...violation, id: 3, answers: ['reject', 'keep'] } as const;
    const store = createDashboardStore({ ...sampleData(), breakpoints: [violation, owned] });
    const { stdin, commands, screen, unmount } = await mount(store);
    expect(screen()).toContain('a grant · r revert · m keep as mine · [ ] select');
    stdin.write('m');
    await until(() => commands.length === 1);
    expect(commands[0]).toEqual({ type: 'breakpoint/answer', id: 2, answer: 'keep' });
    // A path some task owns cannot be granted: no `a` on that breakpoint, and the key does nothing.
    stdin.write(']');
    await until(() => !screen().includes('a grant'));
    expect(screen()).toContain('r revert · m keep as mine');
    stdin.write('a');
    stdin.write('r');
    await until(() => commands.length === 2);
    expect(commands[1]).toEqual({ type: 'breakpoint/answer', id: 3, answer: 'reject' });
    unmount();
  });

  it('asks before quitting while agents run; n stays, y quits', async () => {
    const store = createDashboardStore(sampleData());
    const { stdin, commands, screen, unmount } = await mount(store);
    stdin.write('q');
    await until(() => screen().includes('quit? 2 agents are running'));
    expect(commands).toEqual([]);
    stdin.write('n');
    await until(() => !screen().includes('quit?'));
    stdin.write('q');
    await until(() => screen().includes('quit?'));
    stdin.write('y');
    await until(() => commands.length === 1);
    expect(commands[0]).toEqual({ type: 'app/quit' });
    unmount();
  });

  it('quits at once when no agent runs', async () => {
    const store = createDashboardStore({ ...sampleData(), tasks: [task('a', { status: 'done' })] });
    store.getState().finish({ status: 'completed', message: 'run completed' });
    const { stdin, commands, screen, unmount } = await mount(store);
    expect(screen()).toContain('run completed');
    stdin.write('q');
    await until(() => commands.length === 1);
    expect(commands[0]).toEqual({ type: 'app/quit' });
    unmount();
  });

  it('focuses workers with tab and with their plan number', async () => {
    const store = createDashboardStore(sampleData());
    const focused: Array<string | undefined> = [];
    store.subscribe(
      (s, prev) => s.ui.focusedTaskId !== prev.ui.focusedTaskId && focused.push(s.ui.focusedTaskId),
    );
    const { stdin, unmount } = await mount(store);
    stdin.write('\t');
    await until(() => store.getState().ui.focusedTaskId === 'api-auth');
    stdin.write('\t');
    await until(() => store.getState().ui.focusedTaskId === 'db');
    stdin.write('1');
    await until(() => store.getState().ui.focusedTaskId === 'schema');
    stdin.write('4'); // "ui" has not started: nothing to focus
    stdin.write('3');
    await until(() => store.getState().ui.focusedTaskId === 'db');
    expect(focused).toEqual(['api-auth', 'db', 'schema', 'db']);
    unmount();
  });

  it('hides and shows the diff pane with d, and picks the changed file with , and .', async () => {
    const store = createDashboardStore({ ...sampleData(), diff: sampleDiff() });
    const { stdin, screen, unmount } = await mount(store);
    expect(screen()).toContain('Diff · api-auth · src/api/auth.ts +3 −1');
    expect(screen()).toContain('d diff · , . file · q quit');
    stdin.write('d');
    await until(() => !screen().includes('Diff ·'));
    // The worker panes take the whole height again.
    expect(
      screen()
        .split('\n')
        .filter((l) => l.includes('└')).length,
    ).toBe(2);
    stdin.write('d');
    await until(() => screen().includes('Diff · api-auth'));
    stdin.write('.');
    await until(() => store.getState().ui.diffPath === 'src/api/routes.ts');
    await until(() => screen().includes('Diff · api-auth · src/api/routes.ts +1 −0 · file 2 of 2'));
    stdin.write('.');
    await until(() => store.getState().ui.diffPath === 'src/api/auth.ts');
    stdin.write(',');
    await until(() => store.getState().ui.diffPath === 'src/api/routes.ts');
    unmount();
  });
});

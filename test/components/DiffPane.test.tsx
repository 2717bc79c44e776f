import { describe, expect, it, vi } from 'vitest';

// Colours on: Ink's chalk picks its level when first imported, and this file's worker has no TTY.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import { DiffPane, diffColour } from '../../components/DiffPane.js';
import { cells } from '../../components/text-fit.js';
import { createDashboardStore, type DiffView } from '../../src/state/store.js';
import { ansiTheme, darkTheme } from '../../themes/index.js';
import { plain, renderWith, sampleData, sampleDiff, until } from './fixtures.js';

/** SGR foreground codes of the ansi theme's diff tokens (chalk: green 32, red 31, magenta 35, gray 90). */
const SGR = { green: '\x1b[32m', red: '\x1b[31m', magenta: '\x1b[35m', gray: '\x1b[90m' } as const;

/** The frame's lines that contain `text`, with their colour codes. */
const linesWith = (frame: string, text: string): string[] =>
  frame.split('\n').filter((line) => plain(line).includes(text));

function storeWith(
  diff: DiffView | undefined,
  extra: Partial<Parameters<typeof createDashboardStore>[0]> = {},
) {
  return createDashboardStore({ ...sampleData(), ...(diff ? { diff } : {}), ...extra });
}

describe('DiffPane', () => {
  it('titles the pane with task, file and counts, lists the files, then the coloured diff', () => {
    const { lastFrame } = renderWith(<DiffPane />, storeWith(sampleDiff()));
    const raw = lastFrame() ?? '';
    const frame = plain(raw);
    expect(frame).toContain('┌ Diff · api-auth · src/api/auth.ts +3 −1 · file 1 of 2 ─');
    expect(frame).toMatch(/▸ src\/api\/auth\.ts +\+3 −1/);
    expect(frame).toMatch(/ {2}src\/api\/routes\.ts +\+1 −0/);
    expect(frame).toContain('@@ -1,4 +1,6 @@');
    // Meaning through the theme: + lines in diff.added, - lines in diff.removed, headers in diff.hunk.
    expect(ansiTheme.diff).toMatchObject({ added: 'green', removed: 'red', hunk: 'magenta', meta: 'gray' });
    expect(linesWith(raw, '+export function login(user: string) {')[0]).toContain(SGR.green);
    expect(linesWith(raw, '+  return db.find(user);')[0]).toContain(SGR.green);
    expect(linesWith(raw, '-export const login = () => null;')[0]).toContain(SGR.red);
    expect(linesWith(raw, '-export const login')[0]).not.toContain(SGR.green);
    expect(linesWith(raw, '@@ -1,4 +1,6 @@')[0]).toContain(SGR.magenta);
    const context = linesWith(raw, "import { db } from './db';")[0];
    expect(context).not.toContain(SGR.green);
    expect(context).not.toContain(SGR.red);
    // The counts in the file list are coloured too.
    const row = linesWith(raw, 'src/api/routes.ts')[0] ?? '';
    expect(row).toContain(`${SGR.green}+1`);
    expect(row).toContain(`${SGR.red}−0`);
  });

  it('maps every diff tone to its theme token', () => {
    expect(diffColour(darkTheme, 'added')).toBe(darkTheme.diff.added);
    expect(diffColour(darkTheme, 'removed')).toBe(darkTheme.diff.removed);
    expect(diffColour(darkTheme, 'hunk')).toBe(darkTheme.diff.hunk);
    expect(diffColour(darkTheme, 'meta')).toBe(darkTheme.diff.meta);
    expect(diffColour(darkTheme, 'context')).toBeUndefined();
  });

  it('draws every line exactly the pane width, under the worker panes', () => {
    const frame = plain(renderWith(<DiffPane />, storeWith(sampleDiff())).lastFrame());
    const lines = frame.split('\n');
    expect(lines).toHaveLength(11); // 40 % of the 27-row body
    for (const line of lines) expect(cells(line)).toBe(74);
    expect(frame).toMatchInlineSnapshot(`
      "┌ Diff · api-auth · src/api/auth.ts +3 −1 · file 1 of 2 ─────────────────┐
      │▸ src/api/auth.ts    +3 −1                                              │
      │  src/api/routes.ts  +1 −0                                              │
      │@@ -1,4 +1,6 @@                                                         │
      │ import { db } from './db';                                             │
      │-export const login = () => null;                                       │
      │+export function login(user: string) {                                  │
      │+  return db.find(user);                                                │
      │+}                                                                      │
      │… 2 more lines                                                          │
      └────────────────────────────────────────────────────────────────────────┘"
    `);
  });

  it('keeps wide characters, tabs and control characters inside the pane', () => {
    const diff: DiffView = {
      ...sampleDiff(),
      hunks: [
        {
          oldStart: 1,
          oldLines: 0,
          newStart: 1,
          newLines: 3,
          lines: ['+\tindented', `+${'漢字'.repeat(60)}`, '+evil \x1b[2J escape\r'],
        },
      ],
    };
    const frame = plain(renderWith(<DiffPane />, storeWith(diff)).lastFrame());
    for (const line of frame.split('\n')) expect(cells(line)).toBe(74);
    expect(frame).toContain('@@ -0,0 +1,3 @@');
    expect(frame).toContain('│+    indented'); // a tab is 4 cells of the file's own line
    expect(frame).toContain('+evil �[2J escape�');
    expect(frame).toMatch(/│\+(漢字)+漢?…│/); // a wide character that does not fit becomes …
  });

  it('says when there is nothing to show yet, and when a file is binary', async () => {
    const { lastFrame, store } = renderWith(<DiffPane />, storeWith(undefined));
    expect(plain(lastFrame())).toContain('┌ Diff · api-auth ─');
    expect(plain(lastFrame())).toContain('reading the diff…');
    store.getState().applyFrame({ diff: { ...sampleDiff(), files: [], selectedPath: undefined, hunks: [] } });
    await until(() => plain(lastFrame()).includes('no changes yet'));
    store.getState().applyFrame({ diff: { ...sampleDiff(), hunks: [], isBinary: true } });
    await until(() => plain(lastFrame()).includes('binary file: no line diff'));
    expect(linesWith(lastFrame() ?? '', 'binary file')[0]).toContain(SGR.gray);
  });

  it('follows the focused task, and shows the picked file once its diff is read', async () => {
    const { lastFrame, store } = renderWith(<DiffPane />, storeWith(sampleDiff()));
    store.getState().selectDiffFile(1);
    await until(() => plain(lastFrame()).includes('Diff · api-auth · src/api/routes.ts +1 −0 · file 2 of 2'));
    expect(plain(lastFrame())).toContain('▸ src/api/routes.ts');
    expect(plain(lastFrame())).toContain('reading the diff…'); // the hunks are still auth.ts's
    store.getState().focusTask('db');
    await until(() => plain(lastFrame()).includes('┌ Diff · db ─'));
    expect(store.getState().ui.diffPath).toBeUndefined();
  });

  it('is not drawn while hidden', () => {
    const store = storeWith(sampleDiff());
    store.getState().toggleDiff();
    expect(renderWith(<DiffPane />, store).lastFrame()).toBe('');
  });
});

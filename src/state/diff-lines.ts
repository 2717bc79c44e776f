import { cells, fit, printable, truncate } from '../lib/text-fit.js';
import type { DiffFileView, DiffHunkView, DiffView } from './store.js';

/** What a piece of a diff line is; each maps to a theme token (`diff.added`, …) in the pane. */
export type DiffTone = 'added' | 'removed' | 'hunk' | 'meta' | 'context' | 'file' | 'selected';

/** A run of text drawn in one tone. */
export interface DiffSegment {
  readonly text: string;
  readonly tone: DiffTone;
}

/** One screen line of the diff pane: segments whose widths add up to exactly the inner width. */
export type DiffLine = readonly DiffSegment[];

/** The diff pane, ready to draw. */
export interface DiffPaneView {
  /** `Diff · <task> · <path> +N −M` (`· file 2 of 3` with several files). */
  readonly title: string;
  /** Outer size, cells (borders included). */
  readonly width: number;
  readonly height: number;
  /** At most height − 2 lines, each exactly width − 2 cells. */
  readonly lines: readonly DiffLine[];
}

/** What {@link diffPaneView} lays out. */
export interface DiffPaneInput {
  /** The task the pane is for (the focused one). */
  readonly taskId: string;
  /** What the bridge last read; may still be another task's or another file's. */
  readonly diff: DiffView | undefined;
  /** The file the user picked, if any. */
  readonly wantedPath: string | undefined;
  readonly width: number;
  readonly height: number;
}

/**
 * Lays out the diff pane: the title names the task and the selected file with its counts; the
 * body lists the changed files (`▸` marks the selected one; at most a third of the rows, a
 * window around the selection), then the selected file's hunks (`@@ -a,b +c,d @@` headers, `+` /
 * `-` / context lines) until the pane is full, ending in `… N more lines` when they do not fit.
 * File text is made printable (tabs expanded, control characters replaced) and every line is cut
 * or padded to exactly the inner width (string-width cells), so the pane never wraps.
 */
export function diffPaneView({ taskId, diff, wantedPath, width, height }: DiffPaneInput): DiffPaneView {
  const inner = Math.max(1, width - 2);
  const rows = Math.max(1, height - 2);
  const frame = (title: string, lines: DiffLine[]): DiffPaneView => ({
    title,
    width,
    height,
    lines: lines.slice(0, rows).map((line) => fitSegments(line, inner)),
  });
  const plain = `Diff · ${taskId}`;
  if (!diff || diff.taskId !== taskId) return frame(plain, [[meta('reading the diff…')]]);
  if (diff.error !== null) return frame(plain, [[meta(`cannot show the diff: ${diff.error}`)]]);
  const { files } = diff;
  const shownPath = files.some((f) => f.path === wantedPath) ? wantedPath : diff.selectedPath;
  const at = Math.max(
    0,
    files.findIndex((f) => f.path === shownPath),
  );
  const selected = files[at];
  if (!selected) return frame(plain, [[meta('no changes yet')]]);

  const of = files.length > 1 ? ` · file ${at + 1} of ${files.length}` : '';
  const title = `${plain} · ${printable(selected.path)} +${selected.added} −${selected.removed}${of}`;
  const listRows = Math.min(files.length, Math.max(1, Math.floor(rows / 3)));
  const start = Math.min(Math.max(0, at - Math.floor(listRows / 2)), files.length - listRows);
  const listed = files.slice(start, start + listRows);
  const lines: DiffLine[] = fileList(listed, selected.path, inner);

  const room = rows - lines.length;
  if (room <= 0) return frame(title, lines);
  if (diff.selectedPath !== selected.path) return frame(title, [...lines, [meta('reading the diff…')]]);
  if (diff.isBinary) return frame(title, [...lines, [meta('binary file: no line diff')]]);
  const body = hunkLines(diff.hunks);
  if (body.length <= room && diff.hiddenLines === 0) return frame(title, [...lines, ...body]);
  const shown = body.slice(0, room - 1);
  const more = body.length - shown.length + diff.hiddenLines;
  return frame(title, [...lines, ...shown, [meta(`… ${more} more line${more === 1 ? '' : 's'}`)]]);
}

const meta = (text: string): DiffSegment => ({ text, tone: 'meta' });

/** `▸ src/a.ts  +3 −1` rows, counts aligned in one column. */
function fileList(files: readonly DiffFileView[], selectedPath: string, inner: number): DiffLine[] {
  const countsOf = (f: DiffFileView): [string, string] => [`+${f.added}`, `−${f.removed}`];
  const addedWidth = Math.max(...files.map((f) => cells(countsOf(f)[0])));
  const countsWidth = Math.max(...files.map((f) => addedWidth + 1 + cells(countsOf(f)[1])));
  const longest = Math.max(...files.map((f) => cells(printable(f.path))));
  const pathWidth = Math.max(1, Math.min(longest, inner - 2 - 2 - countsWidth));
  return files.map((f) => {
    const [added, removed] = countsOf(f);
    const isSelected = f.path === selectedPath;
    return [
      {
        text: `${isSelected ? '▸' : ' '} ${fit(printable(f.path), pathWidth)}  `,
        tone: isSelected ? 'selected' : 'file',
      },
      { text: added.padStart(addedWidth), tone: 'added' },
      { text: ' ', tone: 'context' },
      { text: removed, tone: 'removed' },
    ];
  });
}

/** Hunk headers and lines, each line one segment in its tone. */
function hunkLines(hunks: readonly DiffHunkView[]): DiffLine[] {
  const out: DiffLine[] = [];
  for (const h of hunks) {
    // As in `git diff`: an empty side is numbered from the line before it (`@@ -0,0 +1,3 @@`).
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push([{ text: `@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`, tone: 'hunk' }]);
    // Tabs expand from the start of the file's line, after the one-character ` `/`+`/`-` marker.
    for (const line of h.lines)
      out.push([{ text: line.slice(0, 1) + printable(line.slice(1)), tone: toneOf(line) }]);
  }
  return out;
}

function toneOf(line: string): DiffTone {
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  if (line.startsWith('\\')) return 'meta';
  return 'context';
}

/** Cuts segments to `width` cells (the last one that does not fit ends in `…`) and pads the rest. */
function fitSegments(line: DiffLine, width: number): DiffLine {
  const out: DiffSegment[] = [];
  let used = 0;
  for (const segment of line) {
    const room = width - used;
    if (room <= 0) break;
    const text = cells(segment.text) <= room ? segment.text : truncate(segment.text, room);
    out.push({ text, tone: segment.tone });
    used += cells(text);
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), tone: 'context' });
  return out;
}

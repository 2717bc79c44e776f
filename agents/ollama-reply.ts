import { formatPatch, parsePatch } from 'diff';

import type { DraftChange } from './types.js';

/**
 * Reading a local model's reply: the draft of an `ollama` attempt (a unified diff or whole-file
 * blocks) and the artifact `haco worker` prints. Pure functions, shared by agents/ollama.ts and
 * src/cli/worker-command.ts.
 *
 * Whole-file block format (what the prompt asks for, besides a unified diff):
 *
 * ```text
 * === FILE: src/path/name.ts ===
 * …the file's whole new content…
 * === END FILE ===
 * ```
 *
 * A block's content may itself sit in one code fence (the fence lines are dropped); the content
 * gets one final newline.
 *
 * @module
 */

/** The line that opens a whole-file block; group 1 is the path. */
const BLOCK_START = /^=== FILE: (.+?) ===\s*$/;
/** The line that closes a whole-file block. */
export const BLOCK_END = '=== END FILE ===';
/** A code-fence line: three or more backticks or tildes, then an optional info string (`diff`). */
const FENCE = /^\s*(```+|~~~+)\s*([\w+-]*)\s*$/;
/** A line that opens a file of a unified diff. */
const DIFF_START = /^(diff --git |--- )/;
/** A line that may belong to a unified diff (anything else after its start is chatter). */
const DIFF_LINE = /^([ +\-@\\]|diff |index |new file|deleted file|similarity|rename |old mode|new mode|$)/;

/** The fenced blocks of a text, in order: each one's info string and its inner lines. */
export function fencedBlocks(text: string): { info: string; body: string }[] {
  const blocks: { info: string; body: string }[] = [];
  let open: { marker: string; info: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line);
    const marker = fence?.[1] ?? '';
    if (open) {
      if (fence && marker[0] === open.marker[0] && marker.length >= open.marker.length && !fence[2]) {
        blocks.push({ info: open.info, body: open.lines.join('\n') });
        open = undefined;
      } else open.lines.push(line);
    } else if (fence) open = { marker: fence[1] ?? '```', info: fence[2] ?? '', lines: [] };
  }
  // An unclosed fence (a reply cut short) still holds its text.
  if (open) blocks.push({ info: open.info, body: open.lines.join('\n') });
  return blocks;
}

function looksLikeDiff(text: string): boolean {
  return /^--- /m.test(text) && /^\+\+\+ /m.test(text) && /^@@ /m.test(text);
}

/**
 * The unified diff in a reply: a fenced block holding one (the first), else the lines from the
 * first `diff --git` / `--- ` line up to the first line that cannot belong to a diff; undefined
 * when there is none.
 */
export function extractDiff(reply: string): string | undefined {
  const fenced = fencedBlocks(reply).find((b) => looksLikeDiff(b.body));
  const text = fenced?.body ?? reply;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => DIFF_START.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && DIFF_LINE.test(lines[end] ?? '')) end++;
  const diff = lines.slice(start, end).join('\n').trimEnd();
  return looksLikeDiff(diff) ? `${diff}\n` : undefined;
}

/** `a/x` or `b/x` as git writes it → `x`; `/dev/null` stays. */
function diffPath(name: string | undefined): string | undefined {
  if (name === undefined || name === '/dev/null') return name;
  const clean = name.replace(/\t.*$/, '').trim();
  return /^[ab]\//.test(clean) ? clean.slice(2) : clean;
}

function parseBlocks(lines: readonly string[]): { changes: DraftChange[] } | { error: string } {
  const changes: DraftChange[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = BLOCK_START.exec(lines[i] ?? '');
    if (!start) continue;
    const path = (start[1] ?? '').trim();
    const end = lines.indexOf(BLOCK_END, i + 1);
    if (end < 0) return { error: `the block for "${path}" has no "${BLOCK_END}" line` };
    let body = lines.slice(i + 1, end);
    const first = body[0];
    const last = body[body.length - 1];
    if (
      first !== undefined &&
      last !== undefined &&
      body.length >= 2 &&
      FENCE.test(first) &&
      FENCE.test(last)
    )
      body = body.slice(1, -1);
    const content = body.join('\n').replace(/\n*$/, '');
    changes.push({ kind: 'file', path, content: content === '' ? '' : `${content}\n` });
    i = end;
  }
  return { changes };
}

/**
 * Reads a model's reply into a draft: whole-file blocks when it holds a `=== FILE: path ===`
 * line, else a unified diff (git style, `a/` and `b/` prefixes dropped, new files from
 * `/dev/null`), one change per file. Nothing is checked against the task here (see
 * src/workspace/apply-draft.ts).
 * @returns the changes, or a one-line error the model can act on
 */
export function parseDraftReply(reply: string): { changes: DraftChange[] } | { error: string } {
  const lines = reply.replace(/\r\n/g, '\n').split('\n');
  if (lines.some((l) => BLOCK_START.test(l))) return parseBlocks(lines);
  const diff = extractDiff(reply.replace(/\r\n/g, '\n'));
  if (diff === undefined)
    return { error: `the reply holds neither a unified diff nor "=== FILE: path ===" blocks` };
  let patches: ReturnType<typeof parsePatch>;
  try {
    patches = parsePatch(diff);
  } catch (error) {
    return { error: `the unified diff cannot be read: ${(error as Error).message}` };
  }
  const changes: DraftChange[] = [];
  for (const patch of patches) {
    if (patch.hunks.length === 0) continue;
    const oldName = diffPath(patch.oldFileName);
    const newName = diffPath(patch.newFileName);
    const path = newName === '/dev/null' ? oldName : newName;
    if (path === undefined || path === '/dev/null')
      return { error: 'a file of the unified diff names no path in its ---/+++ lines' };
    changes.push({ kind: 'patch', path, patch: formatPatch(patch) });
  }
  if (changes.length === 0) return { error: 'the unified diff holds no hunk' };
  return { changes };
}

/**
 * The artifact of a `haco worker` reply (README, "haco worker"): with `isDiff`, the unified diff
 * (see {@link extractDiff}); otherwise the longest fenced block when the reply has fences (the
 * chatter around it and the fence lines dropped), else the whole reply. Trimmed, with one final
 * newline.
 * @returns the artifact, or undefined when `isDiff` and the reply holds no diff
 */
export function extractArtifact(reply: string, isDiff: boolean): string | undefined {
  const text = reply.replace(/\r\n/g, '\n');
  if (isDiff) return extractDiff(text);
  const blocks = fencedBlocks(text);
  const body = blocks.length
    ? blocks.reduce((a, b) => (b.body.trim().length > a.body.trim().length ? b : a)).body
    : text;
  const trimmed = body.replace(/^\s*\n/, '').trimEnd();
  return trimmed === '' ? '' : `${trimmed}\n`;
}

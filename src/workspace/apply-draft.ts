import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { applyPatch, parsePatch } from 'diff';

import type { DraftChange, DraftSource } from '../../agents/types.js';
import { isGlobPattern, normaliseOwnedPath, ownershipMatcher } from '../ownership/paths.js';
import { SAFE_GIT_OPTIONS } from './git-run.js';

/**
 * haco writes a draft itself (an Ollama reply today, a remote worker's patch later), only inside
 * a task's files: this module checks and applies one draft all or nothing (DESIGN.md, "Agents").
 */

/** What one checked change does to the disk: new content, or removal (`null`). */
interface PlannedWrite {
  readonly path: string;
  readonly content: string | null;
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why haco may not write `path` (repo-relative, as the draft wrote it) for a task owning `files`,
 * or its normalised form: repo-relative, no `..`, outside `.git/` and `.haco/` (see
 * normaliseOwnedPath), owned by the task, and no symlink on the way (the file itself or any
 * directory above it), so a write can never land outside the task's files.
 */
function checkPath(
  repoRoot: string,
  files: readonly string[],
  path: string,
): { path: string } | { error: string } {
  const normal = normaliseOwnedPath(path);
  if ('error' in normal) return { error: `draft path ${normal.error}` };
  const rel = normal.pattern;
  if (isGlobPattern(rel) || rel.endsWith('/**')) return { error: `draft path "${path}" is not a file name` };
  if (!ownershipMatcher(owned(files))(rel))
    return { error: `"${rel}" is not one of the task's files (${files.join(', ')}); change only those` };
  const segments = rel.split('/');
  for (let i = 1; i <= segments.length; i++) {
    const sub = segments.slice(0, i).join('/');
    const stat = lstatOrUndefined(join(repoRoot, sub));
    if (stat === undefined) break; // the rest does not exist yet: created as plain directories
    if (stat.isSymbolicLink())
      return { error: `"${sub}" is a symlink; haco writes drafts only through plain directories and files` };
    if (i < segments.length && !stat.isDirectory())
      return { error: `"${sub}" is a file, so "${rel}" cannot be written` };
    if (i === segments.length && !stat.isFile()) return { error: `"${rel}" is not a regular file` };
  }
  return { path: rel };
}

/** The task's patterns as the matcher wants them (`src/` → `src/**`); plan-loaded ones already are. */
function owned(files: readonly string[]): string[] {
  return files.map((f) => {
    const normal = normaliseOwnedPath(f);
    return 'pattern' in normal ? normal.pattern : f;
  });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The new content of one changed file, or why it cannot be computed. */
function planChange(repoRoot: string, path: string, change: DraftChange): PlannedWrite | { error: string } {
  const current = readText(join(repoRoot, path));
  if (change.kind === 'file') return { path, content: change.content };
  const [patch, ...more] = parsePatch(change.patch);
  if (!patch || more.length) return { error: `the diff for "${path}" must hold exactly one file` };
  const isNew = patch.oldFileName === '/dev/null';
  const isRemoved = patch.newFileName === '/dev/null';
  if (isNew && current !== undefined)
    return { error: `"${path}" exists; a diff from /dev/null only creates new files` };
  if (!isNew && current === undefined)
    return { error: `"${path}" does not exist; create it with a diff from /dev/null` };
  const next = applyPatch(current ?? '', patch);
  if (next === false) {
    const first = patch.hunks[0];
    const where = first
      ? ` (hunk @@ -${first.oldStart},${first.oldLines} +${first.newStart},${first.newLines} @@)`
      : '';
    return { error: `the diff for "${path}" does not apply to its current content${where}` };
  }
  return { path, content: isRemoved ? null : next };
}

/**
 * Checks a draft against the task's files and the disk, then writes it, all or nothing: every
 * change must name an owned regular file (see checkPath), appear once, and (a diff) apply to the
 * file's current content; only then is any file written (a diff to `/dev/null` removes the file).
 * @param files the task's owned patterns (plan `files`)
 * @returns undefined once written, else the first refusal as one line (nothing was written)
 */
export function applyDraft(
  repoRoot: string,
  files: readonly string[],
  changes: readonly DraftChange[],
): string | undefined {
  if (changes.length === 0) return 'the draft changes no file';
  const planned: PlannedWrite[] = [];
  const seen = new Set<string>();
  for (const change of changes) {
    const checked = checkPath(repoRoot, files, change.path);
    if ('error' in checked) return checked.error;
    if (seen.has(checked.path)) return `"${checked.path}" appears twice in the draft; give each file once`;
    seen.add(checked.path);
    const write = planChange(repoRoot, checked.path, change);
    if ('error' in write) return write.error;
    planned.push(write);
  }
  for (const { path, content } of planned) {
    const file = join(repoRoot, path);
    if (content === null) rmSync(file, { force: true });
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  return undefined;
}

/**
 * The task's files that exist now, with their content, in path order: literal paths as named
 * (a directory stands for the files below it), globs matched against git's tracked and untracked
 * (not ignored) files. Symlinks and unreadable files are left out.
 */
export function readOwnedFiles(repoRoot: string, files: readonly string[]): DraftSource[] {
  const patterns = owned(files);
  const isOwned = ownershipMatcher(patterns);
  let listed: string[] = [];
  try {
    listed = execFileSync(
      'git',
      [...SAFE_GIT_OPTIONS, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1 << 30,
      },
    ).split('\0');
  } catch {
    listed = []; // not a repository: only literal paths count
  }
  const paths = new Set(listed.filter((p) => p && isOwned(p)));
  for (const pattern of patterns) if (!isGlobPattern(pattern)) paths.add(pattern);
  const out: DraftSource[] = [];
  for (const path of [...paths].sort()) {
    const stat = lstatOrUndefined(join(repoRoot, path));
    if (!stat?.isFile()) continue;
    const content = readText(join(repoRoot, path));
    if (content !== undefined) out.push({ path, content });
  }
  return out;
}

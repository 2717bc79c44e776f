import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import type { IssueLine } from '../lib/issues.js';
import { literalPrefix, ownershipMatcher, patternsOverlap } from '../ownership/paths.js';
import { SAFE_GIT_OPTIONS } from '../workspace/git-run.js';

/** One task's normalised owned patterns, and where each came from in the plan (`tasks[1].files[0]`). */
export interface OwnedPatterns {
  readonly taskId: string;
  readonly patterns: readonly { readonly pattern: string; readonly at: string }[];
}

/** What the repository holds that ownership rules depend on, read once per validation. */
interface RepoView {
  readonly root: string;
  readonly realRoot: string;
  /** Repo-relative paths of submodules (gitlinks, index mode 160000). */
  readonly gitlinks: ReadonlySet<string>;
  /** Tracked and untracked (not ignored) paths, for matching globs against existing symlinks. */
  readonly files: readonly string[];
}

function git(root: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', [...SAFE_GIT_OPTIONS, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 30,
    });
  } catch {
    return undefined; // not a git repository (a plan checked on its own): only the file system counts
  }
}

function readRepo(root: string): RepoView {
  const staged = git(root, ['ls-files', '-z', '--stage']) ?? '';
  const gitlinks = new Set(
    staged
      .split('\0')
      .filter((line) => line.startsWith('160000 '))
      .map((line) => line.slice(line.indexOf('\t') + 1)),
  );
  const listed = git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']) ?? '';
  return {
    root,
    realRoot: realpathSync(root),
    gitlinks,
    files: listed.split('\0').filter((p) => p && !p.endsWith('/')),
  };
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why a symlink may not be owned, or undefined when it may: its target must exist, stay inside
 * the repository, stay out of `.git/` and `.haco/`, and not be a path another task owns (a write
 * through the link would land in that task's file).
 */
function symlinkProblem(
  view: RepoView,
  link: string,
  taskId: string,
  tasks: readonly OwnedPatterns[],
): string | undefined {
  const shown = relative(view.root, link);
  if (!existsSync(link)) return `"${shown}" is a symlink to a missing target`;
  const real = realpathSync(link);
  if (real !== view.realRoot && !real.startsWith(view.realRoot + sep)) {
    return `"${shown}" is a symlink that leaves the repository`;
  }
  const target = relative(view.realRoot, real).split(sep).join('/');
  const top = target.split('/')[0]?.toLowerCase();
  if (top === '.git') return `"${shown}" is a symlink into .git/, git's own data, which no task may own`;
  if (top === '.haco') return `"${shown}" is a symlink into .haco/, haco's own state, which no task may own`;
  const covered = lstatSync(real).isDirectory() ? `${target}/**` : target;
  for (const other of tasks) {
    if (other.taskId === taskId) continue;
    const hit = other.patterns.find((p) => patternsOverlap(covered, p.pattern));
    if (hit)
      return `"${shown}" is a symlink to "${target}", which task "${other.taskId}" owns ("${hit.pattern}")`;
  }
  return undefined;
}

/** Why a directory on an owned path belongs to another repository, or undefined. */
function foreignRepoProblem(view: RepoView, rel: string, pattern: string): string | undefined {
  if (view.gitlinks.has(rel)) {
    return rel === pattern
      ? `"${pattern}" is a submodule; a task cannot own another repository (own files of this one)`
      : `"${pattern}" is inside the submodule "${rel}"; a task cannot own files of another repository`;
  }
  if (existsSync(join(view.root, rel, '.git'))) {
    return rel === pattern
      ? `"${pattern}" is a nested git repository; a task cannot own another repository`
      : `"${pattern}" is inside the nested git repository "${rel}"; a task cannot own files of another repository`;
  }
  return undefined;
}

/**
 * Checks each owned pattern against the repository as it is on disk: every directory of its
 * literal part must be of this repository (not a submodule or a nested repository), and every
 * symlink it names or passes through, or that one of its globs matches now, must point at an
 * existing path inside the repository, outside `.git/` and `.haco/`, that no other task owns.
 * Works without git (then submodules are only found by their `.git`).
 * @returns one problem per refused pattern, `path` being where the pattern is in the plan
 */
export function repoOwnershipProblems(repoRoot: string, tasks: readonly OwnedPatterns[]): IssueLine[] {
  const view = readRepo(repoRoot);
  const problems: IssueLine[] = [];
  for (const task of tasks) {
    const globbed = task.patterns.filter((p) => p.pattern !== literalPrefix(p.pattern).join('/'));
    const matchers = new Map(globbed.map((p) => [p.at, ownershipMatcher([p.pattern])]));
    for (const { pattern, at } of task.patterns) {
      const problem = patternProblem(view, task.taskId, pattern, tasks, matchers.get(at));
      if (problem) problems.push({ path: at, message: problem });
    }
  }
  return problems;
}

function patternProblem(
  view: RepoView,
  taskId: string,
  pattern: string,
  tasks: readonly OwnedPatterns[],
  globMatch: ((path: string) => boolean) | undefined,
): string | undefined {
  const segments = literalPrefix(pattern);
  for (let i = 1; i <= segments.length; i++) {
    const rel = segments.slice(0, i).join('/');
    const abs = join(view.root, rel);
    const stat = lstatOrUndefined(abs);
    if (!stat) break;
    if (stat.isSymbolicLink()) {
      const problem = symlinkProblem(view, abs, taskId, tasks);
      if (problem) return problem;
      continue;
    }
    const problem =
      stat.isDirectory() || view.gitlinks.has(rel) ? foreignRepoProblem(view, rel, pattern) : undefined;
    if (problem) return problem;
  }
  if (!globMatch) return undefined;
  for (const file of view.files) {
    if (!globMatch(file)) continue;
    const abs = join(view.root, file);
    if (!lstatOrUndefined(abs)?.isSymbolicLink()) continue;
    const problem = symlinkProblem(view, abs, taskId, tasks);
    if (problem) return `${problem} (matched by "${pattern}")`;
  }
  return undefined;
}

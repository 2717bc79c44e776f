import { readdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

import { watch, type FSWatcher } from 'chokidar';

import { runGit } from './git-run.js';
import { lstatOrUndefined } from './hash.js';

/** Directories never watched: git's own (but see `GIT_GUARDED`), dependencies and build output. */
const ALWAYS_IGNORED = new Set([
  '.git',
  'node_modules',
  'dist',
  'build',
  'coverage',
  '.next',
  '.turbo',
  'target',
  '.venv',
  '__pycache__',
  '.cache',
]);

/**
 * The parts of the git dir whose change is a violation unless haco made it (`git rev-parse
 * --git-path` names): hooks run programs inside every later git command, `config` can name
 * programs too (core.fsmonitor, aliases, filters), `info/` holds excludes and attributes, and refs
 * and HEAD say what is committed. Objects and the index are not guarded: haco's own commits
 * write them, and they change nothing by themselves.
 */
export const GIT_GUARDED = ['hooks', 'config', 'info', 'refs', 'HEAD', 'packed-refs'] as const;

/**
 * What haco itself writes under `.haco/` during a run; every other write there (`config.yaml`, a
 * new file) is a violation. Add here anything haco starts writing under `.haco/` while it drives.
 */
export const HACO_OWN = ['state.db', 'state.db-wal', 'state.db-shm', 'state.db-journal', 'runs'] as const;

/** Where a changed path is: the work tree, a guarded part of the git dir, or `.haco/`. */
export type ChangeArea = 'tree' | 'git' | 'haco';

/** A change the watcher saw, repo-relative with `/` separators. */
export interface FileChange {
  /**
   * Repo-relative, `/`-separated (a git dir outside the work tree, as in a linked worktree, gives
   * a path starting with `../`). A write through a symlink is reported on the file it reached.
   */
  readonly path: string;
  /** `attrib`: the path's metadata changed (chokidar leaves out a chmod; fs.watch sees it). */
  readonly kind: 'add' | 'change' | 'unlink' | 'attrib';
  readonly area: ChangeArea;
  /** Epoch ms when the watcher saw it. */
  readonly at: number;
}

/**
 * The guarded paths of the git dir, absolute: `git rev-parse --git-path` for each of
 * `GIT_GUARDED` but hooks, which is always the common git dir's `hooks/` (haco's own git calls set
 * `core.hooksPath=/dev/null`, see git-run.ts, so `--git-path hooks` would name that; a
 * `core.hooksPath` inside the work tree is watched with it, and `config` is guarded).
 */
async function gitGuardedPaths(root: string): Promise<string[]> {
  const args = GIT_GUARDED.filter((n) => n !== 'hooks').flatMap((name) => ['--git-path', name]);
  const out = (await runGit(root, ['rev-parse', '--git-common-dir', ...args])).stdout.split('\n');
  const [common = '.git', ...paths] = out.filter(Boolean);
  return [...paths, join(common, 'hooks')].map((p) => (isAbsolute(p) ? p : join(root, p)));
}

/**
 * Watches the repository's work tree (chokidar 5, symlinks not followed) and reports changes to
 * files git does not ignore, to the guarded parts of the git dir (`GIT_GUARDED`, lock files
 * aside) and to `.haco/` (but `HACO_OWN`). Dependency and build folders are never traversed; other
 * git-ignored paths are listed once at start (`git ls-files --others --ignored --exclude-standard
 * --directory`) and, for paths that appear later, checked with `git check-ignore`. A change whose
 * path runs through a symlink is reported on its real path when that is inside the repository (a
 * change to a symlink itself is reported on the link, and on its target when that is a file in
 * the repository).
 */
export class RepoWatcher {
  private constructor(
    private readonly watcher: FSWatcher,
    private readonly root: string,
    /** Repo-relative paths of the guarded files of `.git/` and `.haco/` when watching began. */
    readonly guarded: readonly string[],
  ) {}

  /**
   * Starts watching; resolves once the initial scan is done (changes before that are not reported).
   * @param onChange called for each change to a non-ignored file
   * @throws ExecaError when `root` is not a git work tree
   */
  static async start(root: string, onChange: (change: FileChange) => void): Promise<RepoWatcher> {
    const realRoot = realpathSync(root);
    // runGit: no fsmonitor program runs for haco's own git calls.
    const listed = await runGit(
      root,
      ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'],
      { reject: false },
    );
    const ignoredPrefixes = (listed.stdout ?? '').split('\0').filter(Boolean);
    const hacoDir = join(root, '.haco');
    const gitTargets = await gitGuardedPaths(root);
    const toRel = (abs: string): string => relative(root, abs).split(sep).join('/');
    const inside = (abs: string, dir: string): boolean => abs === dir || abs.startsWith(dir + sep);
    const areaOf = (abs: string): ChangeArea | 'skip' | undefined => {
      if (inside(abs, hacoDir)) {
        const first = relative(hacoDir, abs).split(sep)[0] ?? '';
        return (HACO_OWN as readonly string[]).includes(first) ? 'skip' : 'haco';
      }
      if (gitTargets.some((t) => inside(abs, t))) return abs.endsWith('.lock') ? 'skip' : 'git';
      return undefined;
    };
    const isIgnored = (abs: string): boolean => {
      const area = areaOf(abs);
      if (area === 'skip') return true;
      if (area !== undefined) return false;
      // The git dir itself is walked only down to its guarded parts.
      if (gitTargets.some((t) => t.startsWith(abs + sep))) return false;
      const rel = toRel(abs);
      if (rel === '') return false;
      const parts = rel.split('/');
      if (parts.some((p) => ALWAYS_IGNORED.has(p))) return true;
      return ignoredPrefixes.some((p) => (p.endsWith('/') ? `${rel}/`.startsWith(p) : rel === p));
    };
    // A git dir outside the work tree (a linked worktree's) is watched on its own.
    const outside = gitTargets.filter((t) => !inside(t, root));
    const watcher = watch([root, ...outside], {
      ignoreInitial: true,
      ignored: (abs) => isIgnored(abs),
      // Never walk out of the repository through a link; a write through one lands on a watched file.
      followSymlinks: false,
      // Editors and agents write via temp-file + rename; atomic folds that into one `change`.
      atomic: true,
    });
    const emit = (abs: string, kind: FileChange['kind'], at: number): void => {
      const area = areaOf(abs) ?? 'tree';
      if (area === 'skip') return;
      const path = toRel(abs);
      // An `attrib` is judged only for a path the baseline knows, which git does not ignore.
      if (area !== 'tree' || kind === 'attrib') return onChange({ path, kind, area, at });
      void runGit(root, ['check-ignore', '-q', '--', path], { reject: false }).then((r) => {
        if (r.exitCode !== 0) onChange({ path, kind, area, at });
      });
    };
    const report = (kind: FileChange['kind']) => (abs: string) => {
      const at = Date.now();
      emit(abs, kind, at);
      // A symlink's target in the repository is judged too: that is the file that was written.
      if (kind !== 'unlink' && lstatOrUndefined(abs)?.isSymbolicLink()) {
        const real = realTarget(abs);
        if (real && inside(real, realRoot)) emit(join(root, relative(realRoot, real)), 'change', at);
      }
    };
    watcher.on('add', report('add')).on('change', report('change')).on('unlink', report('unlink'));
    // chokidar reports a change only when the mtime moved, so a chmod goes unreported: fs.watch's
    // own events are passed on as `attrib`, and the guard compares the mode it knows.
    watcher.on('raw', (event, name, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (event !== 'change' || !watched || !name) return;
      const candidate = join(watched, name);
      const abs = lstatOrUndefined(candidate) ? candidate : watched;
      const stat = lstatOrUndefined(abs);
      if (!stat?.isFile() || isIgnored(abs)) return;
      emit(abs, 'attrib', Date.now());
    });
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', reject);
    });
    const guarded = [...gitTargets, hacoDir]
      .flatMap((t) => filesUnder(t, (abs) => isIgnored(abs)))
      .map(toRel);
    return new RepoWatcher(watcher, root, guarded);
  }

  /** Stops watching. */
  async close(): Promise<void> {
    await this.watcher.close();
  }

  get repoRoot(): string {
    return this.root;
  }
}

/** Files (and symlinks) under a path, the path itself when it is one; `skip` prunes. */
function filesUnder(abs: string, skip: (abs: string) => boolean): string[] {
  const stat = lstatOrUndefined(abs);
  if (!stat || skip(abs)) return [];
  if (!stat.isDirectory()) return stat.isFile() || stat.isSymbolicLink() ? [abs] : [];
  return readdirSync(abs).flatMap((name) => filesUnder(join(abs, name), skip));
}

/** The real path a symlink leads to, or undefined when it dangles. */
function realTarget(abs: string): string | undefined {
  try {
    return realpathSync(abs);
  } catch {
    return undefined;
  }
}

import { relative, sep } from 'node:path';

import { watch, type FSWatcher } from 'chokidar';
import { execa } from 'execa';

/** Directories never watched: git's own, haco's, dependencies and common build output. */
const ALWAYS_IGNORED = new Set([
  '.git',
  '.haco',
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

/** A change the watcher saw, repo-relative with `/` separators. */
export interface FileChange {
  readonly path: string;
  readonly kind: 'add' | 'change' | 'unlink';
  /** Epoch ms when the watcher saw it. */
  readonly at: number;
}

/**
 * Watches the repository's work tree (chokidar 5) and reports changes to files git does not
 * ignore. `.git`, `.haco`, dependency and build folders are never traversed; other git-ignored
 * paths are listed once at start (`git ls-files --others --ignored --exclude-standard
 * --directory`) and, for paths that appear later, checked with `git check-ignore`.
 */
export class RepoWatcher {
  private constructor(
    private readonly watcher: FSWatcher,
    private readonly root: string,
  ) {}

  /**
   * Starts watching; resolves once the initial scan is done (changes before that are not reported).
   * @param onChange called for each change to a non-ignored file
   */
  static async start(root: string, onChange: (change: FileChange) => void): Promise<RepoWatcher> {
    const listed = await execa(
      'git',
      ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'],
      {
        cwd: root,
        reject: false,
      },
    );
    const ignoredPrefixes = (listed.stdout ?? '').split('\0').filter(Boolean);
    const isIgnored = (rel: string): boolean => {
      if (rel === '') return false;
      const parts = rel.split('/');
      if (parts.some((p) => ALWAYS_IGNORED.has(p))) return true;
      return ignoredPrefixes.some((p) => (p.endsWith('/') ? `${rel}/`.startsWith(p) : rel === p));
    };
    const toRel = (abs: string): string => relative(root, abs).split(sep).join('/');
    const watcher = watch(root, {
      ignoreInitial: true,
      ignored: (abs) => isIgnored(toRel(abs)),
      // Editors and agents write via temp-file + rename; atomic folds that into one `change`.
      atomic: true,
    });
    const report = (kind: FileChange['kind']) => (abs: string) => {
      const path = toRel(abs);
      const at = Date.now();
      void execa('git', ['check-ignore', '-q', '--', path], { cwd: root, reject: false }).then((r) => {
        if (r.exitCode !== 0) onChange({ path, kind, at });
      });
    };
    watcher.on('add', report('add')).on('change', report('change')).on('unlink', report('unlink'));
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve());
      watcher.once('error', reject);
    });
    return new RepoWatcher(watcher, root);
  }

  /** Stops watching. */
  async close(): Promise<void> {
    await this.watcher.close();
  }

  get repoRoot(): string {
    return this.root;
  }
}

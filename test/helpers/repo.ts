import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is). */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A scratch git repository in a temp dir, with its own HOME beside it. */
export interface TempRepo {
  /** Absolute path of the work tree. */
  readonly root: string;
  /** A HOME for processes started by the test, so nothing lands in the real one. */
  readonly home: string;
  /** Runs git in the repo and returns its trimmed stdout. */
  git(...args: string[]): string;
  /** Writes a file (creating directories), relative to the root. */
  write(path: string, content: string): void;
  /** Removes the temp dirs. */
  dispose(): void;
}

/**
 * Creates a git repository in a new temp dir with an identity and, when `files` are given or an
 * example is copied, one initial commit.
 * @param options.example copy `examples/<name>` into the repo first
 * @param options.files extra files, path → content
 * @param options.executables paths among `files` to mark executable (fake agents)
 */
export function makeRepo(
  options: { example?: string; files?: Record<string, string>; executables?: string[] } = {},
): TempRepo {
  const base = mkdtempSync(join(tmpdir(), 'haco-test-'));
  const root = join(base, 'repo');
  const home = join(base, 'home');
  mkdirSync(root, { recursive: true });
  mkdirSync(home, { recursive: true });
  if (options.example) cpSync(join(PROJECT_ROOT, 'examples', options.example), root, { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: home } }).trim();
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test User');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'commit.gpgsign', 'false');
  // No background `git gc --auto` (a commit of thousands of files starts one): it would still be
  // writing into .git/ while the test removes the repository.
  git('config', 'gc.auto', '0');
  for (const [path, content] of Object.entries(options.files ?? {})) write(path, content);
  for (const path of options.executables ?? []) chmodSync(join(root, path), 0o755);
  if (options.example || options.files) {
    git('add', '-A');
    git('commit', '-q', '-m', 'initial');
  }
  return { root, home, git, write, dispose: () => rmSync(base, { recursive: true, force: true }) };
}

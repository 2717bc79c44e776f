import { execa } from 'execa';

/**
 * Options every git call of haco passes, so repository config cannot make haco run a program or
 * rewrite the user's index behind their back:
 * - `core.fsmonitor=false`: a configured fsmonitor hook is a program git would run on `status`,
 *   `diff` and `add` (git-config(1), core.fsmonitor).
 * - `core.hooksPath=/dev/null`: haco's own commits run no hook (pre-commit, commit-msg and also
 *   post-commit, which `--no-verify` does not skip; githooks(5)).
 * - `gc.auto=0`: haco's commits never start `git gc --auto`, which packs refs under a running
 *   watcher and prunes unreachable objects (checkpoint blobs among them; git-gc(1)).
 */
export const SAFE_GIT_OPTIONS: readonly string[] = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'gc.auto=0',
];

/**
 * The environment of haco's git calls: the parent's, with `GIT_OPTIONAL_LOCKS=0` so read-only
 * calls (`status`, `diff`) never take the index lock to refresh and rewrite `.git/index` (git(1),
 * GIT_OPTIONAL_LOCKS).
 */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
}

/** What `runGit` returns. */
export interface GitOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `git SAFE_GIT_OPTIONS… args` in `root` with `gitEnv()`.
 * @param options.input bytes or text for stdin
 * @param options.reject throw on a non-zero exit (default true)
 * @throws ExecaError when git exits non-zero and `reject` is not false
 */
export async function runGit(
  root: string,
  args: readonly string[],
  options: { input?: string | Buffer; reject?: boolean } = {},
): Promise<GitOutput> {
  const result = await execa('git', [...SAFE_GIT_OPTIONS, ...args], {
    cwd: root,
    env: gitEnv(),
    extendEnv: false,
    reject: options.reject ?? true,
    stripFinalNewline: false,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Like `runGit`, but stdout as raw bytes (for `cat-file`).
 * @throws ExecaError when git exits non-zero
 */
export async function runGitBytes(root: string, args: readonly string[], input?: string): Promise<Buffer> {
  const { stdout } = await execa('git', [...SAFE_GIT_OPTIONS, ...args], {
    cwd: root,
    env: gitEnv(),
    extendEnv: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    ...(input === undefined ? {} : { input }),
  });
  return Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
}

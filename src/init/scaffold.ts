import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

import { ExitCode, HacoError } from '../lib/errors.js';
import { describeReadError } from '../lib/issues.js';
import { withBlock } from './marked-block.js';
import { RULES_BLOCK, TICKET_TEMPLATE, WORKER_MARKER, WORKER_SCRIPT } from './templates.js';

/** What `haco init` did to each of its files, by repo-relative path, in a fixed order. */
export interface InitReport {
  readonly created: string[];
  readonly updated: string[];
  readonly kept: string[];
  /** Why a file was kept, when the reason is not "same content": `exists`, `not haco's`, … */
  readonly notes: Record<string, string>;
}

/** One file `haco init` manages. */
interface Target {
  /** Repo-relative, `/`-separated. */
  readonly path: string;
  /** Permission bits of a new file (an existing one keeps its own, but `bin/worker`). */
  readonly mode: number;
  /**
   * The content the file should have, given its current content (undefined: missing), or
   * `{keep}` to leave it as it is with that note.
   */
  readonly want: (current: string | undefined) => string | { keep: string };
  /** A mode the file must have (bin/worker: 755), checked even when its content is equal. */
  readonly forceMode?: number;
}

/**
 * The files of `haco init`, in the order they are reported.
 * @param config the text of `.haco/config.yaml` for a repository without one (commentedConfig)
 * @param force rewrite an existing `.haco/config.yaml` and `.haco/prompts/ticket.md` too (never a
 *   `bin/worker` that is not haco's, never the user's text in CLAUDE.md / AGENTS.md)
 */
export function initTargets(config: string, force = false): Target[] {
  const isHacos = (text: string): boolean => text.split('\n').some((line) => line.startsWith(WORKER_MARKER));
  return [
    {
      path: '.haco/config.yaml',
      mode: 0o600,
      want: (c) => (c === undefined || force ? config : { keep: 'exists' }),
    },
    {
      path: '.haco/prompts/ticket.md',
      mode: 0o600,
      want: (c) => (c === undefined || force ? TICKET_TEMPLATE : { keep: 'exists' }),
    },
    {
      path: 'bin/worker',
      mode: 0o755,
      forceMode: 0o755,
      want: (c) => (c === undefined || isHacos(c) ? WORKER_SCRIPT : { keep: "not haco's" }),
    },
    { path: 'CLAUDE.md', mode: 0o666, want: (c) => withBlock(c, RULES_BLOCK, 'CLAUDE.md') },
    { path: 'AGENTS.md', mode: 0o666, want: (c) => withBlock(c, RULES_BLOCK, 'AGENTS.md') },
  ];
}

/** Where a target really is, after any symlink inside the repository. */
interface Resolved {
  /** Absolute path of the file that is read and replaced. */
  readonly real: string;
  /** Directories to create first, outermost first, absolute. */
  readonly missingDirs: string[];
  readonly text: string | undefined;
  /** false when the file is not UTF-8: haco init then only keeps it, never rewrites it. */
  readonly isText: boolean;
  readonly mode: number | undefined;
}

const isInside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Resolves `path` under `root` one component at a time, following a symlink only while it stays in
 * the repository (and out of `.git`), and reads the file if it exists.
 * @throws HacoError `init.unsafe-path` (exit 2) for a symlink out of the repository or into `.git`,
 *   a dangling symlink, or a component that is not a directory (or a target that is not a file)
 */
function resolveTarget(root: string, path: string): Resolved {
  const parts = path.split('/');
  // `what` is the path up to component i: the target itself, or a directory on the way to it.
  const refuse = (i: number, why: string): never => {
    const what = parts.slice(0, i + 1).join('/');
    const via = what === path ? '' : ` (on the way to ${path})`;
    throw new HacoError('init.unsafe-path', [`${what} ${why}${via}; haco init writes nothing`]);
  };
  let dir = root;
  const missingDirs: string[] = [];
  for (const [i, part] of parts.entries()) {
    const isLast = i === parts.length - 1;
    let here = join(dir, part);
    if (missingDirs.length) {
      if (isLast) return { real: here, missingDirs, text: undefined, isText: true, mode: undefined };
      missingDirs.push(here);
      dir = here;
      continue;
    }
    const link = lstatOrUndefined(here);
    if (link?.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(here);
      } catch {
        return refuse(i, 'is a symlink to a missing path');
      }
      if (!isInside(root, target)) return refuse(i, 'is a symlink that leaves the repository');
      here = target;
    }
    const rel = relative(root, here).split(sep);
    if (rel[0] === '.git') return refuse(i, 'is a symlink into .git');
    const stat = link ? statSync(here) : undefined;
    if (isLast) {
      if (stat && !stat.isFile()) return refuse(i, 'exists and is not a regular file');
      return {
        real: here,
        missingDirs,
        ...(stat ? readText(here, path) : { text: undefined, isText: true }),
        mode: stat ? stat.mode & 0o7777 : undefined,
      };
    }
    if (!stat) missingDirs.push(here);
    else if (!stat.isDirectory()) return refuse(i, 'exists and is not a directory');
    dir = here;
  }
  return refuse(0, 'is an empty path');
}

/** A file's text, and whether it is UTF-8 that decodes and encodes back to the same bytes. */
function readText(file: string, shown: string): { text: string; isText: boolean } {
  try {
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    return { text, isText: Buffer.from(text, 'utf8').equals(bytes) };
  } catch (error) {
    throw new HacoError('init.read', [
      `${shown}: cannot read: ${describeReadError(error)}; haco init writes nothing`,
    ]);
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes `content` to `file` through a temp file in the same directory and a rename. */
function writeAtomic(file: string, content: string, mode: number, exactMode: boolean): void {
  const temp = join(dirname(file), `.${basename(file)}.haco-init-${process.pid}.tmp`);
  try {
    writeFileSync(temp, content, { mode, flag: 'wx' });
    if (exactMode) chmodSync(temp, mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Creates or updates the files of `haco init` in the repository at `root` (see initTargets).
 * Everything is checked and computed before the first write, so a refused path or a broken
 * marker block leaves the repository as it was. A file whose content (and, for bin/worker, mode)
 * is already right is not written at all, so a second run changes nothing, mtimes included. Each
 * write is atomic (temp file + rename); a symlink inside the repository is written through (the
 * file it points at is replaced), and two paths naming the same file are written once.
 * @param root the repository's work tree root (realpath'd here)
 * @throws HacoError `init.unsafe-path` / `init.markers` (exit 2) before anything is written
 */
export function scaffold(root: string, targets: readonly Target[]): InitReport {
  const realRoot = realpathSync(root);
  const planned = new Map<string, string>();
  const steps: Array<{ target: Target; resolved: Resolved; content: string | undefined }> = [];
  const report: InitReport = { created: [], updated: [], kept: [], notes: {} };
  for (const target of targets) {
    const resolved = resolveTarget(realRoot, target.path);
    const current = planned.get(resolved.real) ?? resolved.text;
    const want = target.want(current);
    if (typeof want !== 'string') {
      report.kept.push(target.path);
      report.notes[target.path] = want.keep;
      continue;
    }
    const modeOk = target.forceMode === undefined || resolved.mode === target.forceMode;
    if (want === current && (modeOk || planned.has(resolved.real))) {
      report.kept.push(target.path);
      if (planned.has(resolved.real)) report.notes[target.path] = 'same file as another';
      continue;
    }
    // Rewriting bytes that are not UTF-8 would change the user's text around haco's block.
    if (!resolved.isText && want !== current)
      throw new HacoError('init.not-text', [`${target.path}: is not UTF-8 text; haco init writes nothing`]);
    planned.set(resolved.real, want);
    steps.push({ target, resolved, content: want === current ? undefined : want });
    (resolved.text === undefined ? report.created : report.updated).push(target.path);
  }
  for (const { target, resolved, content } of steps) {
    try {
      // haco's own directory is the user's alone, as `haco run` creates it (db/open-db.ts).
      for (const dir of resolved.missingDirs)
        mkdirSync(dir, {
          recursive: true,
          mode: relative(realRoot, dir).startsWith('.haco') ? 0o700 : 0o777,
        });
      if (content === undefined) chmodSync(resolved.real, target.forceMode ?? target.mode);
      else
        writeAtomic(
          resolved.real,
          content,
          target.forceMode ?? resolved.mode ?? target.mode,
          target.forceMode !== undefined || resolved.mode !== undefined,
        );
    } catch (error) {
      throw new HacoError(
        'init.write',
        [
          `${target.path}: cannot write: ${describeReadError(error)} (the files before it in the list are written)`,
        ],
        ExitCode.storage,
      );
    }
  }
  return report;
}

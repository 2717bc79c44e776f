import { accessSync, constants } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';

import { ExitCode, HacoError } from '../lib/errors.js';

/** How the state database is named in messages (it is always `<repo>/.haco/state.db`). */
export const STATE_DB_NAME = '.haco/state.db';

/**
 * Stable codes of storage faults:
 * - `storage.full` — no space left (SQLITE_FULL, ENOSPC, EDQUOT)
 * - `storage.readonly` — cannot write: read-only file system, immutable file or no permission
 *   (SQLITE_READONLY*, EROFS, EACCES, EPERM)
 * - `storage.corrupt` — the state database is damaged (SQLITE_CORRUPT*)
 * - `storage.not-a-database` — `.haco/state.db` is not a SQLite file (SQLITE_NOTADB)
 * - `storage.newer` — written by a newer haco (its `user_version` is ahead of this build)
 * - `storage.unavailable` — cannot be opened: `.haco` is not a directory, or SQLITE_CANTOPEN
 * - `storage.busy` — locked by another process for longer than the busy timeout (SQLITE_BUSY*, SQLITE_LOCKED*)
 * - `storage.io` — the disk reported an I/O error (SQLITE_IOERR*, EIO)
 */
export type StorageCode =
  | 'storage.full'
  | 'storage.readonly'
  | 'storage.corrupt'
  | 'storage.not-a-database'
  | 'storage.newer'
  | 'storage.unavailable'
  | 'storage.busy'
  | 'storage.io';

/**
 * A storage fault: one line naming the file and what to do, exit code 4 (`ExitCode.storage`).
 * Raised before anything is written, or mid-run after the agents were stopped (the run is then
 * left resumable with `haco resume RUN` once the fault is gone).
 */
export class StorageError extends HacoError {
  constructor(
    override readonly code: StorageCode,
    line: string,
  ) {
    super(code, [line], ExitCode.storage);
    this.name = 'StorageError';
  }
}

/** What to do about each fault, appended to the line. */
const ADVICE: Record<StorageCode, string> = {
  'storage.full': 'no space left on the device; free some space, then resume the run',
  'storage.readonly': 'haco cannot write here; make it writable and try again',
  'storage.corrupt': 'the state database is corrupt; move it aside to start afresh (its runs are lost)',
  'storage.not-a-database':
    'not a SQLite database; move it aside to start afresh (haco keeps its runs there)',
  'storage.newer': 'written by a newer haco; upgrade haco',
  'storage.unavailable': 'cannot be opened',
  'storage.busy': 'locked by another process; try again when it has finished',
  'storage.io': 'the disk reported an I/O error; check the disk, then resume the run',
};

/** errno codes of node:fs and their fault. */
const ERRNO: Readonly<Record<string, StorageCode>> = {
  ENOSPC: 'storage.full',
  EDQUOT: 'storage.full',
  EFBIG: 'storage.full',
  EROFS: 'storage.readonly',
  EACCES: 'storage.readonly',
  EPERM: 'storage.readonly',
  ENOTDIR: 'storage.unavailable',
  EEXIST: 'storage.unavailable',
  EISDIR: 'storage.unavailable',
  EIO: 'storage.io',
};

/** Why a file system refuses writes, in words. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (immutable?)',
  ENOTDIR: 'a parent is a file, not a directory',
  EEXIST: 'a file is in the way of a directory',
  EISDIR: 'is a directory',
  EFBIG: 'file too large for its file system or limit',
};

/**
 * The fault of a better-sqlite3 extended result code (https://sqlite.org/rescode.html), e.g.
 * `SQLITE_READONLY_DBMOVED` → `storage.readonly`; undefined for codes that are not storage faults
 * (constraint violations and misuse are bugs).
 */
function sqliteFault(code: string): StorageCode | undefined {
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0];
  switch (primary) {
    case 'SQLITE_FULL':
      return 'storage.full';
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return 'storage.readonly';
    case 'SQLITE_CORRUPT':
      return 'storage.corrupt';
    case 'SQLITE_NOTADB':
      return 'storage.not-a-database';
    case 'SQLITE_CANTOPEN':
      return 'storage.unavailable';
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'storage.busy';
    case 'SQLITE_IOERR':
      return 'storage.io';
    default:
      return undefined;
  }
}

/** A path as the user would type it from the current directory (absolute when outside it). */
export function shownFile(path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/**
 * Why a directory cannot be written, or undefined when it can (as root, `access(2)` still reports a
 * read-only file system or an immutable directory).
 */
export function unwritableReason(dir: string): string | undefined {
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return ERRNO_WORDS[code] ?? code;
  }
}

/**
 * Maps an error thrown by better-sqlite3 (a `SqliteError` with `code` SQLITE_*) or by node:fs (an
 * errno `code` such as ENOSPC, EROFS, EACCES, EDQUOT) to a {@link StorageError}.
 * @param where the file the error is about, when the error does not name one (SQLite errors never
 *   do); default {@link STATE_DB_NAME}
 * @returns undefined when `error` is not a storage fault (a bug or another kind of failure)
 */
export function toStorageError(error: unknown, where?: string): StorageError | undefined {
  if (error instanceof StorageError) return error;
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_')) {
    const fault = sqliteFault(code);
    if (!fault) return undefined;
    const file = where ?? STATE_DB_NAME;
    if (fault === 'storage.unavailable' || fault === 'storage.readonly') {
      // SQLite says only "unable to open database file": name the real cause when it is the directory.
      const reason = isAbsolute(file) ? unwritableReason(dirname(file)) : undefined;
      if (reason)
        return new StorageError(
          'storage.readonly',
          `${shownFile(file)}: ${reason}; ${ADVICE['storage.readonly']}`,
        );
    }
    return new StorageError(fault, `${shownFile(file)}: ${ADVICE[fault]} (${code})`);
  }
  const fault = ERRNO[code];
  if (!fault) return undefined;
  const path = (error as NodeJS.ErrnoException).path ?? where ?? STATE_DB_NAME;
  const words = ERRNO_WORDS[code];
  return new StorageError(
    fault,
    `${shownFile(path)}: ${words ? `${words}; ` : ''}${ADVICE[fault]} (${code})`,
  );
}

/**
 * Runs `body`, turning a storage fault it throws into a {@link StorageError}; other errors pass
 * through unchanged.
 * @param where see {@link toStorageError}
 */
export function withStorage<T>(where: string | undefined, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw toStorageError(error, where) ?? error;
  }
}

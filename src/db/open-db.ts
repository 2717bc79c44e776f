import { closeSync, existsSync, mkdirSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { UsageError } from '../lib/errors.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { shownFile, StorageError, toStorageError } from './storage-errors.js';

/** Whether {@link openStateFile} may create the file (and its directory). */
export interface OpenStateOptions {
  /**
   * true: create `.haco/` and the database when missing (`haco run`); false: the database must
   * exist (`haco status`, `resume`, …), and nothing is created.
   */
  readonly create: boolean;
}

/**
 * Checks the `.haco` directory of a repository without writing anything.
 * @returns whether `dir` exists (as a directory)
 * @throws StorageError `storage.unavailable` when `dir` (or what it links to) is not a directory
 */
export function checkStateDir(dir: string): boolean {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw toStorageError(error, dir) ?? error;
  }
  if (!isDir)
    throw new StorageError(
      'storage.unavailable',
      `${shownFile(dir)}: is a file, not a directory (haco keeps its state in this directory; move the file aside)`,
    );
  return true;
}

/**
 * Opens the state database file and checks it before anything is written to it: it must be a
 * SQLite database (`user_version` readable), not from a newer haco, and pass `PRAGMA quick_check`.
 * Only then is it switched to WAL and migrated. When it fails, the connection is closed and what
 * this call created (the file, its `-wal`/`-shm`, the directory) is removed again.
 * @param file absolute path of `state.db`
 * @throws StorageError for every storage fault (see storage-errors.ts), exit code 4
 * @throws UsageError when `create` is false and there is no database (no runs yet), exit code 2
 */
export function openStateFile(file: string, options: OpenStateOptions): Database.Database {
  const dir = dirname(file);
  const dirExisted = checkStateDir(dir);
  const fileExisted = dirExisted && existsSync(file);
  if (!fileExisted && !options.create)
    throw new UsageError('no runs yet in this repository (start one with: haco run PLAN)');
  let db: Database.Database | undefined;
  try {
    // haco's state is the user's alone: `.haco/` 700, the database 600 (SQLite gives its -wal
    // and -shm the database file's mode), created so before SQLite first opens it.
    if (!dirExisted) mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fileExisted && options.create) closeSync(openSync(file, 'a', 0o600));
    db = new Database(file, { fileMustExist: !options.create });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length)
      throw new StorageError(
        'storage.newer',
        `${shownFile(file)}: schema v${version} is newer than this haco (v${MIGRATIONS.length}); upgrade haco`,
      );
    if (fileExisted) {
      const check = db.pragma('quick_check', { simple: true }) as string;
      if (check !== 'ok')
        throw new StorageError(
          'storage.corrupt',
          `${shownFile(file)}: the state database is corrupt (${firstLine(check)}); move it aside to start afresh (its runs are lost)`,
        );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    const fault = toStorageError(error, file) ?? error;
    db?.close();
    if (!fileExisted) {
      try {
        for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
        if (!dirExisted) rmEmptyDir(dir);
      } catch {
        // The fault above is the one to report; an empty file left behind is harmless.
      }
    }
    throw fault;
  }
}

/** Removes `dir` if it is empty (someone else's files are never removed). */
function rmEmptyDir(dir: string): void {
  if (existsSync(dir)) rmdirSync(dir);
}

/** The first problem `quick_check` names (its report starts with a `*** in database main ***` line). */
function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '' && !line.startsWith('***')) ?? text;
}

import { join } from 'node:path';

import { StateDb } from '../../src/db/state-db.js';

/** Opens a repo's `.haco/state.db` read-only-ish for assertions; closes it after `fn`. */
export function withState<T>(repoRoot: string, fn: (db: StateDb) => T): T {
  const db = new StateDb(join(repoRoot, '.haco', 'state.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

import type Database from 'better-sqlite3';

/**
 * Append-only schema migrations; entry N moves the database from `user_version` N to N+1.
 * Never edit a shipped entry: add a new one.
 */
export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  (db) =>
    db.exec(`
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        goal TEXT NOT NULL,
        plan_file TEXT,
        plan_json TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL,
        base_head TEXT,
        concurrency INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER
      ) STRICT;
      CREATE TABLE tasks (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        ord INTEGER NOT NULL,
        title TEXT NOT NULL,
        agent TEXT NOT NULL,
        status TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        commit_sha TEXT,
        error TEXT,
        PRIMARY KEY (run_id, id)
      ) STRICT;
      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        n INTEGER NOT NULL,
        status TEXT NOT NULL,
        pid INTEGER,
        session_id TEXT,
        exit_code INTEGER,
        started_at INTEGER NOT NULL,
        agent_ended_at INTEGER,
        ended_at INTEGER,
        cost_usd REAL,
        usage_json TEXT,
        verify_output TEXT,
        error TEXT,
        transcript_file TEXT,
        FOREIGN KEY (run_id, task_id) REFERENCES tasks(run_id, id) ON DELETE CASCADE,
        UNIQUE (run_id, task_id, n)
      ) STRICT;
      CREATE TABLE checkpoints (
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        head TEXT,
        entries_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, task_id),
        FOREIGN KEY (run_id, task_id) REFERENCES tasks(run_id, id) ON DELETE CASCADE
      ) STRICT;
      CREATE TABLE breakpoints (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        task_id TEXT,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        answers_json TEXT NOT NULL,
        status TEXT NOT NULL,
        answer TEXT,
        answered_by TEXT,
        created_at INTEGER NOT NULL,
        answered_at INTEGER
      ) STRICT;
      CREATE INDEX breakpoints_run ON breakpoints(run_id, status);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        task_id TEXT,
        payload_json TEXT
      ) STRICT;
      CREATE INDEX events_run_ts ON events(run_id, ts);
    `),
  (db) =>
    db.exec(`
      CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        task_id TEXT NOT NULL,
        pattern TEXT NOT NULL,
        granted INTEGER NOT NULL DEFAULT 0,
        claimed_at INTEGER NOT NULL,
        released_at INTEGER
      ) STRICT;
      CREATE INDEX claims_active ON claims(run_id, released_at);
      ALTER TABLE breakpoints ADD COLUMN details_json TEXT;
    `),
  // Safe on real repositories (issue 6): what haco left in each task's paths (rollback keeps what
  // changed since), the repository lease, the config's layers (secrets are never stored), how an
  // agent died, and each attempt's process marker (descendants are found by it).
  (db) =>
    db.exec(`
      ALTER TABLE checkpoints ADD COLUMN left_entries_json TEXT;
      ALTER TABLE runs ADD COLUMN config_sources_json TEXT;
      ALTER TABLE attempts ADD COLUMN signal INTEGER;
      ALTER TABLE attempts ADD COLUMN marker TEXT;
      ALTER TABLE tasks ADD COLUMN retry_base INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        run_id TEXT,
        pid INTEGER NOT NULL,
        pid_start TEXT NOT NULL,
        host TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      ) STRICT;
    `),
  // Usage (issue 7): tokens in their own columns so per-task and per-run sums are one query.
  (db) =>
    db.exec(`
      ALTER TABLE attempts ADD COLUMN input_tokens INTEGER;
      ALTER TABLE attempts ADD COLUMN output_tokens INTEGER;
    `),
  // Budgets (issue 8): what each supervisor call (planning, review) of a run used, so a run's
  // spend is its attempts' costs plus these.
  (db) =>
    db.exec(`
      CREATE TABLE supervisor_calls (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        task_id TEXT,
        purpose TEXT NOT NULL,
        model TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd REAL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX supervisor_calls_run ON supervisor_calls(run_id);
    `),
  // The hybrid loop (issue 9): each draft a task's agent delegated to the local model through
  // `haco worker`, recorded on its attempt (src/db/delegate-calls.ts).
  (db) =>
    db.exec(`
      CREATE TABLE delegate_calls (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        task_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        model TEXT NOT NULL,
        ok INTEGER NOT NULL,
        prompt_bytes INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        error TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX delegate_calls_run ON delegate_calls(run_id, task_id);
    `),
];

/**
 * Brings a database to the newest schema, one transaction per step.
 * @throws Error when the file was written by a newer haco (its user_version is ahead of this build)
 */
export function migrate(db: Database.Database): void {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > MIGRATIONS.length) {
    throw new Error(
      `state database schema v${from} is newer than this haco (v${MIGRATIONS.length}); upgrade haco`,
    );
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    const step = MIGRATIONS[v];
    if (!step) break;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

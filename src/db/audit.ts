import { redactJson } from './redact.js';
import { str, type Row } from './rows.js';
import type { StateDb } from './state-db.js';

/**
 * One line of a run's audit log (`haco logs`, and its `--json` lines): what happened, when, to
 * which task. `kind` names the fact: the run's own events (`run:status-changed`,
 * `task:status-changed`, `run:logged`, …), `breakpoint:opened`, `breakpoint:answered`,
 * `attempt:started`, `attempt:ended` and `verify:finished`. Secrets are already hidden.
 */
export interface AuditEntry {
  /** Epoch ms. */
  readonly ts: number;
  readonly run: string;
  readonly task: string | null;
  readonly kind: string;
  /** One human line. */
  readonly message: string;
  /** The facts behind the message (kind-specific). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Stable identity of the entry within its run (follow mode prints each key once). */
  readonly key: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function eventMessage(kind: string, payload: Record<string, unknown>): string {
  if (typeof payload.message === 'string') return payload.message;
  if (typeof payload.status === 'string') {
    const error = typeof payload.error === 'string' ? ` (${payload.error})` : '';
    const commit = typeof payload.commitSha === 'string' ? ` at ${payload.commitSha.slice(0, 8)}` : '';
    return `${kind.startsWith('run:') ? 'run' : 'task'} ${payload.status}${commit}${error}`;
  }
  return kind;
}

function fromEvents(db: StateDb, runId: string): AuditEntry[] {
  const rows = db.db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId) as Row[];
  return rows.map((r) => {
    const payload =
      r.payload_json === null ? {} : (JSON.parse(String(r.payload_json)) as Record<string, unknown>);
    const kind = String(r.kind);
    return {
      ts: Number(r.ts),
      run: runId,
      task: str(r.task_id),
      kind,
      message: eventMessage(kind, payload),
      data: payload,
      key: `event:${String(r.id)}`,
    };
  });
}

function fromBreakpoints(db: StateDb, runId: string): AuditEntry[] {
  const rows = db.db.prepare('SELECT * FROM breakpoints WHERE run_id = ? ORDER BY id').all(runId) as Row[];
  return rows.flatMap((r) => {
    const id = Number(r.id);
    const base = { run: runId, task: str(r.task_id) };
    const opened: AuditEntry = {
      ...base,
      ts: Number(r.created_at),
      kind: 'breakpoint:opened',
      message: `breakpoint ${id} (${String(r.kind)}) opened: ${String(r.message)}`,
      data: {
        id,
        kind: String(r.kind),
        message: String(r.message),
        answers: JSON.parse(String(r.answers_json)) as unknown,
      },
      key: `breakpoint:${id}:opened`,
    };
    const answeredAt = num(r.answered_at);
    if (answeredAt === null) return [opened];
    const answered: AuditEntry = {
      ...base,
      ts: answeredAt,
      kind: 'breakpoint:answered',
      message: `breakpoint ${id} (${String(r.kind)}) ${String(r.status)} by ${str(r.answered_by) ?? '?'}`,
      data: {
        id,
        kind: String(r.kind),
        answer: str(r.answer),
        status: String(r.status),
        by: str(r.answered_by),
      },
      key: `breakpoint:${id}:answered`,
    };
    return [opened, answered];
  });
}

function fromAttempts(db: StateDb, runId: string): AuditEntry[] {
  const rows = db.db.prepare('SELECT * FROM attempts WHERE run_id = ? ORDER BY id').all(runId) as Row[];
  return rows.flatMap((r) => {
    const id = Number(r.id);
    const n = Number(r.n);
    const base = { run: runId, task: String(r.task_id) };
    const pid = num(r.pid);
    const out: AuditEntry[] = [
      {
        ...base,
        ts: Number(r.started_at),
        kind: 'attempt:started',
        message: `attempt ${n} started${pid === null ? '' : ` (pid ${pid})`}`,
        data: { attempt: n, pid },
        key: `attempt:${id}:started`,
      },
    ];
    const verify = str(r.verify_output);
    const endedAt = num(r.ended_at);
    // Shown once the attempt has ended: only then is it known whether the checks passed.
    if (verify !== null && endedAt !== null) {
      const ok = str(r.error) !== 'verification failed';
      out.push({
        ...base,
        ts: endedAt,
        kind: 'verify:finished',
        message: `attempt ${n} verification ${ok ? 'passed' : 'failed'}`,
        data: { attempt: n, ok, output: verify },
        key: `attempt:${id}:verify`,
      });
    }
    if (endedAt !== null) {
      const exitCode = num(r.exit_code);
      const signal = num(r.signal);
      const error = str(r.error);
      const how = [
        exitCode === null ? '' : `exit ${exitCode}`,
        signal === null ? '' : `signal ${signal}`,
      ].filter(Boolean);
      out.push({
        ...base,
        ts: endedAt,
        kind: 'attempt:ended',
        message: `attempt ${n} ${String(r.status)}${how.length ? ` (${how.join(', ')})` : ''}${error ? `: ${error}` : ''}`,
        data: { attempt: n, status: String(r.status), exit_code: exitCode, signal, error },
        key: `attempt:${id}:ended`,
      });
    }
    return out;
  });
}

/**
 * A run's audit log, oldest first: its events, breakpoints (opened, answered), attempts (started,
 * ended with exit code and signal) and verify results, optionally of one task only. Every string
 * is redacted (secret shapes, and `knownSecrets` such as the agents' `env:` values).
 */
export function auditLog(
  db: StateDb,
  runId: string,
  options: { task?: string; knownSecrets?: readonly string[] } = {},
): AuditEntry[] {
  const all = [...fromEvents(db, runId), ...fromBreakpoints(db, runId), ...fromAttempts(db, runId)]
    .filter((e) => options.task === undefined || e.task === options.task)
    .map((e, i) => ({ e, i }));
  // Stable: entries at the same millisecond keep their source order (events first).
  all.sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
  return all.map(({ e }) => ({
    ...e,
    message: redactJson(e.message, options.knownSecrets),
    data: redactJson(e.data, options.knownSecrets),
  }));
}

/** One text line of an entry: ISO time (UTC), task (or `-`), message. */
export function formatAuditEntry(e: AuditEntry): string {
  const message = e.message.includes('\n') ? e.message.split('\n').join('\n    ') : e.message;
  return `${new Date(e.ts).toISOString()}  ${(e.task ?? '-').padEnd(12)}  ${message}`;
}

/** One JSON line of an entry: `{ts, time, run, task, kind, message, data}`. */
export function auditEntryJson(e: AuditEntry): string {
  return JSON.stringify({
    ts: e.ts,
    time: new Date(e.ts).toISOString(),
    run: e.run,
    task: e.task,
    kind: e.kind,
    message: e.message,
    data: e.data,
  });
}

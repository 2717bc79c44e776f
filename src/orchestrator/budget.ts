import type { BudgetConfig } from '../config/budget.js';
import type { StateDb } from '../db/state-db.js';
import { supervisorSpend } from '../db/supervisor-calls.js';
import type { RunRecorder } from './recorder.js';
import type { BreakpointRow } from './types.js';
import { roundUsd } from './usage.js';

/**
 * Facts of a `budget_exceeded` breakpoint (its `details`): which budget, what had been spent when
 * it was raised and the limit then in force, USD.
 */
export interface BudgetDetails {
  readonly scope: 'run' | 'task';
  readonly spend_usd: number;
  readonly limit_usd: number;
}

/** The run's budgets as `--json` shows them (null: no limit). */
export interface BudgetView {
  run_usd: number | null;
  task_usd: number | null;
}

/** A run's spend against its budget, as the dashboard shows it, USD. */
export interface RunSpend {
  readonly spendUsd: number;
  /** `budget.run_usd`; null: no limit. */
  readonly budgetUsd: number | null;
}

/** The `budget` section of a run's config; runs stored before budgets existed have none. */
export function budgetOf(config: { readonly budget?: BudgetConfig }): BudgetView {
  return { run_usd: config.budget?.run_usd ?? null, task_usd: config.budget?.task_usd ?? null };
}

/**
 * What a run (or one task of it) has spent, USD: every attempt's `cost_usd` (reported by the agent
 * or priced from the agent's `price`; unknown costs count 0) plus, for the whole run, the
 * supervisor's calls (`supervisor_calls`).
 */
export function spendOf(db: StateDb, runId: string, taskId?: string): number {
  const attempts = db.getAttempts(runId, taskId);
  const agents = attempts.reduce((sum, a) => sum + (a.costUsd ?? 0), 0);
  return roundUsd(agents + (taskId === undefined ? supervisorSpend(db, runId) : 0));
}

/** USD to at most 4 decimals: `$0.006`, `$1.5`. */
function usd(amount: number): string {
  return `$${Number(amount.toFixed(4))}`;
}

function budgetBreakpoints(db: StateDb, runId: string, taskId: string | null): BreakpointRow[] {
  return db
    .getBreakpoints(runId)
    .filter(
      (b) =>
        b.kind === 'budget_exceeded' &&
        b.taskId === taskId &&
        (b.details as Partial<BudgetDetails> | null)?.scope === (taskId === null ? 'run' : 'task'),
    );
}

/**
 * The limit in force: the budget itself, or — after a crossing was approved — the spend when it
 * was raised plus the budget again (approving goes on past the budget once, for one more budget's
 * worth).
 */
function limitOf(db: StateDb, runId: string, taskId: string | null, budget: number): number {
  const approved = budgetBreakpoints(db, runId, taskId).filter((b) => b.status === 'approved');
  const last = approved.at(-1)?.details as BudgetDetails | undefined;
  return roundUsd(last === undefined ? budget : last.spend_usd + budget);
}

/**
 * Whether anything new may start: false while a `budget_exceeded` breakpoint of the run (or of
 * `taskId`) waits, or when the run's (or the task's) spend reaches its limit — then such a
 * breakpoint is opened (details: {@link BudgetDetails}). Attempts already running are not stopped.
 * @param taskId check this task's budget too (before each of its attempts)
 */
export function withinBudget(
  rec: RunRecorder,
  runId: string,
  budget: BudgetConfig | undefined,
  taskId?: string,
): boolean {
  const { db } = rec;
  const checks: Array<{ taskId: string | null; budget: number | undefined }> = [
    { taskId: null, budget: budget?.run_usd },
    ...(taskId === undefined ? [] : [{ taskId, budget: budget?.task_usd }]),
  ];
  for (const check of checks) {
    if (check.budget === undefined) continue;
    if (budgetBreakpoints(db, runId, check.taskId).some((b) => b.status === 'pending')) return false;
    const spend = spendOf(db, runId, check.taskId ?? undefined);
    const limit = limitOf(db, runId, check.taskId, check.budget);
    if (spend < limit) continue;
    const scope = check.taskId === null ? 'run' : 'task';
    const details: BudgetDetails = { scope, spend_usd: spend, limit_usd: limit };
    const what = check.taskId === null ? 'the run' : `task ${check.taskId}`;
    rec.openBreakpoint(
      runId,
      check.taskId,
      'budget_exceeded',
      `${what} spent ${usd(spend)} of ${usd(limit)} (budget.${scope}_usd): approve to go on, reject to stop ${scope === 'run' ? 'the run' : 'the task'}`,
      details,
    );
    return false;
  }
  return true;
}

/**
 * Carries out rejecting a `budget_exceeded` breakpoint: for the run's budget every task not yet
 * started is skipped (the run ends `failed` once running attempts finish; at once when none
 * runs); for a task's budget that task fails (its dependents are skipped).
 */
export function rejectBudget(rec: RunRecorder, runId: string, bp: BreakpointRow): void {
  const tasks = rec.db.getTasks(runId);
  const reason = `stopped: budget exceeded (${bp.message.split(':')[0] ?? bp.message})`;
  if (bp.taskId !== null) {
    const task = tasks.find((t) => t.id === bp.taskId);
    if (task && (task.status === 'pending' || task.status === 'ready')) {
      rec.taskStatus(runId, task.id, 'failed', { error: reason });
    }
    return;
  }
  for (const t of tasks) {
    if (t.status === 'pending' || t.status === 'ready')
      rec.taskStatus(runId, t.id, 'skipped', { error: reason });
  }
  const isRunning = rec.db
    .getTasks(runId)
    .some((t) => t.status === 'running' || t.status === 'verifying' || t.status === 'reviewing');
  const run = rec.db.getRun(runId);
  if (!isRunning && run?.status !== 'failed') rec.runStatus(runId, 'failed');
}

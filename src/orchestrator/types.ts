import type { ChangedFile } from '../workspace/changes.js';

/**
 * Run life cycle (DESIGN.md, "Concepts"). `interrupted`: the process driving it died (kill -9, a
 * crash, a power cut) while it was `running`; `haco status` shows it so as soon as the lease's owner
 * is gone, and it is stored so when another haco takes the lease over. `haco resume` continues it.
 */
export type RunStatus =
  | 'planning'
  | 'awaiting_approval'
  | 'running'
  | 'paused'
  | 'interrupted'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'rolled_back';

/** Task life cycle (DESIGN.md, "Concepts"). */
export type TaskStatus =
  'pending' | 'ready' | 'running' | 'verifying' | 'reviewing' | 'done' | 'failed' | 'skipped' | 'rolled_back';

/** One agent session for one task. */
export type AttemptStatus = 'running' | 'verifying' | 'passed' | 'failed' | 'timed_out' | 'interrupted';

/** Kinds of human decision (DESIGN.md, "Breakpoint"). */
export type BreakpointKind =
  | 'plan_approval'
  | 'ownership_violation'
  | 'verify_failed'
  | 'review_rejected'
  | 'agent_permission'
  | 'agent_needs_input'
  | 'budget_exceeded'
  | 'task_timeout'
  | 'dependency_added';

/** `kept`: an ownership violation the user kept as their own (see BreakpointAnswer). */
export type BreakpointStatus = 'pending' | 'approved' | 'rejected' | 'kept';
/**
 * An answer to a breakpoint. For an `ownership_violation`: `approve` grants the path to the
 * writer (offered only when no task owns it), `reject` reverts the change (and fails the
 * writer's attempt), `keep` keeps the content as the user's own (no grant; the held agents go
 * on). Every other kind takes approve / reject.
 */
export type BreakpointAnswer = 'approve' | 'reject' | 'keep';

/** The status a breakpoint takes with each answer. */
export const ANSWER_STATUS: Readonly<Record<BreakpointAnswer, Exclude<BreakpointStatus, 'pending'>>> = {
  approve: 'approved',
  reject: 'rejected',
  keep: 'kept',
};

/** Statuses a run never leaves by itself. */
export const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'rolled_back',
]);
/** Statuses a task never leaves during a run. */
export const TERMINAL_TASK: ReadonlySet<TaskStatus> = new Set(['done', 'failed', 'skipped', 'rolled_back']);

export interface RunRow {
  readonly id: string;
  readonly goal: string;
  readonly planFile: string | null;
  readonly status: RunStatus;
  readonly baseHead: string | null;
  readonly concurrency: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

export interface TaskRow {
  readonly runId: string;
  readonly id: string;
  readonly title: string;
  readonly agent: string;
  readonly status: TaskStatus;
  readonly dependsOn: readonly string[];
  readonly files: readonly string[];
  /** Epoch ms of the first attempt's start. */
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly commitSha: string | null;
  readonly error: string | null;
}

export interface AttemptRow {
  readonly id: number;
  readonly runId: string;
  readonly taskId: string;
  /** 1-based attempt number within the task. */
  readonly n: number;
  readonly status: AttemptStatus;
  readonly pid: number | null;
  /** The agent's own session id (e.g. Claude Code's), for resume. */
  readonly sessionId: string | null;
  /** The agent's exit code; 128 + the signal number after a signal death. */
  readonly exitCode: number | null;
  /** The signal number that ended the agent (9 = SIGKILL), or null. */
  readonly signal: number | null;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms when the agent finished (before verification). */
  readonly agentEndedAt: number | null;
  readonly endedAt: number | null;
  /** USD, as reported by the agent or priced from the agent's `price` config. */
  readonly costUsd: number | null;
  /** Input tokens the attempt used (prompt and cache), or null when the agent did not say. */
  readonly inputTokens: number | null;
  /** Output tokens the attempt used, or null when the agent did not say. */
  readonly outputTokens: number | null;
  readonly verifyOutput: string | null;
  readonly error: string | null;
  readonly transcriptFile: string | null;
}

export interface BreakpointRow {
  readonly id: number;
  readonly runId: string;
  readonly taskId: string | null;
  readonly kind: BreakpointKind;
  readonly message: string;
  readonly answers: readonly BreakpointAnswer[];
  readonly status: BreakpointStatus;
  readonly answeredBy: string | null;
  readonly createdAt: number;
  /** Kind-specific facts, e.g. ViolationDetails for `ownership_violation`. */
  readonly details: unknown;
}

/** The `--json` shape of `haco run` and `haco status` (issue: the spine). */
export interface RunSummary {
  run_id: string;
  status: RunStatus;
  goal: string;
  /**
   * `changed_files`: lines added/removed per owned file vs the task's checkpoint, measured on the
   * work tree now (`[]` for a task that never started); present when the caller measured them
   * (`haco status --json` does).
   */
  tasks: Array<{
    id: string;
    status: TaskStatus;
    attempts: number;
    commit: string | null;
    /**
     * Why the task failed (present only then): the cause on the first line; an agent's failure
     * goes on with `last output:` and its last output lines, each as `  | line`.
     */
    error?: string;
    changed_files?: ChangedFile[];
    /** Tokens summed over the task's attempts (0 when no attempt reported any). */
    tokens: { input: number; output: number };
    /** USD summed over the task's attempts that reported or priced a cost; null when none did. */
    cost_usd: number | null;
    /**
     * The hybrid loop: tokens of the drafts the task's agent delegated to the local model (`haco
     * worker`), summed over its attempts, and the number of calls; present on a task with
     * `delegate:` (or with a recorded call).
     */
    local_tokens?: { input: number; output: number; calls: number };
  }>;
  breakpoints: Array<{
    id: number;
    kind: BreakpointKind;
    task: string | null;
    message: string;
    status: BreakpointStatus;
    /** What the breakpoint takes (`haco approve|reject|keep`). */
    answers: readonly BreakpointAnswer[];
  }>;
  /** Sum of every attempt's reported cost, USD. */
  cost_usd: number;
  /** What counts against the run's budget: every attempt's cost plus the supervisor's calls, USD. */
  spend_usd: number;
  /** The run's config `budget`, USD; null: no limit. */
  budget: { run_usd: number | null; task_usd: number | null };
  /** From the run's first start to its end (or now), ms. */
  duration_ms: number;
}

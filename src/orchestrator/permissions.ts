import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import { decidePermission, taskPermissionPolicy, type TaskGrants } from '../ownership/permission-policy.js';
import type { TaskSpec } from '../plan/schema.js';
import type { RunRecorder } from './recorder.js';

/** How an agent_permission question reaches the user. */
export interface PermissionDesk {
  readonly rec: RunRecorder;
  readonly repoRoot: string;
  /** True on the dashboard (the agent waits for the answer); false headless (the run pauses). */
  isInteractive(): boolean;
  /** Stops a task's current attempt. */
  stopTask(taskId: string): void;
  /** Fires when the task's attempt is stopped or haco is interrupted. */
  stopSignals(taskId: string): AbortSignal[];
  /** Tells the scheduler something changed (a breakpoint opened). */
  wake(): void;
}

/**
 * Answers an agent's tool request: by the permission policy (with the task's own `grants`, e.g.
 * the hybrid loop's `haco worker` command: delegate.ts `delegateGrants`) when it decides, else through an
 * `agent_permission` breakpoint. An earlier answer to the same request in this run is reused (so
 * a headless run that paused to ask goes on after `haco approve` + `haco resume`). On the
 * dashboard the agent waits for the answer; headless, its attempt is stopped and the run pauses.
 */
export async function askPermission(
  desk: PermissionDesk,
  runId: string,
  task: TaskSpec,
  request: PermissionRequest,
  grants: TaskGrants = {},
): Promise<PermissionDecision> {
  const { db } = desk.rec;
  const { config } = db.runInputs(runId);
  const outcome = decidePermission(
    request,
    taskPermissionPolicy(desk.repoRoot, task.files, config.permissions, grants),
  );
  if ('decision' in outcome) {
    if (outcome.decision.behavior === 'deny') {
      desk.rec.log(runId, task.id, `refused ${request.tool}: ${outcome.decision.message}`);
    }
    return outcome.decision;
  }
  const key = `${request.tool} ${JSON.stringify(request.action)}`;
  const asked = db
    .getBreakpoints(runId)
    .filter(
      (b) =>
        b.kind === 'agent_permission' && b.taskId === task.id && (b.details as { key?: string }).key === key,
    );
  const settled = asked.find((b) => b.status !== 'pending');
  const refused: PermissionDecision = {
    behavior: 'deny',
    message: `haco: the user refused ${request.tool} here. Find another way.`,
  };
  if (settled) return settled.status === 'approved' ? { behavior: 'allow' } : refused;
  const bp =
    asked[0] ??
    desk.rec.openBreakpoint(runId, task.id, 'agent_permission', `${task.id}: ${outcome.breakpoint.message}`, {
      key,
    });
  desk.wake();
  if (!desk.isInteractive()) {
    desk.stopTask(task.id);
    return { behavior: 'deny', message: 'haco: paused to ask the user about this request.' };
  }
  const answered = await answerOf(desk, runId, bp.id, desk.stopSignals(task.id));
  return answered === 'approved' ? { behavior: 'allow' } : refused;
}

/** Resolves with a breakpoint's answer, or 'rejected' when one of `stops` fires first. */
function answerOf(
  desk: PermissionDesk,
  runId: string,
  breakpointId: number,
  stops: readonly AbortSignal[],
): Promise<'approved' | 'rejected'> {
  return new Promise((resolve) => {
    const off = desk.rec.events.on('breakpoint:answered', (b) => {
      if (b.id !== breakpointId) return;
      off();
      resolve(b.status === 'approved' ? 'approved' : 'rejected');
    });
    // It may have been answered already (even from inside the breakpoint:opened event).
    const now = desk.rec.db.getBreakpoints(runId).find((b) => b.id === breakpointId);
    if (now && now.status !== 'pending') {
      off();
      resolve(now.status === 'approved' ? 'approved' : 'rejected');
      return;
    }
    for (const signal of stops) {
      signal.addEventListener(
        'abort',
        () => {
          off();
          resolve('rejected');
        },
        { once: true },
      );
    }
  });
}

import { describe, expect, it } from 'vitest';

import { buildPrompt } from '../../src/orchestrator/prompt.js';
import { attemptStart, resumePrompt, STOPPED_DURING_ATTEMPT } from '../../src/orchestrator/resume-session.js';
import type { AttemptRow, AttemptStatus } from '../../src/orchestrator/types.js';
import type { TaskSpec } from '../../src/plan/schema.js';

const task = {
  id: 'api',
  title: 'The API',
  prompt: 'Write the API.',
  files: ['src/api.ts', 'src/api/**'],
  dependsOn: [],
  acceptance: [],
  verify: [],
} as unknown as TaskSpec;

function attempt(
  n: number,
  status: AttemptStatus,
  sessionId: string | null,
  error: string | null = null,
): AttemptRow {
  return {
    id: n,
    runId: 'r',
    taskId: 'api',
    n,
    status,
    pid: null,
    sessionId,
    exitCode: null,
    signal: null,
    startedAt: 0,
    agentEndedAt: null,
    endedAt: null,
    costUsd: null,
    inputTokens: null,
    outputTokens: null,
    verifyOutput: null,
    error,
    transcriptFile: null,
  };
}

describe('attemptStart: resume or fresh', () => {
  it('starts from nothing with the full prompt on a first attempt, after a failure, or without resume', () => {
    const fresh = { prompt: buildPrompt('goal', task, 'boom') };
    expect(attemptStart('goal', task, 'boom', [], true)).toEqual(fresh);
    // A resumed launch that failed at once ends the chain: the next attempt does not resume again.
    const afterFailure = [attempt(1, 'interrupted', 's1'), attempt(2, 'failed', 's1')];
    expect(attemptStart('goal', task, 'boom', afterFailure, true)).toEqual(fresh);
    // An agent type that cannot resume, or an interrupted attempt that never reported a session.
    expect(attemptStart('goal', task, 'boom', [attempt(1, 'interrupted', 's1')], false)).toEqual(fresh);
    expect(attemptStart('goal', task, 'boom', [attempt(1, 'interrupted', null)], true)).toEqual(fresh);
  });

  it('continues the newest session of the trailing interrupted attempts', () => {
    const attempts = [
      attempt(3, 'interrupted', null, STOPPED_DURING_ATTEMPT),
      attempt(1, 'failed', 'old'),
      attempt(2, 'interrupted', 's2', 'stopped at an ownership_violation breakpoint'),
    ];
    const start = attemptStart('goal', task, 'boom', attempts, true);
    expect(start.resume).toEqual({ sessionId: 's2' });
    expect(start.resumedFrom).toBe(2);
    // Attempt 3 crashed after s2 last ran: the files were restored since.
    expect(start.prompt).toBe(resumePrompt(task, true));
  });

  it('says the files were restored, naming them, only after a crash', () => {
    const crashed = attemptStart(
      'goal',
      task,
      undefined,
      [attempt(1, 'interrupted', 's1', STOPPED_DURING_ATTEMPT)],
      true,
    );
    expect(crashed.prompt).toContain('You were interrupted');
    expect(crashed.prompt).toContain('haco restored the files you own');
    expect(crashed.prompt).toContain('- src/api.ts\n- src/api/**');
    const stopped = attemptStart('goal', task, undefined, [attempt(1, 'interrupted', 's1', 'stopped')], true);
    expect(stopped.prompt).not.toContain('restored');
    expect(stopped.prompt).toContain('- src/api.ts');
    // Short: not the whole task prompt again.
    expect(stopped.prompt).not.toContain('Write the API.');
  });
});

describe('answers given while the agent was stopped', () => {
  const bp = (id: number, status: 'approved' | 'rejected' | 'pending', createdAt: number, taskId = 'api') =>
    ({
      id,
      runId: 'r',
      taskId,
      kind: 'agent_permission',
      message: `${taskId}: haco: the command \`rm x\` is not in permissions.bash_allow; it needs the user's approval.`,
      answers: [],
      status,
      answeredBy: null,
      createdAt,
      details: {},
    }) as const;

  it('tells the resumed agent what the user approved and refused, only for its task and since it stopped', () => {
    const start = attemptStart(
      'goal',
      task,
      undefined,
      [{ ...attempt(1, 'interrupted', 's-1'), startedAt: 100 }],
      true,
      [
        bp(1, 'approved', 150),
        bp(2, 'rejected', 160),
        bp(3, 'pending', 170),
        bp(4, 'approved', 50), // before the attempt started
        bp(5, 'approved', 180, 'other'),
      ],
    );
    expect(start.resume).toEqual({ sessionId: 's-1' });
    const lines = start.prompt.split('\n');
    expect(lines).toContain('While you were stopped, the user answered what you asked:');
    expect(lines.filter((l) => l.startsWith('- approved: haco: the command `rm x`'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('- refused: haco: the command `rm x`'))).toHaveLength(1);
    expect(start.prompt).toContain('Do not try it again');
    // Without answers, nothing is said about them.
    expect(resumePrompt(task, false)).not.toContain('the user answered');
  });
});

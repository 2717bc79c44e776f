import type { TaskSpec } from '../plan/schema.js';

/** Longest tail of a previous failure carried into a retry prompt, characters. */
export const FAILURE_TAIL_CHARS = 6000;

/**
 * Builds the full prompt an agent receives: the task's own prompt, the run's goal, the paths it
 * owns, its acceptance criteria and verify commands, and on a retry the previous failure's output.
 */
export function buildPrompt(goal: string, task: TaskSpec, previousFailure?: string): string {
  const parts = [
    `# Task ${task.id}: ${task.title}`,
    '',
    `Goal of the whole run: ${goal}`,
    '',
    task.prompt.trim(),
    '',
  ];
  parts.push(
    '## Files you own',
    'Create or change only these paths; other workers own other files and run at the same time:',
    ...task.files.map((f) => `- ${f}`),
    '',
  );
  if (task.acceptance.length)
    parts.push('## Acceptance criteria', ...task.acceptance.map((a) => `- ${a}`), '');
  if (task.verify.length) {
    parts.push(
      '## Verification',
      'When you finish, haco runs these commands in the repository root; all must pass:',
    );
    parts.push(...task.verify.map((v) => `- \`${v}\``), '');
  }
  if (previousFailure !== undefined) {
    const tail =
      previousFailure.length > FAILURE_TAIL_CHARS
        ? `…${previousFailure.slice(-FAILURE_TAIL_CHARS)}`
        : previousFailure;
    parts.push(
      '## The previous attempt failed',
      'Fix the cause. Its output was:',
      '```',
      tail.trimEnd(),
      '```',
      '',
    );
  }
  return parts.join('\n');
}

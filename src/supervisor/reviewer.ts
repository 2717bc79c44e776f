import { z } from 'zod';

import { recordSupervisorCall } from '../db/supervisor-calls.js';
import type { StateDb } from '../db/state-db.js';
import type { Reviewer, ReviewInput, ReviewOutput } from '../orchestrator/review.js';
import { parseAnswer } from './planner.js';
import type { SupervisorClient } from './provider.js';

/** The reviewer's answer as the model must give it (issue 8 point 6). */
export const ReviewAnswerSchema = z.strictObject({
  verdict: z.enum(['approve', 'changes']),
  confidence: z.number().min(0).max(1),
  comments: z.array(z.string()),
});

/** Repair rounds after an unreadable review answer (then the answer counts as unreadable). */
export const REVIEW_REPAIR_ROUNDS = 1;

/** Longest diff put in a review prompt, characters (the rest is cut with a note). */
export const REVIEW_DIFF_CHARS = 60_000;
/** Longest tail of the verify output put in a review prompt, characters. */
export const REVIEW_VERIFY_CHARS = 6_000;

/** The answer schema as JSON Schema, for the providers' output constraint. */
export function reviewJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ReviewAnswerSchema) as Record<string, unknown>;
}

/** The reviewer's system prompt: its role, how to judge, and the answer's shape. */
export function reviewerSystem(schema: Record<string, unknown>): string {
  return [
    'You are the reviewer of a team of AI coding agents. You judge one finished task: whether its diff does what the task asks and meets every acceptance criterion, without breaking anything else.',
    'Answer `approve` when it does; `changes` when it does not, with one comment per thing the agent must fix (concrete: file, what is wrong, what to do). `confidence` (0 to 1) is how sure you are of the verdict.',
    'Answer with one JSON object matching this JSON Schema, and nothing else:',
    JSON.stringify(schema),
  ].join('\n\n');
}

function cut(text: string, max: number, fromEnd: boolean): string {
  if (text.length <= max) return text;
  const note = `[… ${text.length - max} characters cut …]`;
  return fromEnd ? `${note}\n${text.slice(-max)}` : `${text.slice(0, max)}\n${note}`;
}

/** The review prompt: the task, its acceptance criteria, its diff and its verify output. */
export function reviewPrompt(input: ReviewInput): string {
  const { task } = input;
  return [
    `# Task ${task.id}: ${task.title}`,
    '',
    task.prompt.trim(),
    '',
    '## Acceptance criteria',
    ...(input.acceptance.length ? input.acceptance.map((a) => `- ${a}`) : ['(none given)']),
    '',
    '## Diff against the task checkpoint',
    '```diff',
    cut(input.diff, REVIEW_DIFF_CHARS, false).trimEnd() || '(no changes)',
    '```',
    '',
    '## Verify output',
    '```',
    cut(input.verifyOutput, REVIEW_VERIFY_CHARS, true).trimEnd() || '(no verify commands)',
    '```',
  ].join('\n');
}

/** Reads one answer: parsed JSON (structured output or text) validated by {@link ReviewAnswerSchema}. */
export function readReview(answer: {
  text: string;
  json?: unknown;
}): { review: z.output<typeof ReviewAnswerSchema> } | { problem: string } {
  const parsed = answer.json !== undefined ? { data: answer.json } : parseAnswer(answer.text);
  if ('problem' in parsed) return parsed;
  const checked = ReviewAnswerSchema.safeParse(parsed.data);
  if (checked.success) return { review: checked.data };
  const issue = checked.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the answer';
  return { problem: `${where}: ${issue?.message ?? 'invalid'}` };
}

/** What the supervisor's reviewer records its calls into. */
export interface ReviewerDeps {
  readonly client: SupervisorClient;
  readonly db: StateDb;
  /** Epoch ms. */
  readonly now: () => number;
}

/**
 * The supervisor's reviewer: asks the configured supervisor client (`complete` with the answer
 * schema as its output constraint) for `{verdict, confidence, comments}`, validated with zod. An
 * answer that cannot be read gets {@link REVIEW_REPAIR_ROUNDS} repair round carrying the problem;
 * after that the review is `unreadable`. Every call is recorded with recordSupervisorCall (purpose
 * `review`, the task's id), so its tokens and cost count toward the run's budget.
 * @throws SupervisorUnavailableError from the client; a storage fault from recording
 */
export function supervisorReviewer(deps: ReviewerDeps): Reviewer {
  const { client, db, now } = deps;
  return {
    async review(input: ReviewInput, signal: AbortSignal): Promise<ReviewOutput> {
      const schema = reviewJsonSchema();
      const system = reviewerSystem(schema);
      const first = reviewPrompt(input);
      let prompt = first;
      let problem = 'no answer';
      for (let round = 0; round <= REVIEW_REPAIR_ROUNDS; round++) {
        const answer = await client.complete({ system, prompt, schema, schemaName: 'review', signal });
        recordSupervisorCall(db, {
          runId: input.runId,
          taskId: input.task.id,
          purpose: 'review',
          model: client.model,
          inputTokens: answer.usage.inputTokens,
          outputTokens: answer.usage.outputTokens,
          ...(answer.costUsd === undefined ? {} : { costUsd: answer.costUsd }),
          now: now(),
        });
        const read = readReview(answer);
        if ('review' in read) return read.review;
        problem = read.problem;
        prompt = [
          first,
          '',
          '## Your previous answer could not be read',
          problem,
          'It was:',
          cut(answer.text, 2_000, false),
          '',
          'Answer again with only the JSON object.',
        ].join('\n');
      }
      return { unreadable: problem };
    },
  };
}

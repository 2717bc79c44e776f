import { describe, expect, it } from 'vitest';

import type { TaskSpec } from '../../src/plan/schema.js';
import {
  readReview,
  REVIEW_DIFF_CHARS,
  reviewJsonSchema,
  reviewPrompt,
} from '../../src/supervisor/reviewer.js';

const task: TaskSpec = {
  id: 'auth',
  title: 'JWT auth',
  agent: 'claude',
  files: ['src/auth.ts'],
  dependsOn: [],
  prompt: 'Add JWT auth.',
  acceptance: ['rejects expired tokens'],
  verify: ['npm test'],
  timeoutMs: 1000,
  retries: 0,
};

describe('the supervisor reviewer', () => {
  it('reads a structured answer, a JSON text in prose, and refuses a bad one naming the field', () => {
    const ok = { verdict: 'changes', confidence: 0.8, comments: ['check exp'] };
    expect(readReview({ text: '', json: ok })).toEqual({ review: ok });
    expect(readReview({ text: `Here:\n\`\`\`json\n${JSON.stringify(ok)}\n\`\`\`` })).toEqual({ review: ok });
    expect(readReview({ text: JSON.stringify({ ...ok, confidence: 2 }) })).toEqual({
      problem: 'confidence: Too big: expected number to be <=1',
    });
    expect(readReview({ text: JSON.stringify({ ...ok, verdict: 'maybe' }) })).toMatchObject({
      problem: expect.stringContaining('verdict:') as unknown,
    });
    expect(readReview({ text: 'LGTM' })).toMatchObject({
      problem: expect.stringContaining('not one JSON object') as unknown,
    });
  });

  it('offers the answer shape as JSON Schema', () => {
    const schema = reviewJsonSchema() as { required: string[]; properties: { verdict: { enum: string[] } } };
    expect(schema.required).toEqual(['verdict', 'confidence', 'comments']);
    expect(schema.properties.verdict.enum).toEqual(['approve', 'changes']);
  });

  it('puts the task, acceptance, diff and verify output in the prompt, cutting a huge diff', () => {
    const diff = `+${'x'.repeat(REVIEW_DIFF_CHARS + 10)}\n`;
    const prompt = reviewPrompt({
      runId: 'r',
      task,
      acceptance: task.acceptance,
      diff,
      verifyOutput: '$ npm test\nok\n',
    });
    expect(prompt).toContain('# Task auth: JWT auth');
    expect(prompt).toContain('- rejects expired tokens');
    expect(prompt).toContain('characters cut');
    expect(prompt).toContain('$ npm test');
    expect(prompt.length).toBeLessThan(REVIEW_DIFF_CHARS + 1000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';

import { CHARS_PER_TOKEN, repoContext } from '../../src/supervisor/context.js';
import { parseAnswer } from '../../src/supervisor/planner.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.dispose();
  repo = undefined;
});

describe('repoContext', () => {
  it('shows the whole tree and key files when they fit, never .haco/', async () => {
    repo = makeRepo({
      files: { 'README.md': '# hello\n', 'package.json': '{"name":"x"}\n', 'src/a.ts': 'a' },
    });
    repo.write('.haco/state.db', 'x');
    repo.write('notes.txt', 'untracked');
    const ctx = await repoContext(repo.root, 8000);
    expect(ctx.files).toEqual(['README.md', 'notes.txt', 'package.json', 'src/a.ts']);
    expect(ctx.trimmed).toBe(false);
    expect(ctx.text).toContain('## README.md\n# hello');
    expect(ctx.text).toContain('## package.json\n{"name":"x"}');
  });

  it('cuts the tree and key files to the budget (≈ 4 characters a token)', async () => {
    const files: Record<string, string> = { 'README.md': 'r'.repeat(50_000) };
    for (let i = 0; i < 2000; i++) files[`src/module-${i}.ts`] = '';
    repo = makeRepo({ files });
    const budget = 1000;
    const ctx = await repoContext(repo.root, budget);
    expect(ctx.trimmed).toBe(true);
    expect(ctx.text.length).toBeLessThanOrEqual(budget * CHARS_PER_TOKEN + 200);
    expect(ctx.text).toMatch(/… \d+ more path\(s\) left out/);
    expect(ctx.text).toContain('(cut to fit the context budget)');
  });
});

describe('parseAnswer', () => {
  it('reads bare JSON and JSON inside a fence; refuses prose', () => {
    expect(parseAnswer('{"a":1}')).toEqual({ data: { a: 1 } });
    expect(parseAnswer('Here:\n```json\n{"a":2}\n```')).toEqual({ data: { a: 2 } });
    expect(parseAnswer('no plan today')).toEqual({
      problem: 'the answer is not one JSON object (it starts "no plan today")',
    });
  });
});

import { describe, expect, it } from 'vitest';

import { MAX_YAML_ALIASES, parseYamlText } from '../../src/lib/yaml-text.js';

/** A "billion laughs" document: each level repeats the one before nine times. */
function aliasBomb(levels: number): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('parseYamlText', () => {
  it('reads plain YAML, with or without a byte order mark, and a few aliases', () => {
    expect(parseYamlText('a: 1\nb: [x]\n')).toEqual({ value: { a: 1, b: ['x'] } });
    expect(parseYamlText('\uFEFFa: 1\n')).toEqual({ value: { a: 1 } });
    expect(parseYamlText('a: &x [1]\nb: *x\n')).toEqual({ value: { a: [1], b: [1] } });
  });

  it('refuses an alias bomb in one line, quickly', () => {
    const started = Date.now();
    const result = parseYamlText(aliasBomb(9));
    expect(result).toEqual({
      error: `too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions; refused as a possible alias bomb)`,
    });
    // Not a timing goal: without the limit this document expands to 9^9 strings and never returns.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('names line and column of a syntax error, and an alias to no anchor', () => {
    expect(parseYamlText('a: [1\nb: 2\n')).toMatchObject({
      error: expect.stringMatching(/^invalid YAML at line \d+, column \d+: /),
    });
    expect(parseYamlText('a: 1\na: 2\n')).toEqual({
      error: expect.stringContaining('invalid YAML at line 2, column 1: Map keys must be unique'),
    });
    expect(parseYamlText('a: *nowhere\n')).toEqual({
      error: expect.stringContaining('invalid YAML: Unresolved alias'),
    });
  });
});

import { describe, expect, it } from 'vitest';

import {
  MAX_YAML_ALIASES,
  MAX_YAML_FLOW_DEPTH,
  flowTooDeep,
  parseYamlText,
} from '../../src/lib/yaml-text.js';

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

  it('refuses flow nesting deeper than the limit before parsing (yaml would run out of memory)', () => {
    const bomb = `tasks:\n  - ${'['.repeat(50_000)}`;
    expect(parseYamlText(bomb)).toEqual({
      error: `invalid YAML at line 2: nested deeper than ${MAX_YAML_FLOW_DEPTH} levels of [ ] or { }`,
    });
    // Brackets in quotes and comments do not count; closed ones give their level back.
    const deep = '['.repeat(MAX_YAML_FLOW_DEPTH);
    expect(flowTooDeep(`a: "${'['.repeat(300)}"\nb: '${'{'.repeat(300)}'\n# ${'['.repeat(300)}\n`)).toBe(
      undefined,
    );
    expect(flowTooDeep(`${deep}${']'.repeat(MAX_YAML_FLOW_DEPTH)}\n[1]\n`)).toBe(undefined);
    expect(flowTooDeep(`x\n${deep}[`)).toBe(2);
    expect(parseYamlText('a: [[1, {b: [2]}]]\n')).toEqual({ value: { a: [[1, { b: [2] }]] } });
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

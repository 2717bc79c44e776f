import { describe, expect, it } from 'vitest';

import { findJsonError } from '../../src/lib/json-error.js';

describe('findJsonError', () => {
  it.each([
    '{}',
    '[]',
    '{"a": [1, -2.5e3, 0, true, false, null, "x\\n\\u00e9"], "b": {}}',
    ' \n\t"just a string"\r\n',
    '0',
  ])('finds no error in valid JSON: %j', (text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(findJsonError(text)).toBeUndefined();
  });

  it.each([
    ['{\n  "a": 1,\n}', 3, 1, 'unexpected "}" (expected a property name in double quotes)'],
    ['{"a": tru}', 1, 10, 'unexpected "}" (expected "true")'],
    ['{"a" 1}', 1, 6, 'unexpected "1" (expected ":" after a property name)'],
    ['[1, 2', 1, 6, 'unexpected end of file (expected "," or "]")'],
    ['{"a": "line\nbreak"}', 1, 12, 'control character inside a string'],
    ['{"a": "\\x"}', 1, 9, 'expected an escape'],
    ['{"a": 01}', 1, 8, 'unexpected "1" (expected "," or "}")'],
    ['{"a": 1} {}', 1, 10, 'expected the end of the file'],
    ["{'a': 1}", 1, 2, 'unexpected "\'" (expected a property name in double quotes)'],
    ['', 1, 1, 'unexpected end of file (expected a value)'],
    ['\uFEFF{}', 1, 1, 'unexpected character U+FEFF (expected a value)'],
    ['{\n  "tasks": [oops]\n}', 2, 13, 'unexpected "o" (expected a value)'],
  ])('places the error in %j at line %i, column %i', (text, line, column, message) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    const place = findJsonError(text);
    expect(place).toMatchObject({ line, column });
    expect(place?.message).toContain(message);
    expect(place?.message).not.toContain('\n');
  });

  it('stops at 512 levels of nesting instead of overflowing the stack', () => {
    expect(findJsonError('['.repeat(100_000))).toMatchObject({
      line: 1,
      column: 513,
      message: expect.stringContaining('at most 512 levels of nesting') as string,
    });
  });
});

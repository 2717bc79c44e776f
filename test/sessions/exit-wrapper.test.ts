import { describe, expect, it } from 'vitest';

import { SentinelFilter, signalName } from '../../src/sessions/exit-wrapper.js';

const NONCE = '0123456789abcdef';
const SENTINEL = `\x1b]7770;haco-end;${NONCE};137;9\x07`;

describe('SentinelFilter', () => {
  it('removes the sentinel and reads the exit from it, wherever the output is split', () => {
    const output = `\x1b[31mred\x1b[0m last line\r\n${SENTINEL}`;
    for (let a = 0; a <= output.length; a++) {
      for (let b = a; b <= output.length; b++) {
        const filter = new SentinelFilter(NONCE);
        const text =
          filter.push(output.slice(0, a)) + filter.push(output.slice(a, b)) + filter.push(output.slice(b));
        expect(text + filter.flush(), `split at ${a}, ${b}`).toBe('\x1b[31mred\x1b[0m last line\r\n');
        expect(filter.ended).toEqual({ exitCode: 137, signal: 9 });
      }
    }
  });

  it('passes through look-alikes without the nonce, and an ESC that starts no sentinel', () => {
    const filter = new SentinelFilter(NONCE);
    const fake = '\x1b]7770;haco-end;ffffffffffffffff;0;0\x07';
    expect(filter.push(`a${fake}b\x1b`)).toBe(`a${fake}b`);
    expect(filter.push('[0m')).toBe('\x1b[0m');
    expect(filter.push('tail \x1b]77')).toBe('tail ');
    expect(filter.flush()).toBe('\x1b]77');
    expect(filter.ended).toBeUndefined();
  });

  it('reads a normal exit as code and no signal', () => {
    const filter = new SentinelFilter(NONCE);
    expect(filter.push(`x\x1b]7770;haco-end;${NONCE};3;0\x07`)).toBe('x');
    expect(filter.ended).toEqual({ exitCode: 3, signal: null });
  });
});

it('names signals by number', () => {
  expect(signalName(9)).toBe('SIGKILL');
  expect(signalName(11)).toBe('SIGSEGV');
  expect(signalName(250)).toBe('signal 250');
});

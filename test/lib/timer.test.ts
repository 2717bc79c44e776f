import { afterEach, beforeEach, expect, it, vi } from 'vitest';

import { MAX_TIMER_MS, setLongTimeout } from '../../src/lib/timer.js';

const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('fires a 700 h timeout after 700 h, not after 1 ms as one Node timer would', () => {
  // The fake clock overflows like Node: one setTimeout of 700 h fires after 1 ms.
  const naive = vi.fn();
  setTimeout(naive, 700 * HOUR);
  const fired = vi.fn();
  setLongTimeout(fired, 700 * HOUR);
  vi.advanceTimersByTime(2);
  expect(naive).toHaveBeenCalled();
  expect(fired).not.toHaveBeenCalled();
  vi.advanceTimersByTime(700 * HOUR - 3);
  expect(fired).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(fired).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(100 * HOUR);
  expect(fired).toHaveBeenCalledTimes(1);
});

it('chains timers no longer than the largest one Node takes', () => {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  setLongTimeout(() => undefined, 30 * 24 * HOUR);
  vi.advanceTimersByTime(30 * 24 * HOUR);
  const delays = spy.mock.calls.map((call) => call[1] ?? 0);
  expect(delays.length).toBeGreaterThanOrEqual(2);
  for (const delay of delays) expect(delay).toBeLessThanOrEqual(MAX_TIMER_MS);
  spy.mockRestore();
});

it('fires short timeouts at their time and never after clear()', () => {
  const fired = vi.fn();
  setLongTimeout(fired, 1500);
  vi.advanceTimersByTime(1499);
  expect(fired).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(fired).toHaveBeenCalledTimes(1);

  const cleared = vi.fn();
  const long = setLongTimeout(cleared, 600 * HOUR);
  vi.advanceTimersByTime(MAX_TIMER_MS + 10);
  long.clear();
  long.clear();
  vi.advanceTimersByTime(600 * HOUR);
  expect(cleared).not.toHaveBeenCalled();
});

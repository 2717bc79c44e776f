/**
 * Longest delay one Node timer takes, ms (2^31 − 1, about 24.8 days). A longer delay is not
 * refused: Node prints a TimeoutOverflowWarning and fires after 1 ms (Node docs, `setTimeout`).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending {@link setLongTimeout}; `clear()` cancels it (idempotent). */
export interface LongTimeout {
  clear(): void;
}

/**
 * Calls `fn` once after `ms` milliseconds, for any finite `ms`: delays longer than
 * {@link MAX_TIMER_MS} are chained, each link at most that long, measured against the wall clock
 * (`Date.now`) so the links add up to the whole delay. A non-finite or negative `ms` is treated as
 * 0 (fires on the next turn), never as "forever".
 * @param ms delay, ms
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  const due = Date.now() + (Number.isFinite(ms) && ms > 0 ? ms : 0);
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (): void => {
    const left = due - Date.now();
    if (left > MAX_TIMER_MS) {
      timer = setTimeout(arm, MAX_TIMER_MS);
      return;
    }
    timer = setTimeout(
      () => {
        if (!cleared) fn();
      },
      Math.max(0, left),
    );
  };
  arm();
  return {
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
  };
}

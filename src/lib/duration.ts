const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Shortest timeout a config or plan may set (`timeout`, `verify_timeout`), ms: 1 s. */
export const MIN_TIMEOUT_MS = 1000;
/**
 * Longest timeout a config or plan may set, ms: 30 days. Longer than one Node timer takes
 * (2^31 − 1 ms, ~24.8 days), so timers are chained (src/lib/timer.ts).
 */
export const MAX_TIMEOUT_MS = 30 * 86_400_000;
/** What a timeout must be, for messages. */
export const TIMEOUT_RANGE = 'expected a duration from 1s to 30d (e.g. 90s, 10m, 2h)';

/**
 * Parses a timeout (`timeout`, `verify_timeout`): a duration from 1 s to 30 days.
 * @returns milliseconds
 * @throws Error with a one-line message for anything else: not a duration, NaN, Infinity, zero,
 *   negative, or out of range
 */
export function parseTimeout(value: string | number): number {
  const ms = durationMs(value);
  if (!(ms >= MIN_TIMEOUT_MS && ms <= MAX_TIMEOUT_MS)) {
    const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
    throw new Error(`${TIMEOUT_RANGE}, got ${shown}`);
  }
  return ms;
}

/**
 * Parses a duration such as `90s`, `10m`, `1h30m`, `2d`, `500ms` or a bare number of seconds.
 * @returns milliseconds
 * @throws Error with a one-line message when the text is not a positive duration
 */
export function parseDuration(text: string | number): number {
  const ms = durationMs(text);
  if (!(ms > 0 && Number.isFinite(ms))) {
    const shown = typeof text === 'number' ? String(text) : JSON.stringify(text);
    throw new Error(`expected a positive duration (e.g. 90s, 10m, 1h30m), got ${shown}`);
  }
  return ms;
}

/**
 * A duration's milliseconds, whatever its size (a number may be NaN, infinite, zero or negative).
 * @throws Error when a string is not written as a duration
 */
function durationMs(text: string | number): number {
  if (typeof text === 'number') return text * 1000;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new Error(`not a duration: "${text}" (use e.g. 90s, 10m, 1h30m)`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS_MS[p[2] ?? 's'] ?? 1000), 0);
}

/** Formats milliseconds as a short human duration: `850ms`, `42s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

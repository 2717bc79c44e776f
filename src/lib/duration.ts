const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `90s`, `10m`, `1h30m`, `500ms` or a bare number of seconds.
 * @returns milliseconds
 * @throws Error with a one-line message when the text is not a duration
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text <= 0) throw new Error(`not a positive duration: ${text}`);
    return text * 1000;
  }
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return parseDuration(Number(trimmed));
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new Error(`not a duration: "${text}" (use e.g. 90s, 10m, 1h30m)`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS_MS[p[2] ?? 's'] ?? 1000), 0);
  if (ms <= 0) throw new Error(`not a positive duration: "${text}"`);
  return ms;
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

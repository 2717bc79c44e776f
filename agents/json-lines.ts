import type { AgentSignal } from './types.js';

/** CSI, OSC and two-byte escape sequences (ECMA-48): what a pty adds around an agent's JSON lines. */
// eslint-disable-next-line no-control-regex -- escape sequences are control characters
const ANSI_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * Reads one line of an agent's JSON-lines stream as it arrives through a pty: escape sequences and
 * surrounding space removed, then parsed.
 * @returns `{event}` for a JSON object; otherwise the signals to emit instead — none for an empty
 *   line, a `display` of the text for anything else (stderr mixed into the pty)
 */
export function readJsonLine(line: string): { event: Record<string, unknown> } | AgentSignal[] {
  const text = line.replace(ANSI_SEQUENCE, '').trim();
  if (!text) return [];
  try {
    const event: unknown = JSON.parse(text);
    if (typeof event === 'object' && event !== null && !Array.isArray(event))
      return { event: event as Record<string, unknown> };
  } catch {
    // not JSON: shown as it is
  }
  return [{ type: 'display', text }];
}

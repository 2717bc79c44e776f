/**
 * Scripted model turns, shared by every dialect of the scripted model server (./model-server.ts).
 *
 * A script is a list of turns. Turn k answers the request that carries k tool results, so the script
 * is stateless across processes and side requests (titles) never consume a turn. Paths in `write` and
 * `edit` are relative to the repository root given to the server; each dialect turns them into the
 * tool call that CLI knows (claude `Write`, codex `apply_patch`, opencode `write`, …).
 *
 * @module
 */

/** What the model does in one turn. Exactly one of the action fields is expected. */
export interface Turn {
  /** Say this text and end the turn. */
  text?: string;
  /** Create or overwrite a file (`path` relative to the repository root). */
  write?: { path: string; content: string };
  /** Replace `old` by `new` in an existing file (`path` relative to the repository root). */
  edit?: { path: string; old: string; new: string };
  /** Run a shell command in the repository root. */
  shell?: { command: string };
  /** Answer with this HTTP status and error message instead of a model turn. */
  error?: { status: number; message: string };
  /** Wait this long (ms) before answering. */
  delayMs?: number;
}

/** The text said once the script has run out. */
export const DONE_TEXT = 'done.';

/** The answer to a request without tools (a session-title request). */
export const TITLE_TEXT = 'Scripted task';

/** Picks turn `k` (the count of tool results in the request); past the end the model says "done.". */
export function pickTurn(turns: readonly Turn[], toolResults: number): Turn {
  return turns[toolResults] ?? { text: DONE_TEXT };
}

/**
 * The codex patch format (the `apply_patch` tool of codex 0.171 and of opencode for `gpt-*` models):
 * `*** Begin Patch`, then `*** Add File: p` with `+` lines or `*** Update File: p` with an `@@` hunk of
 * `-`/`+` lines, then `*** End Patch`. Paths are relative to the working directory.
 * Returns undefined for a turn that writes nothing.
 */
export function toPatch(turn: Turn): string | undefined {
  const lines = (s: string, sign: string): string[] =>
    s
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => sign + l);
  if (turn.write) {
    return [
      '*** Begin Patch',
      `*** Add File: ${turn.write.path}`,
      ...lines(turn.write.content, '+'),
      '*** End Patch',
      '',
    ].join('\n');
  }
  if (turn.edit) {
    return [
      '*** Begin Patch',
      `*** Update File: ${turn.edit.path}`,
      '@@',
      ...lines(turn.edit.old, '-'),
      ...lines(turn.edit.new, '+'),
      '*** End Patch',
      '',
    ].join('\n');
  }
  return undefined;
}

const ERROR_WORDS = /denied|rejected|prevents|blocked|read-only file system|not allowed|error|fail/i;

/**
 * Guesses whether a tool result reports a failure. OpenAI Responses and Chat Completions carry no
 * error flag on tool results, so the text decides (refusals name "denied", "rejected", "blocked", …).
 */
export function looksLikeError(content: string): boolean {
  return ERROR_WORDS.test(content);
}

/** Resolves after `ms` milliseconds (a turn's scripted delay; 0 or undefined returns at once). */
export async function turnDelay(turn: Turn): Promise<void> {
  if (turn.delayMs && turn.delayMs > 0) await new Promise((r) => setTimeout(r, turn.delayMs));
}

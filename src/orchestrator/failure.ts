/** The line between a failure's cause and the agent's last output lines. */
const OUTPUT_HEADER = 'last output:';
/** Prefix of each output line in a failure message. */
const OUTPUT_PREFIX = '  | ';

/**
 * A failed attempt's message: the cause on the first line (`agent killed by SIGKILL`), then, when
 * the agent printed anything, `last output:` and its last lines, each as `  | line`. This text is
 * the attempt's and the task's `error`, goes into the retry prompt, and is shown by `haco status`
 * and the headless progress lines.
 * @param tail the agent's last non-empty output lines, plain text (PtySession.tail)
 */
export function failureMessage(cause: string, tail: readonly string[]): string {
  if (tail.length === 0) return cause;
  return [cause, OUTPUT_HEADER, ...tail.map((line) => `${OUTPUT_PREFIX}${line}`)].join('\n');
}

/** The first line of a failure message: its cause. */
export function failureCause(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

/**
 * Whether a text is a failure message with output lines (see {@link failureMessage}) rather than,
 * say, a verify command's whole output.
 */
export function hasOutputLines(message: string): boolean {
  return message.split('\n', 2)[1] === OUTPUT_HEADER;
}

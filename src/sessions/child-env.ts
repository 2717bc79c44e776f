/**
 * The environment for an agent's pty: the parent's, plus `extra`, minus undefined values (node-pty
 * would pass the string "undefined") and minus `CI` (Ink-based agents go non-interactive when it is
 * set). Source: FIELD-NOTES.md, "Panes".
 */
export function childEnv(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...extra }))
    if (value !== undefined) env[key] = value;
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  return env;
}

/**
 * Variables of haco's own environment every agent and verify command gets: what a program needs to
 * find its tools and files and to print text (PATH, HOME, the user's identity and shell, locale,
 * time zone, temp dirs), the XDG base directories (paths where tools keep their config and caches,
 * never secrets themselves) and NO_COLOR (the user's colour choice). Everything else (cloud keys,
 * tokens, SSH agent sockets) stays out unless an agent type or the config passes it through.
 */
export const BASE_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  'NO_COLOR',
];

/** Whether a variable name matches a pass-through entry: a `NAME`, or a `PREFIX_*` prefix. */
export function envNameMatches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * The variables of haco's environment (`process.env`) named by {@link BASE_ENV} or `passthrough`
 * (names or `PREFIX_*`), then `extra` over them; undefined values are dropped (node-pty would pass
 * the string "undefined").
 */
export function minimalEnv(
  passthrough: readonly string[] = [],
  extra: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const patterns = [...BASE_ENV, ...passthrough];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && patterns.some((p) => envNameMatches(key, p))) env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/**
 * The environment for a program in a pty: {@link minimalEnv} (the basics, `passthrough`, then
 * `extra`), minus `CI` (Ink-based agents go non-interactive when it is set; source:
 * FIELD-NOTES.md, "Panes"), with TERM and COLORTERM describing the pty's emulator.
 */
export function childEnv(
  extra: Readonly<Record<string, string | undefined>> = {},
  passthrough: readonly string[] = [],
): Record<string, string> {
  const env = minimalEnv(passthrough, extra);
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  return env;
}

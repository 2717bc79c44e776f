/**
 * Exit codes of both bins (DESIGN.md, "CLI"): 0 completed, 1 run failed, 2 usage / config / plan
 * error, 3 paused at a breakpoint, 4 storage fault (disk full, read-only or corrupt `.haco/`; the
 * run is left resumable); stopped by a signal, the run paused: 129 SIGHUP, 130 SIGINT (Ctrl-C),
 * 143 SIGTERM (128 + the signal's number, as shells report it).
 */
export const ExitCode = {
  completed: 0,
  failed: 1,
  usage: 2,
  paused: 3,
  storage: 4,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The signals that pause a run, and the exit code each gives (128 + its number). */
export const PAUSE_SIGNALS = {
  SIGHUP: ExitCode.hangup,
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
} as const satisfies Partial<Record<NodeJS.Signals, ExitCode>>;
export type PauseSignal = keyof typeof PAUSE_SIGNALS;

/**
 * An expected failure a user can act on. `code` is stable (e.g. `config.invalid`); `lines` are the
 * one-line messages shown to the user, each naming the problem and where it is.
 */
export class HacoError extends Error {
  /** @param code stable machine-readable code, e.g. `plan.invalid` */
  constructor(
    readonly code: string,
    readonly lines: readonly string[],
    readonly exitCode: ExitCode = ExitCode.usage,
  ) {
    super(lines.join('\n'));
    this.name = 'HacoError';
  }
}

/** A config file or merged config that does not match the schema; one line per problem, exit 2. */
export class ConfigError extends HacoError {
  constructor(lines: readonly string[]) {
    super('config.invalid', lines);
  }
}

/** A plan file that cannot be loaded or fails validation; one line per problem, exit 2. */
export class PlanError extends HacoError {
  constructor(lines: readonly string[]) {
    super('plan.invalid', lines);
  }
}

/** Bad command-line input (unknown run, unknown breakpoint, wrong flag value); exit 2. */
export class UsageError extends HacoError {
  constructor(line: string) {
    super('usage', [line]);
  }
}

/** Narrows an exhausted union in a `switch`; throws if a value slips through at run time. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

/**
 * The `--help` epilogue of both bins: their exit codes (lib/errors.ts `ExitCode`, README "Exit
 * codes").
 */
export const EXIT_CODES_HELP = `
Exit codes:
  0    the run completed          1    the run failed (or a rollback kept paths)
  2    usage, config or plan error, or another haco holds this repository
  3    paused at a breakpoint     4    storage fault (.haco/ unusable; the run stays resumable)
  129  SIGHUP, 130 SIGINT (Ctrl-C), 143 SIGTERM: the run was paused (continue with haco resume RUN)`;

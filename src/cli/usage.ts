import type { Command } from 'commander';

/** The full name of a (sub)command as typed: `haco run`, `haco-tui`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Words a commander error (`error: unknown option '--x'\n(Did you mean --y?)\n`) as one line:
 * `haco run: unknown option '--x' (Did you mean --y?); see haco run --help`.
 */
export function usageLine(command: Command, text: string): string {
  const message = text
    .replace(/^error:\s*/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\.$/, '');
  const path = commandPath(command);
  return `${path}: ${message}; see ${path} --help`;
}

/**
 * Makes every usage error of `program` and its subcommands (unknown option or command, missing or
 * bad argument) one line on stderr with a pointer to the command's `--help`, instead of
 * commander's message followed by the whole help. Call after every subcommand is registered; the
 * exit code stays with the program's `exitOverride` (2 for usage errors).
 */
export function oneLineUsageErrors(program: Command): Command {
  const visit = (command: Command): void => {
    command.showHelpAfterError(false);
    command.configureOutput({
      outputError: (text, write) => write(`${usageLine(command, text)}\n`),
    });
    command.commands.forEach(visit);
  };
  visit(program);
  return program;
}

import { Command, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';

import { oneLineUsageErrors } from '../../src/cli/usage.js';

/** A small program like `haco`: one subcommand with an argument and a checked option. */
function program(): { run: (...argv: string[]) => { code: string; stderr: string } } {
  let stderr = '';
  const root = new Command('tool')
    .exitOverride()
    .configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => undefined });
  root
    .command('go')
    .argument('<plan>', 'plan')
    .option('--json', 'json')
    .option('--n <n>', 'a number', (v) => {
      if (v !== '1') throw new InvalidArgumentError('expected 1.');
      return 1;
    })
    .action(() => undefined);
  oneLineUsageErrors(root);
  return {
    run: (...argv) => {
      stderr = '';
      try {
        root.parse(argv, { from: 'user' });
        return { code: 'ok', stderr };
      } catch (error) {
        return { code: (error as { code: string }).code, stderr };
      }
    },
  };
}

describe('oneLineUsageErrors', () => {
  it.each([
    [['bogus'], "tool: unknown command 'bogus'; see tool --help"],
    [['og'], "tool: unknown command 'og' (Did you mean go?); see tool --help"],
    [['go'], "tool go: missing required argument 'plan'; see tool go --help"],
    [['go', 'p', '--jsn'], "tool go: unknown option '--jsn' (Did you mean --json?); see tool go --help"],
    [
      ['go', 'p', '--n', '2'],
      "tool go: option '--n <n>' argument '2' is invalid. expected 1; see tool go --help",
    ],
  ])('%j → one line naming the command and its --help', (argv, line) => {
    const { code, stderr } = program().run(...argv);
    expect(code).toMatch(/^commander\./);
    expect(stderr).toBe(`${line}\n`);
  });

  it('leaves a good command line alone', () => {
    expect(program().run('go', 'plan.yaml', '--json')).toEqual({ code: 'ok', stderr: '' });
  });
});

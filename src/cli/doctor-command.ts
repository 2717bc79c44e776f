import { resolve } from 'node:path';

import type { Command } from 'commander';

import { loadConfig } from '../config/load.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { Workspace } from '../workspace/git.js';
import { runCommand } from './common.js';
import { formatDoctor, runDoctor } from './doctor.js';

/**
 * `haco doctor [--json] [--config FILE]`: checks the configured agents (program found, version,
 * endpoint), git, Node, Perl and the terminal, read-only. Outside a git repository only the
 * built-in and user config layers are read. Exit 0 when every required check passes, 1 when one
 * fails, 2 for a bad config.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the configured agents (found, version, endpoint), git, node, perl and the terminal; writes nothing',
    )
    .option('--config <file>', 'config file')
    .option(
      '--json',
      'print one JSON object: {ok, agents: [{name, type, command, found, version, endpoint}], git, node, perl, terminal}',
    )
    .action((flags: { config?: string; json?: boolean }) =>
      runCommand(async () => {
        const repoRoot = await Workspace.open(process.cwd()).then(
          (w) => w.root,
          (error: unknown) => {
            if (error instanceof UsageError) return undefined; // not a repository: no repo layer
            throw error;
          },
        );
        const { config } = loadConfig({
          ...(repoRoot === undefined ? {} : { repoRoot }),
          ...(flags.config === undefined ? {} : { configFile: resolve(flags.config) }),
        });
        const report = await runDoctor({ config, repoRoot: repoRoot ?? process.cwd() });
        process.stdout.write(
          flags.json ? `${JSON.stringify(report)}\n` : `${formatDoctor(report).join('\n')}\n`,
        );
        return report.ok ? ExitCode.completed : ExitCode.failed;
      }),
    );
}

#!/usr/bin/env node
import { Command } from 'commander';

import { packageVersion } from '../lib/version.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerInitCommand } from './init-command.js';
import { registerLogsCommand } from './logs-command.js';
import { registerPlanCommand } from './plan-command.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { registerRollbackCommand } from './rollback-command.js';
import { registerRunCommands } from './run-commands.js';
import { registerStateCommands } from './state-commands.js';
import { oneLineUsageErrors } from './usage.js';
import { registerWorkerCommand } from './worker-command.js';

/** The `haco` bin: headless commands for scripts (DESIGN.md, "CLI"). */
export function buildProgram(): Command {
  const program = new Command('haco')
    .description(
      'Hybrid AI Coding Orchestration: run a plan of AI coding agents on one repository (headless)',
    )
    .version(packageVersion())
    .exitOverride((error) => {
      // The message is already out (one line, see oneLineUsageErrors); usage errors exit 2 like
      // every bad input.
      process.exit(error.exitCode === 0 ? 0 : 2);
    });
  registerPlanCommand(program);
  registerRunCommands(program);
  registerStateCommands(program);
  registerRollbackCommand(program);
  registerLogsCommand(program);
  registerDoctorCommand(program);
  registerWorkerCommand(program);
  registerInitCommand(program);
  program.addHelpText('after', EXIT_CODES_HELP);
  return oneLineUsageErrors(program);
}

await buildProgram().parseAsync(process.argv);

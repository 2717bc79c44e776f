#!/usr/bin/env node
import { Command } from 'commander';

import { registerRollbackCommand } from './rollback-command.js';
import { registerRunCommands } from './run-commands.js';
import { registerStateCommands } from './state-commands.js';

/** The `haco` bin: headless commands for scripts (DESIGN.md, "CLI"). */
export function buildProgram(): Command {
  const program = new Command('haco')
    .description(
      'Hybrid AI Coding Orchestration: run a plan of AI coding agents on one repository (headless)',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride((error) => {
      // commander prints its own one-line message; usage errors exit 2 like every bad input.
      process.exit(error.exitCode === 0 ? 0 : 2);
    });
  registerRunCommands(program);
  registerStateCommands(program);
  registerRollbackCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);

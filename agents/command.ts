import { z } from 'zod';

import { CommonAgentFields } from '../src/config/agent-fields.js';
import type { AgentAdapter } from './types.js';

/** `command`: any executable; exit code 0 means done (DESIGN.md, agent table). */
export const CommandAgentSchema = z.strictObject({
  type: z.literal('command'),
  command: z.string().min(1),
  ...CommonAgentFields,
});

/** A `command` agent's configuration. */
export type CommandAgentConfig = z.output<typeof CommandAgentSchema>;

/**
 * `command`: any executable, started in the repo root. It learns its task from the environment:
 * `HACO_RUN_ID`, `HACO_TASK_ID`, `HACO_PROMPT_FILE` (the full prompt haco built), `HACO_TASK_FILE`
 * (the task as JSON) and `HACO_OWNED_FILES` (newline-separated owned paths). Exit code 0 = done.
 */
export const commandAdapter = {
  type: 'command',
  configSchema: CommandAgentSchema,
  example: { type: 'command', command: './scripts/agent.sh', args: ['--fast'] },
  completion: { kind: 'exit' },
  // Any executable: it gets only the basics unless its config names more (`env_passthrough`).
  envPassthrough: [],
  program: { command: (config) => config.command },
  launch(config, task, ctx) {
    return {
      command: config.command,
      args: config.args ?? [],
      env: {
        ...config.env,
        HACO_RUN_ID: ctx.runId,
        HACO_TASK_ID: task.id,
        HACO_ATTEMPT: String(ctx.attempt),
        HACO_PROMPT_FILE: ctx.promptFile,
        HACO_TASK_FILE: ctx.taskFile,
        HACO_OWNED_FILES: task.files.join('\n'),
      },
    };
  },
} satisfies AgentAdapter<CommandAgentConfig>;

/**
 * haco's opencode plugin (opencode 1.18 plugin API: a module whose exported function returns
 * hooks; `tool.execute.before(input {tool, sessionID, callID}, output {args})` runs before every
 * tool call, and an error it throws refuses the call: the model gets the error text as the tool's
 * result and the session goes on — verified against opencode 1.18.33). It asks haco on the ask
 * channel (`HACO_ASK_SOCKET`, src/orchestrator/ask-server.ts) and refuses unless haco allows, so a
 * write outside the task's files is refused (or put to the user) before it happens and shell
 * commands follow `permissions.bash_allow`.
 *
 * It runs inside opencode's bun runtime, loaded from the attempt's config directory
 * (`OPENCODE_CONFIG_DIR`, see ./opencode.ts); imports only node.
 *
 * @module
 */
import { askHaco, refusalOf } from './ask-client.js';

/** The request the plugin sends: opencode's tool name and its arguments, as opencode gave them. */
export interface OpencodeAskMessage {
  readonly tool: string;
  readonly input: unknown;
}

/**
 * The plugin: opencode calls it once at start-up with its context and keeps the returned hooks.
 * @throws Error (from the hook) when haco refuses the call or cannot be asked: the tool is refused
 */
export const HacoPlugin = async (): Promise<Record<string, unknown>> => ({
  'tool.execute.before': async (input: { tool?: unknown }, output: { args?: unknown }): Promise<void> => {
    const socketPath = process.env.HACO_ASK_SOCKET;
    if (!socketPath) throw new Error('haco: no ask channel; tool call refused');
    const message: OpencodeAskMessage = { tool: String(input.tool ?? ''), input: output.args ?? {} };
    const reason = refusalOf(await askHaco(socketPath, message));
    if (reason !== undefined) throw new Error(reason);
  },
});

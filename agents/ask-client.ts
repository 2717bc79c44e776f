/**
 * The hook side of haco's ask channel (protocol in src/orchestrator/ask-server.ts), for the code
 * an adapter puts inside its agent: codex's PreToolUse hook (a node process), the opencode plugin
 * (inside opencode's bun runtime). Imports only node.
 *
 * @module
 */
import { createConnection } from 'node:net';

/** haco's answer as read from the channel. */
export interface AskAnswer {
  readonly behavior?: unknown;
  readonly message?: unknown;
}

/**
 * Sends one request (any JSON value) to haco on the socket at `socketPath` and resolves with its
 * answer, however long it takes (a breakpoint waits for the user).
 * @throws Error when the socket cannot be reached or the connection ends without an answer
 */
export function askHaco(socketPath: string, message: unknown): Promise<AskAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(message)}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(JSON.parse(reply) as AskAnswer);
      } catch {
        reject(new Error('haco gave no answer'));
      }
    });
  });
}

/** The refusal text of an answer that is not `allow` (undefined when haco allows). */
export function refusalOf(answer: AskAnswer): string | undefined {
  if (answer.behavior === 'allow') return undefined;
  return typeof answer.message === 'string' ? answer.message : 'haco refused this tool call';
}

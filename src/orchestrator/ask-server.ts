/**
 * The ask channel: a Unix socket on which an agent's own hook (codex's PreToolUse command hook, an
 * opencode plugin) asks haco before a tool runs, for agents whose CLI has no stdio permission
 * protocol. haco's protocol, one exchange per connection:
 *
 *   hook → haco   one JSON value and `\n` (what the agent is about to do, as the adapter's hook
 *                 writes it; the adapter's `ask.readRequest` reads it)
 *   haco → hook   `{"behavior":"allow"}` or `{"behavior":"deny","message":"…"}` and `\n`; then
 *                 haco ends the connection.
 *
 * The answer may take as long as a breakpoint waits. A hook that cannot connect, or whose
 * connection ends without an answer, must refuse the tool (fail closed).
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PermissionDecision } from '../../agents/types.js';

/** Longest Unix socket path Linux takes (`sun_path` is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
/** Largest request accepted, bytes: a patch can be big, but not this big. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/** A listening ask channel. */
export interface AskServer {
  /** Absolute path of the socket, for the agent's hook (e.g. in `HACO_ASK_SOCKET`). */
  readonly path: string;
  /** Stops listening, ends open connections (their hooks then refuse) and removes the socket. */
  close(): Promise<void>;
}

/**
 * Listens on a new socket in a private directory (mode 700, under the temp dir, or `/tmp` when
 * the temp dir's path would make the socket path too long). Each request is handed to `answer`;
 * a request that is not one JSON line, or that `answer` rejects, is refused with a message.
 * @throws Error when the socket cannot be made (no writable temp dir)
 */
export async function startAskServer(
  answer: (message: unknown) => Promise<PermissionDecision>,
): Promise<AskServer> {
  let dir = mkdtempSync(join(tmpdir(), 'haco-ask-'));
  if (join(dir, 's').length > MAX_SOCKET_PATH) {
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync('/tmp/haco-ask-');
  }
  const path = join(dir, 's');
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    let asked = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (asked) return;
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) {
        asked = true;
        reply(socket, { behavior: 'deny', message: 'haco: request too large; refused' });
        return;
      }
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      asked = true;
      let message: unknown;
      try {
        message = JSON.parse(buffer.slice(0, newline));
      } catch {
        reply(socket, { behavior: 'deny', message: 'haco: unreadable permission request; refused' });
        return;
      }
      answer(message).then(
        (decision) => reply(socket, decision),
        (error: unknown) =>
          reply(socket, {
            behavior: 'deny',
            message: `haco: could not decide (${(error as Error).message}); refused`,
          }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    path,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function reply(socket: Socket, decision: PermissionDecision): void {
  if (socket.destroyed) return;
  socket.end(`${JSON.stringify(decision)}\n`);
}

/**
 * haco's PreToolUse hook for codex (0.171 `hooks.PreToolUse`, research/agent-clis-offline.md
 * §1.5.1): run by codex before every tool call, it asks haco on the ask channel
 * (src/orchestrator/ask-server.ts) and refuses the call unless haco allows it — so a patch outside
 * the task's owned files is refused (or put to the user) before the write, and shell commands
 * follow `permissions.bash_allow`. The adapter (./codex.ts) writes a small wrapper script into the
 * attempt directory that imports this module and calls {@link runCodexHook}; the wrapper denies on
 * any error, because codex lets the tool run when a hook crashes (or times out: the adapter sets
 * the hook's timeout past the attempt's).
 *
 * Imports only node: it runs in its own short-lived node process.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

import { askHaco, refusalOf } from './ask-client.js';
import type { PermissionAction } from './types.js';

/** The part of codex's PreToolUse hook input haco reads (JSON on the hook's stdin). */
export interface CodexHookInput {
  /** `apply_patch` (the patch tool), `Bash` (any shell command), or another tool name. */
  readonly tool_name?: unknown;
  /** `{command}`: the patch text for `apply_patch`, the command line for `Bash`. */
  readonly tool_input?: unknown;
  /** codex's working directory (the repository root); relative patch paths are relative to it. */
  readonly cwd?: unknown;
}

/** A header line of the codex patch format naming a file it adds, updates, deletes or moves to. */
const PATCH_PATH = /^\s*\*\*\* (?:(?:Add|Update|Delete) File|Move to): (.+?)\s*$/gm;

/**
 * The paths a codex patch writes, as written in it (relative to codex's cwd or absolute): every
 * `*** Add File: p`, `*** Update File: p`, `*** Delete File: p` and `*** Move to: p` line. Also
 * finds them inside a shell command (the `apply_patch <<'PATCH' … PATCH` heredoc form).
 */
export function patchTargets(text: string): string[] {
  return [...text.matchAll(PATCH_PATH)].map((m) => m[1] ?? '').filter((p) => p !== '');
}

/**
 * What a codex tool call would do, from the request the hook sent on the ask channel
 * ({@link CodexAskMessage}): a patch (`apply_patch`, or a `Bash` command holding an
 * `apply_patch` heredoc) writes the paths it names, resolved against codex's `cwd` (absolute);
 * any other `Bash` command runs that command line; any other tool is `other` (the user decides).
 */
export function codexToolAction(message: CodexAskMessage): PermissionAction {
  const text = typeof message.input?.command === 'string' ? message.input.command : '';
  const targets = message.tool === 'apply_patch' || message.tool === 'Bash' ? patchTargets(text) : [];
  if (targets.length > 0 || message.tool === 'apply_patch') {
    const cwd = typeof message.cwd === 'string' && isAbsolute(message.cwd) ? message.cwd : undefined;
    return { kind: 'write', paths: targets.map((t) => (cwd === undefined ? t : resolve(cwd, t))) };
  }
  if (message.tool === 'Bash') return { kind: 'shell', command: text };
  return { kind: 'other' };
}

/**
 * The request haco's codex hook sends on the ask channel (src/orchestrator/ask-server.ts): the
 * tool's name and input as codex gave them, and codex's working directory with the repository
 * root's spelling (codex reports it with symlinks resolved).
 */
export interface CodexAskMessage {
  readonly tool: string;
  readonly input?: { readonly command?: unknown };
  readonly cwd?: string;
}

/** The stdout line that denies a tool call (codex 0.171 PreToolUse output). */
export function codexDenyOutput(reason: string): string {
  return JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: reason,
    },
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The hook's main: reads codex's hook input (JSON) on stdin, asks haco on the ask channel
 * (`HACO_ASK_SOCKET`) and waits for the answer however long a breakpoint takes; prints a deny
 * (see {@link codexDenyOutput}) unless haco allows, exit code 0.
 * @throws Error when the input is not JSON, the environment lacks `HACO_ASK_SOCKET` or
 *   `HACO_REPO_ROOT`, or haco cannot be reached or gives no answer (the wrapper then denies)
 */
export async function runCodexHook(): Promise<void> {
  const socketPath = process.env.HACO_ASK_SOCKET ?? '';
  const repoRoot = process.env.HACO_REPO_ROOT ?? '';
  if (!isAbsolute(socketPath) || !isAbsolute(repoRoot))
    throw new Error('HACO_ASK_SOCKET or HACO_REPO_ROOT unset');
  const input = JSON.parse(await readStdin()) as CodexHookInput;
  const cwd = repoSpelling(input.cwd, repoRoot);
  const answer = await askHaco(socketPath, {
    tool: typeof input.tool_name === 'string' ? input.tool_name : '',
    input: (input.tool_input ?? {}) as { command?: unknown },
    ...(cwd === undefined ? {} : { cwd }),
  });
  const reason = refusalOf(answer);
  if (reason !== undefined) process.stdout.write(`${codexDenyOutput(reason)}\n`);
}

/**
 * codex's cwd spelled under `repoRoot` as haco knows it: codex reports its cwd with symlinks
 * resolved (e.g. macOS /var → /private/var), so a cwd inside the real repository is re-rooted.
 */
function repoSpelling(cwd: unknown, repoRoot: string): string | undefined {
  if (typeof cwd !== 'string' || !isAbsolute(cwd)) return undefined;
  const rel = relative(realpathSync(repoRoot), realpathSync(cwd));
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return cwd;
  return resolve(repoRoot, rel);
}

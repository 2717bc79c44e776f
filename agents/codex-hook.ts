/**
 * haco's PreToolUse hook for codex (0.171 `hooks.PreToolUse`, research/agent-clis-offline.md
 * §1.5.1): run by codex before every tool call, it denies a patch that would touch a path outside
 * the task's owned files, before the write. The adapter (./codex.ts) writes a small wrapper script
 * into the attempt directory that imports this module and calls {@link runCodexHook}; the wrapper
 * denies on any error, because codex lets the tool run when a hook crashes.
 *
 * Imports only node and the ownership matcher: it runs in its own short-lived node process.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

import { ownershipMatcher } from '../src/ownership/paths.js';

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
 * What haco answers a PreToolUse call: a deny reason (shown to the model) when the tool's patch
 * names a path outside `owned` (patterns as src/ownership/paths.ts `ownershipMatcher` reads them),
 * else undefined (codex goes on). Shell commands without a patch are left to haco's watcher.
 * @param repoRoot absolute repository root; a path resolving outside it is never owned
 */
export function codexHookDecision(
  input: CodexHookInput,
  owned: readonly string[],
  repoRoot: string,
): string | undefined {
  const toolInput = input.tool_input as { command?: unknown } | undefined;
  const text = typeof toolInput?.command === 'string' ? toolInput.command : '';
  const targets = patchTargets(text);
  if (targets.length === 0) return undefined;
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? input.cwd : repoRoot;
  const isOwned = ownershipMatcher(owned);
  const outside = targets.filter((target) => {
    const rel = relative(repoRoot, resolve(cwd, target));
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return true;
    return !isOwned(rel.split(sep).join('/'));
  });
  if (outside.length === 0) return undefined;
  return (
    `haco: this task may only write ${owned.join(', ')}; ` +
    `not ${outside.join(', ')}. Write only the task's own files.`
  );
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
 * The hook's main: reads the hook input (JSON) on stdin and the owned paths from
 * `HACO_OWNED_FILES` (newline-separated) and `HACO_REPO_ROOT`, prints a deny (see
 * {@link codexDenyOutput}) or nothing, exit code 0.
 * @throws Error when the input is not JSON or the environment lacks the owned files or root (the
 *   wrapper then denies)
 */
export async function runCodexHook(): Promise<void> {
  const owned = (process.env.HACO_OWNED_FILES ?? '').split('\n').filter((p) => p !== '');
  const repoRoot = process.env.HACO_REPO_ROOT ?? '';
  if (owned.length === 0 || !isAbsolute(repoRoot))
    throw new Error('HACO_OWNED_FILES or HACO_REPO_ROOT unset');
  const input = JSON.parse(await readStdin()) as CodexHookInput;
  // codex reports its cwd with symlinks resolved (e.g. macOS /var → /private/var): compare real paths.
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? realpathSync(input.cwd) : undefined;
  const reason = codexHookDecision({ ...input, cwd }, owned, realpathSync(repoRoot));
  if (reason !== undefined) process.stdout.write(`${codexDenyOutput(reason)}\n`);
}

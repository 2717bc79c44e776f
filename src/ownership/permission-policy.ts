import { isAbsolute, relative, resolve, sep } from 'node:path';

import type { PermissionDecision, PermissionRequest } from '../../agents/types.js';
import { PermissionsSchema, type PermissionsConfig } from '../config/schema.js';
import { ownershipMatcher } from './paths.js';

/** What a worker may do without asking the user. */
export interface PermissionPolicy {
  /** Absolute path of the repository root; relative paths in requests are taken from here. */
  readonly repoRoot: string;
  /** Whether the task owns a repo-relative path (see `ownershipMatcher`). */
  readonly owns: (repoRelativePath: string) => boolean;
  /** The task's owned paths as the plan wrote them, named in denial messages. */
  readonly ownedFiles: readonly string[];
  /** Shell command lines run without asking (config `permissions.bash_allow`; see {@link shellCommandAllowed}). */
  readonly bashAllow: readonly string[];
  /** A write outside the task's files: refused at once, or put to the user (config `permissions.outside_write`). */
  readonly onOutsideWrite: 'deny' | 'breakpoint';
  /**
   * Repo-relative files outside the task's ownership it may still write, exactly these paths: the
   * hybrid loop's draft request file under `.haco/runs/` (src/orchestrator/delegate.ts); never committed.
   */
  readonly scratch?: readonly string[];
}

/** Grants one task gets beyond the run's config (the hybrid loop's `delegate:`). */
export interface TaskGrants {
  /** Extra exact `bash_allow` entries for this task only. */
  readonly bashAllow?: readonly string[];
  /** See {@link PermissionPolicy.scratch}. */
  readonly scratch?: readonly string[];
}

/**
 * The policy for one task: its owned paths, the run's `permissions` config and the task's own
 * `grants`. A run recorded before `permissions` existed has none in its stored config; the
 * defaults apply then.
 */
export function taskPermissionPolicy(
  repoRoot: string,
  ownedFiles: readonly string[],
  permissions: PermissionsConfig | undefined,
  grants: TaskGrants = {},
): PermissionPolicy {
  const { bash_allow, outside_write } = permissions ?? PermissionsSchema.parse(undefined);
  return {
    repoRoot,
    owns: ownershipMatcher(ownedFiles),
    ownedFiles,
    bashAllow: [...bash_allow, ...(grants.bashAllow ?? [])],
    onOutsideWrite: outside_write,
    ...(grants.scratch?.length ? { scratch: grants.scratch } : {}),
  };
}

/** The policy's answer: a decision it can make alone, or a question for the user. */
export type PermissionOutcome =
  | { readonly decision: PermissionDecision }
  /** `message` says what is asked and why, worded for the user and, if refused, for the model. */
  | { readonly breakpoint: { readonly message: string } };

/** Characters that chain, redirect or substitute in a shell line: such a line never matches an allow entry. */
const SHELL_CONTROL = /[;&|<>`$()\n\r]/;

/**
 * Whether a shell command line is on the allowlist. The line is trimmed and runs of blanks become
 * one space. An entry without `*` matches exactly; an entry ending in `*` stands for "any
 * arguments": `npm test*` matches `npm test` and `npm test -- --run` but not `npm testify`, and
 * `cat *` (blank before the `*`) needs at least one argument; `*` alone allows every command
 * line (still subject to the next rule). A `*` elsewhere is a literal character. (Not picomatch:
 * a command line is not a path, and a glob `*` stops at `/`.) A line holding any of
 * `;` `&` `|` `<` `>` `$` `(` `)`, a backquote or a line break never matches, even inside quotes,
 * so `npm test && rm -rf x` cannot ride on `npm test*`.
 */
export function shellCommandAllowed(command: string, allow: readonly string[]): boolean {
  const line = command.trim().replace(/[ \t]+/g, ' ');
  if (line === '' || SHELL_CONTROL.test(line)) return false;
  return allow.some((raw) => {
    const entry = raw.trim().replace(/[ \t]+/g, ' ');
    if (!entry.endsWith('*')) return line === entry;
    const prefix = entry.slice(0, -1);
    if (prefix === '') return true;
    if (prefix.endsWith(' ')) return line.startsWith(prefix) && line.length > prefix.length;
    return line === prefix || line.startsWith(`${prefix} `);
  });
}

/**
 * A path as the agent gave it (absolute, or relative to the repo root), made repo-relative with
 * `/` separators.
 * @returns undefined when the path is the repository root itself or lies outside it
 */
export function repoRelativePath(repoRoot: string, path: string): string | undefined {
  const rel = relative(repoRoot, resolve(repoRoot, path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function ownedList(policy: PermissionPolicy): string {
  return policy.ownedFiles.length ? policy.ownedFiles.join(', ') : '(nothing)';
}

/**
 * Decides a worker's tool request before the tool runs:
 * - `read` (the adapter's read-only tools) → allow.
 * - `write` → allow when the task owns every path; otherwise deny, with a message naming the files
 *   it owns, or a breakpoint when `onOutsideWrite` is `breakpoint`. A path outside the repository
 *   (or the root itself) is never owned; a write naming no path is denied.
 * - `shell` → allow when the command line is on `bashAllow` ({@link shellCommandAllowed}), else a
 *   breakpoint.
 * - `other` (network, sub-agents, unknown tools) → a breakpoint.
 */
export function decidePermission(request: PermissionRequest, policy: PermissionPolicy): PermissionOutcome {
  const { action } = request;
  switch (action.kind) {
    case 'read':
      return { decision: { behavior: 'allow' } };
    case 'write': {
      if (action.paths.length === 0) {
        return {
          decision: {
            behavior: 'deny',
            message: `haco: ${request.tool} names no file; you own: ${ownedList(policy)}.`,
          },
        };
      }
      for (const path of action.paths) {
        const rel = repoRelativePath(policy.repoRoot, path);
        if (rel !== undefined && (policy.owns(rel) || policy.scratch?.includes(rel))) continue;
        const where =
          rel === undefined ? `${path} is outside the repository` : `${rel} is outside this task's files`;
        if (policy.onOutsideWrite === 'breakpoint') {
          return {
            breakpoint: {
              message: `haco: ${request.tool} of ${rel ?? path}: ${where} (you own: ${ownedList(policy)}); it needs the user's approval.`,
            },
          };
        }
        return {
          decision: {
            behavior: 'deny',
            message: `haco: ${where}; you own: ${ownedList(policy)}. Change only those.`,
          },
        };
      }
      return { decision: { behavior: 'allow' } };
    }
    case 'shell':
      if (shellCommandAllowed(action.command, policy.bashAllow)) return { decision: { behavior: 'allow' } };
      return {
        breakpoint: {
          message: `haco: the command \`${action.command}\` is not in permissions.bash_allow; it needs the user's approval.`,
        },
      };
    case 'other':
      return {
        breakpoint: {
          message: `haco: the ${request.tool} tool is not pre-approved; it needs the user's approval.`,
        },
      };
    default:
      return assertNever(action);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected permission action ${JSON.stringify(value)}`);
}

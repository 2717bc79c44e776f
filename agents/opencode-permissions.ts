/**
 * What an opencode worker may do, and how haco says it inside opencode 1.18: the `permission.edit`
 * rules built from a task's owned paths (opencode's own second line in `deny` mode), what each
 * opencode tool call would do for haco's permission policy, and the plugin file that asks haco on
 * the ask channel before every tool (./opencode-plugin.ts). The adapter is ./opencode.ts.
 *
 * @module
 */
import { askRequestReader } from './asking.js';
import { patchTargets } from './codex-hook.js';
import type { PermissionAction } from './types.js';

/** A value of opencode's `permission` config: action per pattern, the last matching pattern wins. */
export type OpencodeRules = Record<string, 'allow' | 'deny'>;

const GLOB = /[*?{}]/;

/**
 * The `permission.edit` rules for a task's owned patterns (normalised as in
 * src/ownership/paths.ts: literal paths, which also own everything below them, and globs where
 * `*` stays inside one segment and `**` spans directories). opencode 1.18 matches a repo-relative
 * path against each rule with its wildcard (`*` = any characters, `/` included; `?` = any one
 * character; research/agent-clis-offline.md §2.4) and the last match wins. Translated so that
 * nothing outside the owned paths is allowed:
 * - `a/b.ts` → `a/b.ts` and `a/b.ts/*`; `dir/**` (and `dir/`) → `dir/*`; `dir/**` + `/*.ts` → `dir/*.ts`.
 * - a glob of `*` / `?` without `**` (`src/*.ts`, n segments) → allow it, then deny every path of
 *   more than n segments under its literal prefix; these come first, fewest segments first, so a
 *   deeper pattern's allow is never undone by a shallower one's deny, and exact rules come last.
 * - anything else (`{a,b}`, `**` in the middle) cannot be said exactly: it is left out (opencode
 *   refuses those writes, the model is told the rules) and returned in `unexpressed`.
 */
export function opencodeEditRules(owned: readonly string[]): { rules: OpencodeRules; unexpressed: string[] } {
  const globs: Array<{ allow: string; deny: string; depth: number }> = [];
  const exact: string[] = [];
  const unexpressed: string[] = [];
  for (const raw of owned) {
    const pattern = raw.endsWith('/') ? `${raw}**` : raw;
    const segments = pattern.split('/');
    const prefix: string[] = [];
    for (const s of segments) {
      if (GLOB.test(s)) break;
      prefix.push(s);
    }
    const rest = segments.slice(prefix.length);
    const base = prefix.length ? `${prefix.join('/')}/` : '';
    if (rest.length === 0) {
      exact.push(pattern, `${pattern}/*`);
    } else if (rest.length === 1 && rest[0] === '**' && prefix.length) {
      exact.push(`${base}*`);
    } else if (
      rest.length === 2 &&
      rest[0] === '**' &&
      /^\*[^*?{}/]+$/.test(rest[1] ?? '') &&
      prefix.length
    ) {
      // `dir/**/*.ts`: any file below dir whose name ends in `.ts`.
      exact.push(`${base}${rest[1] ?? ''}`);
    } else if (rest.every((s) => !s.includes('**') && !/[{}]/.test(s))) {
      globs.push({ allow: pattern, deny: `${base}${'*/'.repeat(rest.length)}*`, depth: segments.length });
    } else {
      unexpressed.push(raw);
    }
  }
  const rules: OpencodeRules = { '*': 'deny' };
  for (const g of globs.sort((a, b) => a.depth - b.depth)) {
    // A key set twice keeps its first position; delete first so the later rule really comes later.
    delete rules[g.allow];
    rules[g.allow] = 'allow';
    delete rules[g.deny];
    rules[g.deny] = 'deny';
  }
  for (const e of exact) {
    delete rules[e];
    rules[e] = 'allow';
  }
  return { rules, unexpressed };
}

/**
 * The `OPENCODE_PERMISSION` object for a task: `edit` (opencode's `write`, `edit` and
 * `apply_patch`) from {@link opencodeEditRules}, `external_directory: deny`. `bash` is left to
 * opencode's default (allow): its patterns match each part of a command line with a `*` that
 * crosses everything, redirections included, so haco's `bash_allow` cannot be said exactly; a
 * shell write outside the task's files is caught by haco's watcher.
 */
export function opencodePermission(owned: readonly string[]): Record<string, unknown> {
  return { edit: opencodeEditRules(owned).rules, external_directory: 'deny' };
}

/** Tools of opencode 1.18 that only read (or keep opencode's own notes): allowed without asking. */
const OPENCODE_READ_TOOLS = new Set(['read', 'glob', 'grep', 'list', 'ls', 'todoread', 'todowrite', 'skill']);
/** Tools of opencode 1.18 that write the file their `filePath` argument names. */
const OPENCODE_WRITE_TOOLS = new Set(['write', 'edit', 'multiedit']);

/**
 * What an opencode tool call would do: `write`/`edit`/`multiedit` write their `filePath`
 * (absolute), `apply_patch` (for `gpt-*` models) writes the paths its `patchText` names (relative
 * to the repository root, opencode's cwd), `bash` runs its `command`, the read-only tools read;
 * anything else (webfetch, task, MCP tools…) is `other`: the user decides.
 */
export function opencodeToolAction(tool: string, args: Readonly<Record<string, unknown>>): PermissionAction {
  if (OPENCODE_READ_TOOLS.has(tool)) return { kind: 'read' };
  if (OPENCODE_WRITE_TOOLS.has(tool))
    return {
      kind: 'write',
      paths: typeof args.filePath === 'string' && args.filePath ? [args.filePath] : [],
    };
  if (tool === 'apply_patch')
    return { kind: 'write', paths: typeof args.patchText === 'string' ? patchTargets(args.patchText) : [] };
  if (tool === 'bash')
    return { kind: 'shell', command: typeof args.command === 'string' ? args.command : '' };
  return { kind: 'other' };
}

/**
 * Reads a request of haco's opencode plugin (`OpencodeAskMessage`,
 * ./opencode-plugin.ts) into a permission
 * request; undefined when it names no tool.
 */
export const opencodeAskRequest = askRequestReader('opencode', opencodeToolAction);

/**
 * The plugin file opencode loads from the attempt's config directory: it imports the built
 * plugin module (./opencode-plugin.ts); when that import fails, it refuses every tool call
 * instead (opencode would otherwise run without the plugin).
 */
export function pluginScript(pluginModule: string): string {
  return [
    'let loaded;',
    'let failure;',
    'try {',
    `  loaded = await import(${JSON.stringify(pluginModule)});`,
    '} catch (error) {',
    '  failure = String(error?.message ?? error);',
    '}',
    'export const HacoPlugin = async (ctx) =>',
    '  loaded',
    '    ? loaded.HacoPlugin(ctx)',
    '    : {',
    "        'tool.execute.before': async () => {",
    '          throw new Error(`haco ownership plugin failed to load (${failure}); tool call refused`);',
    '        },',
    '      };',
    '',
  ].join('\n');
}

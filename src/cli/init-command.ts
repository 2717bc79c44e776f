import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

import type { Command } from 'commander';

import { builtinConfigPath } from '../config/load.js';
import { initTargets, scaffold, type InitReport } from '../init/scaffold.js';
import { commentedConfig } from '../init/templates.js';
import { ExitCode } from '../lib/errors.js';
import { packageVersion } from '../lib/version.js';
import { Workspace } from '../workspace/git.js';
import { runCommand } from './common.js';

/**
 * Keeps `.haco/` out of the user's commits the way `haco run` does (`/.haco/` in
 * `.git/info/exclude`, never in .gitignore).
 * @returns the exclude file, repo-relative, when it had to be changed
 */
async function excludeHacoDir(workspace: Workspace): Promise<string | undefined> {
  const file = await workspace.gitPath('info/exclude');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  await workspace.excludeHacoDir();
  return readFileSync(file, 'utf8') === before ? undefined : relative(workspace.root, file);
}

/** One line per file: `created PATH`, `updated PATH`, `kept PATH (exists)`. */
function formatReport(report: InitReport): string {
  const lines: string[] = [];
  const verbs = ['created', 'updated', 'kept'] as const;
  for (const verb of verbs)
    for (const path of report[verb]) {
      const note = report.notes[path];
      lines.push(`${verb} ${path}${note === undefined ? '' : ` (${note})`}`);
    }
  return `${lines.join('\n')}\n`;
}

/**
 * `haco init [--force] [--json]`: sets a git repository up for the hybrid loop (README, "haco
 * init"): `.haco/config.yaml` (the built-in config, commented out), `.haco/prompts/ticket.md`,
 * `bin/worker` (calls `haco worker`) and the supervisor rules between markers in CLAUDE.md and
 * AGENTS.md; `/.haco/` goes into `.git/info/exclude` as `haco run` puts it. Idempotent. Exit 0, or
 * 2 outside a git repository, for a symlink out of the repository or broken markers (nothing
 * written), 4 when a write fails.
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .summary('set this repository up for a supervisor and a local worker (idempotent)')
    .description(
      'Writes .haco/config.yaml (the built-in config, every setting commented out), ' +
        '.haco/prompts/ticket.md (the ticket template for the worker), bin/worker (runs haco worker) ' +
        'and the supervisor rules between <!-- haco:begin --> and <!-- haco:end --> in CLAUDE.md and ' +
        'AGENTS.md (appended; your text is never changed). Existing files are kept; run it again ' +
        'at any time: it changes only what differs.',
    )
    .option(
      '--force',
      "rewrite .haco/config.yaml and .haco/prompts/ticket.md too (never a bin/worker that is not haco's)",
    )
    .option('--json', 'print one JSON object: {created: [PATH], updated: [PATH], kept: [PATH]}')
    .action((flags: { force?: boolean; json?: boolean }) =>
      runCommand(async () => {
        const workspace = await Workspace.open(process.cwd());
        const config = commentedConfig(readFileSync(builtinConfigPath(), 'utf8'), packageVersion());
        const report = scaffold(workspace.root, initTargets(config, flags.force === true));
        const exclude = await excludeHacoDir(workspace);
        if (exclude !== undefined) {
          report.updated.push(exclude);
          report.notes[exclude] = 'keeps .haco/ out of commits';
        }
        const { created, updated, kept } = report;
        process.stdout.write(
          flags.json ? `${JSON.stringify({ created, updated, kept })}\n` : formatReport(report),
        );
        return ExitCode.completed;
      }),
    );
}

import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { runGit } from '../workspace/git-run.js';

/** Characters per token used to turn `context_budget_tokens` into characters (a common rough rate). */
export const CHARS_PER_TOKEN = 4;

/** Files shown whole (up to the budget) when present, in this order: what a planner reads first. */
export const KEY_FILES: readonly string[] = [
  'README.md',
  'package.json',
  'tsconfig.json',
  'pyproject.toml',
  'requirements.txt',
  'go.mod',
  'Cargo.toml',
  'Makefile',
  'AGENTS.md',
  'CLAUDE.md',
];

/** The repository as the planner's prompt shows it. */
export interface RepoContext {
  /** Tracked and untracked, not ignored files, sorted (repo-relative). */
  readonly files: readonly string[];
  /** Prompt text: the file tree, then key files, trimmed to the budget. */
  readonly text: string;
  /** Whether something was left out to fit the budget. */
  readonly trimmed: boolean;
}

/**
 * Collects the repository's file list (`git ls-files --cached --others --exclude-standard`) and
 * its key files ({@link KEY_FILES}), trimmed to `budgetTokens` × {@link CHARS_PER_TOKEN}
 * characters: the tree first (cut at a line, with a note of how many paths were left out), then
 * each key file while room is left (cut with a note). `.haco/` is never shown, nor a key file that
 * is a symlink.
 */
export async function repoContext(repoRoot: string, budgetTokens: number): Promise<RepoContext> {
  const out = await runGit(repoRoot, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const files = [
    ...new Set(out.stdout.split('\0').filter((f) => f !== '' && !f.startsWith('.haco/'))),
  ].sort();
  let room = budgetTokens * CHARS_PER_TOKEN;
  let trimmed = false;
  const parts: string[] = [];
  const tree: string[] = [];
  for (const [i, file] of files.entries()) {
    // Keep about half the budget for key files.
    if (room - (file.length + 1) < (budgetTokens * CHARS_PER_TOKEN) / 2) {
      tree.push(`… ${files.length - i} more path(s) left out`);
      trimmed = true;
      break;
    }
    tree.push(file);
    room -= file.length + 1;
  }
  parts.push(`## File tree (${files.length} files)\n${tree.join('\n')}`);
  for (const name of KEY_FILES) {
    if (!files.includes(name) || room <= 200) continue;
    let content: string;
    try {
      // A symlink could show the model a file from outside the repository.
      if (!lstatSync(join(repoRoot, name)).isFile()) continue;
      content = readFileSync(join(repoRoot, name), 'utf8');
    } catch {
      continue; // listed but unreadable (removed meanwhile): nothing to show
    }
    const header = `## ${name}\n`;
    room -= header.length;
    if (content.length > room) {
      content = `${content.slice(0, Math.max(0, room - 40))}\n… (cut to fit the context budget)`;
      trimmed = true;
    }
    room -= content.length;
    parts.push(header + content);
  }
  return { files, text: parts.join('\n\n'), trimmed };
}

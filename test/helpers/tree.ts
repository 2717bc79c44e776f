import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

import { makeRepo, type TempRepo } from './repo.js';

/**
 * Every entry under `root` (directories by mode, files by mode and a hash of their bytes, symlinks
 * by target, never followed), keyed by repo-relative path; entries whose top-level name is in
 * `skip` are left out (e.g. `.haco`, `.git`).
 */
export function snapshotTree(root: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = relative(root, path);
      if (skip.includes(key.split('/')[0] ?? '')) continue;
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[key] = `link -> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[`${key}/`] = `dir ${mode}`;
        visit(path);
      } else if (stat.isFile())
        out[key] = `file ${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
      else out[key] = `other ${mode}`;
    }
  };
  visit(root);
  return out;
}

/** `snapshotTree` without the given repo-relative keys (the files a run was meant to change). */
export function without(tree: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([k]) => !keys.includes(k)));
}

/**
 * A fake agent: for each owned path (`HACO_OWNED_FILES`, literal paths), removes what is there (a
 * symlink is replaced, never written through) and writes `written by <task>`.
 */
export const REPLACING_AGENT = `#!/bin/sh
printf '%s\\n' "$HACO_OWNED_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  mkdir -p "$(dirname "$f")"
  rm -f "$f"
  printf 'written by %s\\n' "$HACO_TASK_ID" > "$f"
done
`;

/** A fake agent that appends `added by <task>` to each owned path, keeping what is there. */
export const APPENDING_AGENT = `#!/bin/sh
printf '%s\\n' "$HACO_OWNED_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  mkdir -p "$(dirname "$f")"
  printf 'added by %s\\n' "$HACO_TASK_ID" >> "$f"
done
`;

/** A config with the two fake agents: `fake` (replacing, the default) and `append`. */
export const FAKE_AGENTS_CONFIG = `agents:
  fake: {type: command, command: ./agent.sh}
  append: {type: command, command: ./append.sh}
defaults: {agent: fake, timeout: 1m}
`;

/** A one-plan-file plan: each task `[id, files, agent?]`, no dependencies, no verify commands. */
export function planYaml(tasks: readonly (readonly [string, readonly string[], string?])[]): string {
  const lines = ['version: 1', 'goal: repo shapes', 'tasks:'];
  for (const [id, files, agent] of tasks) {
    lines.push(`  - id: ${id}`, `    files: ${JSON.stringify(files)}`, `    prompt: write ${id}`);
    if (agent) lines.push(`    agent: ${agent}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A repository with the fake agents, their config (`cfg.yaml`) and `files`, all in one initial
 * commit (with `commit: false`, nothing is committed: a repository without commits).
 */
export function agentRepo(files: Record<string, string>, options: { commit?: boolean } = {}): TempRepo {
  const all = {
    'agent.sh': REPLACING_AGENT,
    'append.sh': APPENDING_AGENT,
    'cfg.yaml': FAKE_AGENTS_CONFIG,
    ...files,
  };
  if (options.commit === false) {
    const repo = makeRepo();
    for (const [path, content] of Object.entries(all)) repo.write(path, content);
    for (const name of ['agent.sh', 'append.sh']) chmodSync(join(repo.root, name), 0o755);
    return repo;
  }
  return makeRepo({ files: all, executables: ['agent.sh', 'append.sh'] });
}

/** The `haco run` arguments every test here uses. */
export const RUN_ARGS = ['run', 'plan.yaml', '--config', 'cfg.yaml', '--yes', '--headless', '--json'];

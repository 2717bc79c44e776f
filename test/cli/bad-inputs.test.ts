import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import { delimiter, join, relative, sep } from 'node:path';

import { execa } from 'execa';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';

import { makeRepo, PROJECT_ROOT, type TempRepo } from '../helpers/repo.js';

/** The corpus: one YAML file per bad input (format: test/fixtures/bad-inputs/README.md). */
const CORPUS = join(PROJECT_ROOT, 'test', 'fixtures', 'bad-inputs');
/** The built bins (test/global-setup.ts builds them before the suite). */
const BIN_DIR = join(PROJECT_ROOT, 'dist', 'src', 'cli');

/** What every case gets unless its `files` give their own (`null` leaves a default out). */
const DEFAULT_FILES: Record<string, string> = {
  'cfg.yaml': 'agents:\n  fake: {type: command, command: /bin/true}\ndefaults: {agent: fake}\n',
};

/** One case file; strict, so a misspelt key fails the case instead of being ignored. */
const CaseSchema = z.strictObject({
  description: z.string().min(1),
  kind: z.enum(['config', 'plan', 'cli', 'repo', 'git-state', 'storage']),
  bin: z.enum(['haco', 'haco-tui']).default('haco'),
  args: z.array(z.string()),
  exit: z.int(),
  stderr: z.string().min(1),
  files: z.record(z.string(), z.string().nullable()).default({}),
  executables: z.array(z.string()).default([]),
  uncommitted: z.record(z.string(), z.string()).default({}),
  setup: z.string().optional(),
});
type Case = z.output<typeof CaseSchema>;

function loadCase(file: string): Case {
  return CaseSchema.parse(parse(readFileSync(join(CORPUS, file), 'utf8')));
}

/**
 * Everything a failed command must leave as it was: each entry of the work tree, `.git/` and
 * `.haco/` (directories by mode, files by mode and a hash of their bytes, symlinks by target), and
 * whether `.git` and `.haco` exist at all.
 */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = relative(root, path);
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

/**
 * The environment a user's shell would give: PATH without the `node_modules/.bin` directories npm
 * puts in front (so `claude` from this project's devDependencies is not found), the case's own
 * HOME, no CI, no NO_COLOR.
 */
function userEnv(repo: TempRepo): Record<string, string> {
  const path = (process.env.PATH ?? '/usr/bin:/bin')
    .split(delimiter)
    .filter((dir) => !dir.split(sep).includes('node_modules'))
    .join(delimiter);
  return { PATH: path, HOME: repo.home, LANG: 'C.UTF-8', TERM: 'dumb' };
}

function prepare(c: Case): TempRepo {
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries({ ...DEFAULT_FILES, ...c.files }))
    if (content !== null) files[path] = content;
  const repo = makeRepo({ files, executables: c.executables });
  for (const [path, content] of Object.entries(c.uncommitted)) repo.write(path, content);
  if (c.setup) {
    // `haco` in a setup script is the built bin, e.g. to leave a run behind.
    const haco = `haco() { '${process.execPath}' '${BIN_DIR}/haco.js' "$@"; }\n`;
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', haco + c.setup], {
      cwd: repo.root,
      env: userEnv(repo),
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`setup failed (${result.status}): ${result.stderr}`);
  }
  // Let git refresh its index now, as any `git status` of the user would, so a refresh by the
  // command under test is not mistaken for a write.
  if (existsSync(join(repo.root, '.git')))
    spawnSync('git', ['status', '--porcelain'], { cwd: repo.root, env: userEnv(repo) });
  return repo;
}

const cases = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('the corpus snapshot', () => {
  it('sees a write in .git/, a new .haco/, a mode change and a changed byte', (context) => {
    const repo = prepare(CaseSchema.parse({ description: 'x', kind: 'cli', args: [], exit: 2, stderr: 'x' }));
    context.onTestFinished(() => repo.dispose());
    const steps: Array<() => void> = [
      () => repo.write('.git/hooks/post-commit', '#!/bin/sh\n'),
      () => mkdirSync(join(repo.root, '.haco')),
      () => chmodSync(join(repo.root, 'cfg.yaml'), 0o600),
      () => repo.write('cfg.yaml', readFileSync(join(repo.root, 'cfg.yaml'), 'utf8').replace('true', 'trUe')),
    ];
    for (const step of steps) {
      const before = snapshot(repo.root);
      step();
      expect(snapshot(repo.root)).not.toEqual(before);
    }
  });
});

describe('bad-input corpus', () => {
  it('holds at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  // Each case has its own temp repo and HOME, and mostly waits on child processes: run a few at once.
  it.concurrent.for(cases)('%s', async (file, { expect }) => {
    const c = loadCase(file);
    const repo = prepare(c);
    try {
      const before = snapshot(repo.root);
      const result = await execa(process.execPath, [join(BIN_DIR, `${c.bin}.js`), ...c.args], {
        cwd: repo.root,
        env: userEnv(repo),
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        timeout: 60_000,
      });
      const lines = result.stderr.trimEnd().split('\n');
      const shown = `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`;
      expect(lines, shown).toHaveLength(1);
      expect(lines[0]?.trim(), shown).not.toBe('');
      expect(result.stderr, shown).not.toContain('    at ');
      expect(result.stderr, shown).not.toContain('internal error');
      expect(lines[0], shown).toContain(c.stderr);
      expect(result.exitCode, shown).toBe(c.exit);
      expect(snapshot(repo.root)).toEqual(before);
    } finally {
      repo.dispose();
    }
  });
});

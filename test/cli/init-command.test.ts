import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

import { parse } from 'yaml';
import { describe, expect, it, type TestContext } from 'vitest';

import { builtinConfigPath, loadConfig } from '../../src/config/load.js';
import { RULES_BLOCK, TICKET_TEMPLATE, WORKER_SCRIPT } from '../../src/init/templates.js';
import { runHaco } from '../helpers/cli.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

/** The files `haco init` manages, in the order it reports them. */
const FILES = ['.haco/config.yaml', '.haco/prompts/ticket.md', 'bin/worker', 'CLAUDE.md', 'AGENTS.md'];

function setUp(context: TestContext, files?: Record<string, string>): TempRepo {
  const repo = makeRepo(files ? { files } : {});
  context.onTestFinished(() => repo.dispose());
  return repo;
}

async function init(
  repo: TempRepo,
  ...args: string[]
): Promise<{ created: string[]; updated: string[]; kept: string[] }> {
  const result = await runHaco(['init', '--json', ...args], { cwd: repo.root, env: { HOME: repo.home } });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as { created: string[]; updated: string[]; kept: string[] };
}

const read = (repo: TempRepo, path: string): string => readFileSync(join(repo.root, path), 'utf8');
const mode = (repo: TempRepo, path: string): number => statSync(join(repo.root, path)).mode & 0o777;

/**
 * Every entry under the repository (`.git/` included, its index aside: git may refresh it on any
 * read): bytes, mode, inode and mtime of files, link text of symlinks. A rewrite by rename changes
 * the inode even within one mtime tick.
 */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = relative(root, path);
      if (key === join('.git', 'index')) continue;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) out[key] = `link ${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        out[`${key}/`] = `dir ${stat.mode.toString(8)}`;
        visit(path);
      } else
        out[key] =
          `${stat.mode.toString(8)} ${stat.ino} ${stat.mtimeMs} ${readFileSync(path).toString('base64')}`;
    }
  };
  visit(root);
  return out;
}

describe('haco init', () => {
  it('creates the config layer, the ticket template, bin/worker and the rules in a fresh repository', async (context) => {
    const repo = setUp(context, { 'README.md': '# demo\n' });
    const report = await init(repo);
    expect(report).toEqual({ created: FILES, updated: ['.git/info/exclude'], kept: [] });

    expect(mode(repo, 'bin/worker')).toBe(0o755);
    expect(mode(repo, '.haco')).toBe(0o700);
    expect(read(repo, 'bin/worker')).toBe(WORKER_SCRIPT);
    expect(read(repo, '.haco/prompts/ticket.md')).toBe(TICKET_TEMPLATE);
    for (const name of ['{{goal}}', '{{context}}', '{{target_files}}', '{{signatures}}', '{{requirements}}'])
      expect(TICKET_TEMPLATE.split(name).length, name).toBeGreaterThanOrEqual(3); // documented, then used
    expect(read(repo, 'CLAUDE.md')).toBe(`${RULES_BLOCK}\n`);
    expect(read(repo, 'AGENTS.md')).toBe(`${RULES_BLOCK}\n`);

    // The layer is the built-in config with every setting commented out: it parses to nothing,
    // changes nothing, and each line uncommented is the built-in line.
    const layer = read(repo, '.haco/config.yaml');
    expect(parse(layer)).toBeNull();
    expect(loadConfig({ repoRoot: repo.root, home: repo.home })).toEqual({
      config: loadConfig({ home: repo.home }).config,
      files: [builtinConfigPath(), join(repo.root, '.haco', 'config.yaml')],
    });
    const builtin = readFileSync(builtinConfigPath(), 'utf8').trimEnd().split('\n');
    const body = layer.trimEnd().split('\n').slice(-builtin.length);
    body.forEach((line, i) => expect([builtin[i], `# ${builtin[i]}`]).toContain(line));
    expect(body.filter((line, i) => line !== builtin[i]).length).toBeGreaterThan(10);

    // haco state stays out of commits as `haco run` keeps it: .git/info/exclude, no .gitignore.
    expect(existsSync(join(repo.root, '.gitignore'))).toBe(false);
    expect(repo.git('status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual([
      '?? AGENTS.md',
      '?? CLAUDE.md',
      '?? bin/worker',
    ]);
  });

  it('changes nothing the second time: same bytes, modes, inodes and mtimes', async (context) => {
    const repo = setUp(context, { 'CLAUDE.md': '# Project notes\n\nUse tabs.' });
    await init(repo);
    const before = snapshot(repo.root);
    expect(await init(repo)).toEqual({ created: [], updated: [], kept: FILES });
    const human = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(human.exitCode).toBe(0);
    expect(human.stdout.split('\n')).toContain('kept .haco/config.yaml (exists)');
    expect(human.stdout.split('\n')).toContain('kept CLAUDE.md');
    expect(snapshot(repo.root)).toEqual(before);
  });

  it("keeps the user's CLAUDE.md text and appends the block once, after a blank line", async (context) => {
    const mine = '# Project notes\n\nUse tabs.\n<!-- not a haco marker -->'; // no final newline
    const repo = setUp(context, { 'CLAUDE.md': mine, 'AGENTS.md': 'agents text\n\n' });
    expect((await init(repo)).updated).toEqual(['CLAUDE.md', 'AGENTS.md', '.git/info/exclude']);
    expect(read(repo, 'CLAUDE.md')).toBe(`${mine}\n\n${RULES_BLOCK}\n`);
    expect(read(repo, 'AGENTS.md')).toBe(`agents text\n\n${RULES_BLOCK}\n`);
    await init(repo);
    expect(read(repo, 'CLAUDE.md').split('<!-- haco:begin -->')).toHaveLength(2);
  });

  it('replaces a changed block in place, only between the markers', async (context) => {
    const before = 'intro\n\n';
    const after = '\n\n## My own section\nkeep me\n';
    const old = '  <!-- haco:begin -->\nold rules from an older haco\n<!-- haco:end -->';
    const repo = setUp(context, { 'AGENTS.md': before + old + after });
    chmodSync(join(repo.root, 'AGENTS.md'), 0o640);
    expect((await init(repo)).updated).toContain('AGENTS.md');
    expect(read(repo, 'AGENTS.md')).toBe(before + RULES_BLOCK + after);
    expect(mode(repo, 'AGENTS.md')).toBe(0o640);
  });

  it('refuses a symlinked AGENTS.md that leaves the repository, writing nothing', async (context) => {
    const repo = setUp(context, { 'README.md': '# demo\n' });
    const outside = join(repo.home, 'agents.md');
    writeFileSync(outside, 'shared notes\n');
    symlinkSync(outside, join(repo.root, 'AGENTS.md'));
    const before = snapshot(repo.root);
    const result = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'haco: AGENTS.md is a symlink that leaves the repository; haco init writes nothing',
    );
    expect(result.stdout).toBe('');
    expect(snapshot(repo.root)).toEqual(before);
    expect(readFileSync(outside, 'utf8')).toBe('shared notes\n');
  });

  it('refuses a .haco that links out of the repository', async (context) => {
    const repo = setUp(context);
    mkdirSync(join(repo.home, 'elsewhere'));
    symlinkSync(join(repo.home, 'elsewhere'), join(repo.root, '.haco'));
    const result = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      '.haco is a symlink that leaves the repository (on the way to .haco/config.yaml)',
    );
    expect(readdirSync(join(repo.home, 'elsewhere'))).toEqual([]);
    expect(readdirSync(repo.root).sort()).toEqual(['.git', '.haco']);
  });

  it('writes through an AGENTS.md that links to CLAUDE.md inside the repository, once', async (context) => {
    const repo = setUp(context, { 'CLAUDE.md': 'notes\n' });
    symlinkSync('CLAUDE.md', join(repo.root, 'AGENTS.md'));
    const report = await init(repo);
    expect(report.updated).toContain('CLAUDE.md');
    expect(report.kept).toContain('AGENTS.md');
    expect(readlinkSync(join(repo.root, 'AGENTS.md'))).toBe('CLAUDE.md');
    expect(read(repo, 'CLAUDE.md')).toBe(`notes\n\n${RULES_BLOCK}\n`);
  });

  it("keeps a bin/worker that is not haco's and updates one that is", async (context) => {
    const repo = setUp(context, { 'bin/worker': '#!/bin/sh\necho mine\n' });
    const result = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(result.stdout.split('\n')).toContain("kept bin/worker (not haco's)");
    expect(read(repo, 'bin/worker')).toBe('#!/bin/sh\necho mine\n');

    writeFileSync(join(repo.root, 'bin/worker'), '#!/bin/sh\n# haco:worker (old)\nexec haco worker\n');
    chmodSync(join(repo.root, 'bin/worker'), 0o644);
    expect((await init(repo)).updated).toEqual(['bin/worker']);
    expect(read(repo, 'bin/worker')).toBe(WORKER_SCRIPT);
    expect(mode(repo, 'bin/worker')).toBe(0o755);
  });

  it('rewrites the config layer and the ticket template only with --force', async (context) => {
    const repo = setUp(context);
    await init(repo);
    writeFileSync(join(repo.root, '.haco/config.yaml'), 'concurrency: 2\n');
    expect((await init(repo)).kept).toContain('.haco/config.yaml');
    expect(read(repo, '.haco/config.yaml')).toBe('concurrency: 2\n');
    expect((await init(repo, '--force')).updated).toEqual(['.haco/config.yaml']);
    expect(parse(read(repo, '.haco/config.yaml'))).toBeNull();
  });

  it('refuses broken markers, writing nothing', async (context) => {
    const repo = setUp(context, { 'CLAUDE.md': 'a\n<!-- haco:begin -->\nb\n' });
    const before = snapshot(repo.root);
    const result = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^haco: CLAUDE\.md: line 2: the haco block needs exactly one [^\n]*$/);
    expect(snapshot(repo.root)).toEqual(before);
  });

  it('refuses to rewrite a CLAUDE.md that is not UTF-8, and keeps a binary bin/worker', async (context) => {
    const repo = setUp(context);
    const latin1 = Buffer.from('caf\xe9 notes\n', 'latin1');
    writeFileSync(join(repo.root, 'CLAUDE.md'), latin1);
    const before = snapshot(repo.root);
    const result = await runHaco(['init'], { cwd: repo.root, env: { HOME: repo.home } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('haco: CLAUDE.md: is not UTF-8 text; haco init writes nothing');
    expect(snapshot(repo.root)).toEqual(before);

    writeFileSync(join(repo.root, 'CLAUDE.md'), 'notes\n');
    const binary = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0x00, 0x01]);
    mkdirSync(join(repo.root, 'bin'));
    writeFileSync(join(repo.root, 'bin/worker'), binary);
    expect((await init(repo)).kept).toEqual(['bin/worker']);
    expect(readFileSync(join(repo.root, 'bin/worker')).equals(binary)).toBe(true);
  });

  it('refuses to run outside a git repository', async (context) => {
    const repo = setUp(context);
    const plain = join(repo.home, 'plain');
    mkdirSync(plain);
    const result = await runHaco(['init'], { cwd: plain, env: { HOME: repo.home } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('not inside a git repository');
    expect(readdirSync(plain)).toEqual([]);
  });
});

describe('bin/worker', () => {
  /** A fake `haco` that prints its arguments and its stdin, to see what bin/worker passes on. */
  function fakeHaco(repo: TempRepo): string {
    const file = join(repo.home, 'fake-haco');
    writeFileSync(file, '#!/bin/sh\nprintf "args:"; printf " [%s]" "$@"; printf "\\nstdin:"; cat\n');
    chmodSync(file, 0o755);
    return file;
  }

  it('runs haco worker with its arguments and its stdin', async (context) => {
    const repo = setUp(context);
    await init(repo);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: repo.home, HACO_BIN: fakeHaco(repo) };
    const out = execFileSync(join(repo.root, 'bin/worker'), ['--json', 'write a "parser"'], {
      cwd: repo.root,
      env,
      input: 'the ticket\n',
      encoding: 'utf8',
    });
    expect(out).toBe('args: [worker] [--json] [write a "parser"]\nstdin:the ticket\n');
  });

  it('exits 2 with one line when haco is not found', async (context) => {
    const repo = setUp(context);
    await init(repo);
    const result = spawnSync(join(repo.root, 'bin/worker'), ['hello'], {
      cwd: repo.root,
      env: { PATH: '/usr/bin:/bin', HOME: repo.home, HACO_BIN: join(repo.home, 'no-such-haco') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bin/worker: ${join(repo.home, 'no-such-haco')} not found (install haco-tui, or set HACO_BIN to the haco program)\n`,
    ); // spawnSync keeps the final newline
  });
});

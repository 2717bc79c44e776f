import { describe, expect, it } from 'vitest';

import { normaliseOwnedPath, ownershipMatcher, patternsOverlap } from '../../src/ownership/paths.js';
import { atomicWriteTarget } from '../../src/orchestrator/violations.js';

/** A pattern as a plan writes it, normalised the way checkPlan does before comparing. */
function norm(raw: string): string {
  const result = normaliseOwnedPath(raw);
  if ('error' in result) throw new Error(`test pattern "${raw}" is refused: ${result.error}`);
  return result.pattern;
}

describe('patternsOverlap', () => {
  // [a, b, overlap]; every pair is checked both ways round.
  const table: Array<[string, string, boolean]> = [
    ['src/a.ts', 'src/a.ts', true],
    ['src/api', 'src/api/auth.ts', true],
    ['src/api/', 'src/api/x.ts', true],
    ['src/api/', 'src/api', true],
    ['src/api/', 'src/apix.ts', false],
    ['src/api', 'src/apix.ts', false],
    ['src/**', 'src/a/b.ts', true],
    ['src/**', 'src', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a.js', false],
    ['src/*.ts', 'src/a/b.ts', false],
    ['**/*.ts', 'lib/x.ts', true],
    ['**/*.ts', 'x.ts', true],
    // A literal may be a directory: lib/x.js/y.ts is owned by both.
    ['**/*.ts', 'lib/x.js', true],
    ['*.ts', 'lib/x.js', false],
    ['src/{a,b}.ts', 'src/b.ts', true],
    ['src/{a,b}.ts', 'src/c.ts', false],
    ['test/**', 'src/**', false],
    ['src/a.ts', 'src/a.tsx', false],
    ['src/a.ts', 'src/b.ts', false],
    ['src/a*.ts', 'src/*b.ts', true],
    ['src/a*.ts', 'src/*.js', false],
    ['src/a*', 'src/b*', false],
    ['src/*', 'src/**', true],
    ['src/?.ts', 'src/ab.ts', false],
    ['src/?.ts', 'src/a.ts', true],
    ['src/.env', 'src/*', true],
    // Brackets are literal: `[ab].ts` is one file name, not a character class.
    ['src/[ab].ts', 'src/b.ts', false],
    ['src/[ab].ts', 'src/?ab?.ts', true],
    ['{src,lib}/x.ts', 'lib/x.ts', true],
    ['src/a.ts', 'lib/a.ts', false],
    // A brace group spanning a `/` is widened to its directory: sound, if coarse.
    ['src/{a,b/c}.ts', 'src/b/c.ts', true],
    ['src/{a,b/c}.ts', 'lib/b/c.ts', false],
    // Only * ? {} make a glob: brackets, parentheses and the extglob marks are literal (Next.js routes).
    ['app/(marketing)/[slug]/page.tsx', 'app/(marketing)/s/page.tsx', false],
    ['app/(marketing)/[slug]/page.tsx', 'app/marketing/[slug]/page.tsx', false],
    ['app/(marketing)/[slug]/page.tsx', 'app/(marketing)/[slug]/', true],
    ['app/(marketing)/*.tsx', 'app/(marketing)/page.tsx', true],
    ['app/(marketing)/*.tsx', 'app/marketing/page.tsx', false],
    ['app/[id]/*', 'app/i/x.ts', false],
    ['app/[id]/*', 'app/[id]/x.ts', true],
    ['app/[[...slug]]/page.tsx', 'app/*/page.tsx', true],
    ['src/@(a|b).ts', 'src/a.ts', false],
    ['src/+(a).ts', 'src/*.ts', true],
    ['src/a+b.ts', 'src/a+*.ts', true],
  ];

  it.each(table)('%s vs %s → %s', (a, b, expected) => {
    expect(patternsOverlap(norm(a), norm(b))).toBe(expected);
    expect(patternsOverlap(norm(b), norm(a))).toBe(expected);
  });

  it('accepts a trailing slash and ./ segments without normalising first', () => {
    expect(patternsOverlap('src/api/', 'src/api/x.ts')).toBe(true);
    expect(patternsOverlap('./src//a.ts', 'src/a.ts')).toBe(true);
  });

  it('treats a negated pattern as overlapping everything', () => {
    expect(patternsOverlap('!src/a.ts', 'lib/x.ts')).toBe(true);
  });
});

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('patternsOverlap is sound (property)', () => {
  // `(a)` and `[ab]` are literal names (only * ? {} are glob syntax), so escaping is exercised too.
  const names = ['a', 'b', 'ab', 'a.ts', 'b.ts', 'a.js', 'ba.ts', '.x', 'src', '(a)', '[ab]'];
  const globs = [
    '*',
    '**',
    '*.ts',
    'a*',
    '*b',
    '*b*',
    '?',
    '?.ts',
    '{a,b}',
    '{a,b}.ts',
    '[ab]',
    '[ab].ts',
    'a*.ts',
    '*.{ts,js}',
    '@(a|ab)',
    '{a,b/a.ts}',
    '(*)',
    '[ab]*',
    '{(a),b}',
  ];
  // Every file up to three segments deep over `names`.
  const files: string[] = [];
  const grow = (prefix: string, depth: number): void => {
    for (const name of names) {
      const path = prefix ? `${prefix}/${name}` : name;
      files.push(path);
      if (depth > 1) grow(path, depth - 1);
    }
  };
  grow('', 3);

  const next = random(20_240_601);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const patterns = new Set<string>();
  while (patterns.size < 220) {
    const depth = 1 + Math.floor(next() * 3);
    const segments = Array.from({ length: depth }, () => (next() < 0.45 ? pick(globs) : pick(names)));
    const raw = segments.join('/') + (next() < 0.15 ? '/' : '');
    const result = normaliseOwnedPath(raw);
    if ('pattern' in result) patterns.add(result.pattern);
  }
  const owned = [...patterns].map((pattern) => {
    const matches = ownershipMatcher([pattern]);
    return { pattern, files: new Set(files.filter(matches)) };
  });

  it('never says false when one file is owned by both patterns', () => {
    const missed: string[] = [];
    let sharing = 0;
    for (const [i, x] of owned.entries()) {
      for (const y of owned.slice(i)) {
        const shared = [...x.files].find((f) => y.files.has(f));
        if (shared === undefined) continue;
        sharing++;
        if (!patternsOverlap(x.pattern, y.pattern))
          missed.push(`${x.pattern} & ${y.pattern} (both own ${shared})`);
      }
    }
    expect(missed).toEqual([]);
    // The generator must actually produce sharing pairs, or the property says nothing.
    expect(sharing).toBeGreaterThan(1000);
  });
});

describe('ownershipMatcher', () => {
  it('owns a literal path, everything below it, and glob matches', () => {
    const owns = ownershipMatcher(['src/api', 'lib/*.ts']);
    expect(owns('src/api')).toBe(true);
    expect(owns('src/api/auth.ts')).toBe(true);
    expect(owns('src/apix.ts')).toBe(false);
    expect(owns('lib/x.ts')).toBe(true);
    expect(owns('lib/x.js')).toBe(false);
  });

  it('takes brackets, parentheses and extglob marks literally: a Next.js route owns one file', () => {
    const owns = ownershipMatcher(['app/(marketing)/[slug]/page.tsx', 'app/[id]/*.ts', 'src/@(a|b).ts']);
    expect(owns('app/(marketing)/[slug]/page.tsx')).toBe(true);
    expect(owns('app/(marketing)/s/page.tsx')).toBe(false);
    expect(owns('app/marketing/[slug]/page.tsx')).toBe(false);
    expect(owns('app/[id]/x.ts')).toBe(true);
    expect(owns('app/i/x.ts')).toBe(false);
    expect(owns('src/@(a|b).ts')).toBe(true);
    expect(owns('src/a.ts')).toBe(false);
  });

  it('keeps * ? and {a,b} as glob syntax', () => {
    const owns = ownershipMatcher(['src/{a,b}.ts', 'lib/?.js', 'docs/**']);
    expect(owns('src/b.ts')).toBe(true);
    expect(owns('src/c.ts')).toBe(false);
    expect(owns('lib/x.js')).toBe(true);
    expect(owns('lib/xy.js')).toBe(false);
    expect(owns('docs/a/b.md')).toBe(true);
  });
});

describe('normaliseOwnedPath', () => {
  it.each([
    ['./a.ts', 'a.ts'],
    ['a.ts', 'a.ts'],
    ['dir/', 'dir/**'],
    ['./src//api/./auth.ts', 'src/api/auth.ts'],
    ['  src/a.ts ', 'src/a.ts'],
    ['src/*.ts', 'src/*.ts'],
    ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['.gitignore', '.gitignore'],
    ['app/(marketing)/[slug]/page.tsx', 'app/(marketing)/[slug]/page.tsx'],
    ['app/[[...slug]]/', 'app/[[...slug]]/**'],
  ])('%s → %s', (raw, pattern) => {
    expect(normaliseOwnedPath(raw)).toEqual({ pattern });
  });

  it.each([
    ['/etc/passwd', 'is absolute'],
    ['C:/x', 'is absolute'],
    ['~/x', 'is absolute'],
    ['../x', 'leaves the repository'],
    ['src/../../x', 'leaves the repository'],
    ['src/../x', 'contains ..; write it as "x"'],
    ['.git/config', 'inside .git/'],
    ['.git', 'inside .git/'],
    ['.GIT/hooks/pre-commit', 'inside .git/'],
    ['.haco/state.db', 'inside .haco/'],
    ['src\\a.ts', 'uses backslashes'],
    ['!src/a.ts', 'negated pattern'],
    ['./', 'names the whole repository'],
    ['src/..', 'names the whole repository'],
    ['', 'empty path'],
    ['src/a\nb.ts', '"src/a\\nb.ts" holds a control character (U+000A)'],
    ['src/a.ts\n', 'holds a control character (U+000A)'],
    ['src/\u001b[31ma.ts', 'holds a control character (U+001B)'],
    ['src/a\tb.ts', 'holds a control character (U+0009)'],
    ['src/a\u0000.ts', 'holds a control character (U+0000)'],
    ['src/a\u009b.ts', 'holds a control character (U+009B)'],
  ])('%j is refused (%s)', (raw, fragment) => {
    const result = normaliseOwnedPath(raw);
    expect(result).toHaveProperty('error');
    const error = 'error' in result ? result.error : '';
    expect(error).toContain(fragment);
    expect(error).not.toContain('\n');
  });
});

describe('atomicWriteTarget', () => {
  it('maps atomic-write temp files to the file they replace, and nothing else', () => {
    expect(atomicWriteTarget('src/add.js.tmp.23261.1795267531858')).toBe('src/add.js');
    expect(atomicWriteTarget('src/add.js.tmp')).toBe('src/add.js');
    expect(atomicWriteTarget('notes.md~')).toBe('notes.md');
    expect(atomicWriteTarget('src/add.js')).toBeUndefined();
    expect(atomicWriteTarget('src/tmp.js')).toBeUndefined();
  });
});

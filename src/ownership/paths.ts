import picomatch from 'picomatch';

/**
 * The characters that make an owned path a glob: `*`, `?` and a brace group `{a,b}`. Every other
 * character is literal, `[ ] ( ) ! + @ |` included, so Next.js routes such as
 * `app/(marketing)/[slug]/page.tsx` name exactly one file (README.md, "Ownership").
 */
const GLOB_CHARS = /[*?{}]/;
/** Characters picomatch would read as syntax but that are literal in an owned path. */
const PICOMATCH_LITERALS = /[()[\]!+@|^$\\]/g;

/** True when a path segment holds glob syntax (`*`, `?`, `{a,b}`). */
export function isGlobSegment(segment: string): boolean {
  return GLOB_CHARS.test(segment);
}

/** True when an owned pattern holds glob syntax in any segment (see isGlobSegment). */
export function isGlobPattern(pattern: string): boolean {
  return pattern.split('/').some(isGlobSegment);
}

/** An owned pattern as picomatch reads it: only `*`, `?` and `{}` keep their meaning. */
function toPicomatch(pattern: string): string {
  return pattern.replace(PICOMATCH_LITERALS, (c) => `\\${c}`);
}

/** A control character (U+0000–U+001F, U+007F–U+009F): never part of a path a plan may own. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Normalises an owned path as written in a plan: drops `./` and duplicate slashes; a trailing `/`
 * means a whole directory and becomes `dir/**`. Refused: empty, control characters (a tab, a line
 * break, an escape), absolute (`/x`, `C:/x`, `~/x`), backslashes, `..`, the whole repository, a
 * leading `!` (read by other tools as a negation, which would own everything else), and anything
 * inside `.git/` or `.haco/`.
 * @returns the normalised pattern, or a one-line error message naming what is wrong
 */
export function normaliseOwnedPath(raw: string): { pattern: string } | { error: string } {
  const control = CONTROL_CHAR.exec(raw)?.[0];
  if (control !== undefined) {
    const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return {
      error: `${JSON.stringify(raw)} holds a control character (${code}); owned paths are plain names`,
    };
  }
  const text = raw.trim();
  if (text === '') return { error: 'empty path' };
  if (text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text) || text.startsWith('~')) {
    return { error: `"${raw}" is absolute; owned paths are relative to the repository root` };
  }
  if (text.includes('\\')) return { error: `"${raw}" uses backslashes; use / between directories` };
  if (text.startsWith('!'))
    return { error: `"${raw}" is a negated pattern, which would own everything else; list the paths to own` };
  const isDir = text.endsWith('/');
  const segments = text.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return { error: `"${raw}" names the whole repository; own specific paths` };
  if (segments.includes('..')) {
    const resolved: string[] = [];
    for (const segment of segments) {
      if (segment !== '..') resolved.push(segment);
      else if (resolved.pop() === undefined) return { error: `"${raw}" leaves the repository (contains ..)` };
    }
    if (resolved.length === 0) return { error: `"${raw}" names the whole repository; own specific paths` };
    return { error: `"${raw}" contains ..; write it as "${resolved.join('/')}${isDir ? '/' : ''}"` };
  }
  const first = segments[0]?.toLowerCase();
  if (first === '.git') return { error: `"${raw}" is inside .git/, git's own data, which no task may own` };
  if (first === '.haco')
    return { error: `"${raw}" is inside .haco/, haco's own state, which no task may own` };
  if (isDir) segments.push('**');
  return { pattern: segments.join('/') };
}

/** The segments before the first glob segment: the part of a pattern that names real directories. */
export function literalPrefix(pattern: string): string[] {
  const out: string[] = [];
  for (const segment of pattern.split('/')) {
    if (isGlobSegment(segment)) break;
    out.push(segment);
  }
  return out;
}

function literalEnds(segment: string): { head: string; tail: string } {
  const first = segment.search(GLOB_CHARS);
  let last = -1;
  for (let i = segment.length - 1; i >= 0; i--) {
    if (GLOB_CHARS.test(segment[i] ?? '')) {
      last = i;
      break;
    }
  }
  return { head: segment.slice(0, first), tail: segment.slice(last + 1) };
}

/** Whether two single segments could match one common name. Sound: never false when they can. */
function segmentsMayMeet(a: string, b: string): boolean {
  const aGlob = isGlobSegment(a);
  const bGlob = isGlobSegment(b);
  if (!aGlob && !bGlob) return a === b;
  if (!aGlob) return picomatch.isMatch(a, toPicomatch(b), { dot: true });
  if (!bGlob) return picomatch.isMatch(b, toPicomatch(a), { dot: true });
  // Two globs: a common name must start with both literal heads and end with both literal tails.
  const x = literalEnds(a);
  const y = literalEnds(b);
  const headsAgree = x.head.startsWith(y.head) || y.head.startsWith(x.head);
  const tailsAgree = x.tail.endsWith(y.tail) || y.tail.endsWith(x.tail);
  return headsAgree && tailsAgree;
}

function walk(a: readonly string[], i: number, b: readonly string[], j: number, seen: Set<string>): boolean {
  const key = `${i},${j}`;
  if (seen.has(key)) return false;
  seen.add(key);
  if (i === a.length && j === b.length) return true;
  const sa = a[i];
  const sb = b[j];
  if (sa === '**') return walk(a, i + 1, b, j, seen) || (j < b.length && walk(a, i, b, j + 1, seen));
  if (sb === '**') return walk(a, i, b, j + 1, seen) || (i < a.length && walk(a, i + 1, b, j, seen));
  if (sa === undefined || sb === undefined) return false;
  return segmentsMayMeet(sa, sb) && walk(a, i + 1, b, j + 1, seen);
}

/** Whether a segment opens a `{}` group it does not close (the group spans a `/`). */
function hasOpenGroup(segment: string): boolean {
  const count = (c: string): number => segment.split(c).length - 1;
  return count('{') !== count('}');
}

/**
 * The segments `walk` compares. A literal path also covers everything below it (it may be a
 * directory), and so does a trailing `/`. A pattern the per-segment walk cannot follow (a group
 * spanning a `/`, like `src/{a,b/c}.ts`, or a negation) is widened to its literal prefix + `**`.
 */
function walkSegments(pattern: string): string[] {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  // A negation (refused in plans, but other tools read one) could own anything.
  if (pattern.startsWith('!')) return ['**'];
  if (segments.some(hasOpenGroup)) return [...literalPrefix(segments.join('/')), '**'];
  if (!segments.some(isGlobSegment) || pattern.endsWith('/')) segments.push('**');
  return segments;
}

/**
 * Whether two owned-path patterns could name a common file, as matched by `ownershipMatcher`. A
 * literal path also covers everything below it (it may be a directory). Sound: it never answers
 * false for patterns that share a file; it may answer true for some that do not (two globs in one
 * segment are compared by their literal heads and tails only; a group spanning a `/` is widened
 * to the directory before it).
 */
export function patternsOverlap(a: string, b: string): boolean {
  return walk(walkSegments(a), 0, walkSegments(b), 0, new Set());
}

/** Whether any pattern of one list overlaps any of the other; returns the first pair found. */
export function firstOverlap(a: readonly string[], b: readonly string[]): [string, string] | undefined {
  for (const x of a) for (const y of b) if (patternsOverlap(x, y)) return [x, y];
  return undefined;
}

/**
 * A matcher for "is this repo-relative file path owned by these patterns": exact match, a file
 * below a literal (directory) path, or a glob match where only `*`, `**`, `?` and `{a,b}` are
 * syntax (every other character matches itself).
 */
export function ownershipMatcher(patterns: readonly string[]): (path: string) => boolean {
  const globs = patterns.filter(isGlobPattern);
  const literals = patterns.filter((p) => !globs.includes(p));
  const isGlobMatch = globs.length ? picomatch(globs.map(toPicomatch), { dot: true }) : () => false;
  return (path) => literals.some((l) => path === l || path.startsWith(`${l}/`)) || isGlobMatch(path);
}

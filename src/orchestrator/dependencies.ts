import { basename } from 'node:path';

/**
 * Dependency manifests the dependency guard reads (issue 8, point 8), by file name. Each parser
 * returns the dependency names a manifest declares; text it cannot read declares none.
 */
const MANIFESTS: ReadonlyArray<{
  readonly matches: (name: string) => boolean;
  readonly names: (text: string) => Set<string>;
}> = [
  { matches: (n) => n === 'package.json', names: packageJsonNames },
  { matches: (n) => /^requirements.*\.txt$/.test(n), names: requirementsNames },
  { matches: (n) => n === 'pyproject.toml', names: pyprojectNames },
  { matches: (n) => n === 'go.mod', names: goModNames },
  { matches: (n) => n === 'Cargo.toml', names: cargoNames },
];

/** Whether `path` (repo-relative) is a manifest the dependency guard reads. */
export function isManifest(path: string): boolean {
  const name = basename(path);
  return MANIFESTS.some((m) => m.matches(name));
}

/**
 * The dependency names `after` declares that `before` did not, for the manifest at `path`
 * (`before` null: the file is new). Sorted; empty for a path that is no manifest.
 */
export function addedDependencies(path: string, before: string | null, after: string | null): string[] {
  const name = basename(path);
  const manifest = MANIFESTS.find((m) => m.matches(name));
  if (!manifest || after === null) return [];
  const old = before === null ? new Set<string>() : manifest.names(before);
  return [...manifest.names(after)].filter((d) => !old.has(d)).sort();
}

const NPM_SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/** package.json: the keys of dependencies, devDependencies, peerDependencies, optionalDependencies. */
function packageJsonNames(text: string): Set<string> {
  const names = new Set<string>();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return names; // a broken package.json is verify's business, not the guard's
  }
  if (typeof json !== 'object' || json === null) return names;
  for (const section of NPM_SECTIONS) {
    const deps = (json as Record<string, unknown>)[section];
    if (typeof deps === 'object' && deps !== null) for (const d of Object.keys(deps)) names.add(d);
  }
  return names;
}

/** A PEP 508 requirement's name, normalised (PEP 503: lower case, runs of -_. as -). */
function pep508Name(spec: string): string | undefined {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec);
  return match?.[1]?.toLowerCase().replace(/[-_.]+/g, '-');
}

/** requirements*.txt: one requirement per line; options (`-r`, `-e`, `--index-url`) and comments skipped. */
function requirementsNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line || line.startsWith('-')) continue;
    const name = pep508Name(line);
    if (name) names.add(name);
  }
  return names;
}

/** TOML lines grouped by their `[table]` header (no TOML library: the guard reads names only). */
function tomlTables(text: string): Array<{ table: string; lines: string[] }> {
  const tables: Array<{ table: string; lines: string[] }> = [{ table: '', lines: [] }];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header?.[1] !== undefined) tables.push({ table: header[1].replace(/\s+/g, ''), lines: [] });
    else tables.at(-1)?.lines.push(line);
  }
  return tables;
}

/** The keys (`name = …`) of a TOML table's lines. */
function tomlKeys(lines: readonly string[]): string[] {
  return lines.flatMap((l) => {
    const key = /^"?([A-Za-z0-9_.-]+)"?\s*=/.exec(l)?.[1];
    return key === undefined ? [] : [key];
  });
}

/** The quoted strings of a TOML array value starting at `key = [`, across lines. */
function tomlArrayStrings(lines: readonly string[], key: string): string[] {
  const start = lines.findIndex((l) => new RegExp(`^"?${key}"?\\s*=\\s*\\[`).test(l));
  if (start < 0) return [];
  let text = '';
  for (const line of lines.slice(start)) {
    text += `${line}\n`;
    if (line.includes(']') && !/\[[^\]]*$/.test(line.replace(/^[^=]*=\s*\[/, ''))) break;
  }
  return [...text.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
}

/**
 * pyproject.toml: PEP 621 `[project] dependencies` and `[project.optional-dependencies]`, and
 * Poetry's `[tool.poetry.*dependencies]` tables (`python` itself is no dependency).
 */
function pyprojectNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const { table, lines } of tomlTables(text)) {
    if (table === 'project') {
      for (const spec of tomlArrayStrings(lines, 'dependencies')) {
        const name = pep508Name(spec);
        if (name) names.add(name);
      }
    } else if (table === 'project.optional-dependencies' || table === 'dependency-groups') {
      for (const key of tomlKeys(lines)) {
        for (const spec of tomlArrayStrings(lines, key)) {
          const name = pep508Name(spec);
          if (name) names.add(name);
        }
      }
    } else if (/^tool\.poetry\.(.+\.)?dependencies$/.test(table)) {
      for (const key of tomlKeys(lines)) if (key !== 'python') names.add(pep508Name(key) ?? key);
    }
  }
  return names;
}

/** go.mod: module paths of `require` lines and blocks (indirect ones too). */
function goModNames(text: string): Set<string> {
  const names = new Set<string>();
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line) names.add(line.split(/\s+/)[0] ?? line);
    } else if (/^require\s*\($/.test(line)) {
      inBlock = true;
    } else {
      const single = /^require\s+(\S+)\s+\S+/.exec(line);
      if (single?.[1] !== undefined) names.add(single[1]);
    }
  }
  return names;
}

/**
 * Cargo.toml: keys of `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` (also under
 * `[target.….]` and `[workspace.dependencies]`), and `[dependencies.NAME]` tables.
 */
function cargoNames(text: string): Set<string> {
  const names = new Set<string>();
  const section = /^(?:target\..+\.|workspace\.)?(?:dev-|build-)?dependencies$/;
  for (const { table, lines } of tomlTables(text)) {
    if (section.test(table)) for (const key of tomlKeys(lines)) names.add(key);
    const named = /^(?:target\..+\.)?(?:dev-|build-)?dependencies\.([A-Za-z0-9_-]+)$/.exec(table);
    if (named?.[1] !== undefined) names.add(named[1]);
  }
  return names;
}

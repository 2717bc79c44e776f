import type { YAMLError } from 'yaml';
import type { z } from 'zod';

/** One problem found in a config or plan file: where (a key path) and what, for one output line. */
export interface IssueLine {
  /** Key path as `tasks[1].depends_on[0]` or `agents.mine.type`; `(root)` for the whole file. */
  readonly path: string;
  readonly message: string;
}

/**
 * Formats a zod issue path as `tasks[2].files[0]` or `agents.mine.command`; `(root)` when empty.
 * A key that is not a plain word (letters, digits, `_`, `-`) is quoted, as in `agents["my agent"]`,
 * so the path stays unambiguous.
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (!/^[A-Za-z0-9_-]+$/.test(String(key))) out += `[${JSON.stringify(String(key))}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * Turns zod issues into one line each, worded for the person editing the file: an unknown key is
 * named in the path (`tasks[0].depends-on: unknown key`, one line per key), a missing required key
 * says so, and a bad record key gives the key's rule. Other issues keep the schema's message.
 * Parse with `{ reportInput: true }` so missing keys can be told from wrong values (zod 4).
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): IssueLine[] {
  return issues.flatMap((issue): IssueLine[] => {
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          path: formatIssuePath([...issue.path, key]),
          message: 'unknown key',
        }));
      case 'invalid_type':
        if ('input' in issue && issue.input === undefined) {
          return [
            {
              path: formatIssuePath(issue.path),
              message: `required key is missing (expected ${issue.expected})`,
            },
          ];
        }
        break;
      case 'invalid_key':
        return [
          {
            path: formatIssuePath(issue.path),
            message: `bad key: ${issue.issues[0]?.message ?? issue.message}`,
          },
        ];
      default:
        break;
    }
    return [{ path: formatIssuePath(issue.path), message: issue.message }];
  });
}

/** Describes a YAML parse error (yaml 2, `prettyErrors: true`) in one line: `line 3, column 5: MESSAGE`. */
export function describeYamlError(error: YAMLError): string {
  const pos = error.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'parse error';
  return `${where}: ${message}`;
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symlinks',
};

/** Words a failed file read (`readFileSync`) in a few words: `no such file`, `permission denied`. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && READ_ERRORS[code]) ?? code ?? String(error);
}

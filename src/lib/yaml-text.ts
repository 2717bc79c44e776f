import { parseDocument } from 'yaml';

import { describeYamlError } from './issues.js';

/**
 * Aliases (`*name`) one YAML file may expand; yaml 2's own default (`maxAliasCount`). A config or
 * plan never needs more; an alias bomb ("billion laughs": each anchor repeats the one before, so a
 * few hundred bytes expand to gigabytes) needs far more and is refused.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * Deepest `[`/`{` nesting one YAML file may have. A config or plan needs a handful of levels; the
 * `yaml` package recurses once per level and runs Node out of memory on ~50,000 (about 100 KB of
 * `[`), so deeper text is refused before it is parsed.
 */
export const MAX_YAML_FLOW_DEPTH = 256;

/**
 * The 1-based line where the flow nesting (`[` and `{` outside quotes and comments) first goes
 * deeper than `limit`, or undefined. Conservative: a bracket inside a plain scalar counts too,
 * which only matters for text with hundreds of unclosed brackets.
 */
export function flowTooDeep(text: string, limit = MAX_YAML_FLOW_DEPTH): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: "'" | '"' | undefined;
  let isComment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line += 1;
      isComment = false;
      continue;
    }
    if (isComment) continue;
    if (quote === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') quote = undefined;
      continue;
    }
    if (quote === "'") {
      if (c === "'") quote = undefined; // '' inside single quotes reads as close + open: same state
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) isComment = true;
    else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > limit) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return undefined;
}

/**
 * Parses the text of a YAML file (a leading UTF-8 BOM is ignored) to plain data. Duplicate keys
 * are an error.
 * @returns the data, or one line saying what is wrong and where (`invalid YAML at line 3, column
 *   5: …`, too many aliases, or nesting deeper than {@link MAX_YAML_FLOW_DEPTH})
 */
export function parseYamlText(text: string): { value: unknown } | { error: string } {
  const deepAt = flowTooDeep(text);
  if (deepAt !== undefined)
    return {
      error: `invalid YAML at line ${deepAt}: nested deeper than ${MAX_YAML_FLOW_DEPTH} levels of [ ] or { }`,
    };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) return { error: `invalid YAML at ${describeYamlError(first)}` };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown };
  } catch (error) {
    // yaml 2 throws ReferenceErrors while resolving aliases: "Excessive alias count indicates a
    // resource exhaustion attack" past maxAliasCount, "Unresolved alias …" for an unknown anchor.
    // Any other throw is a bug and goes up as one.
    if (!(error instanceof ReferenceError)) throw error;
    if (/excessive alias/i.test(error.message))
      return {
        error: `too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions; refused as a possible alias bomb)`,
      };
    return { error: `invalid YAML: ${error.message.split('\n')[0] ?? 'bad alias'}` };
  }
}

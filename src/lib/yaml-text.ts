import { parseDocument } from 'yaml';

import { describeYamlError } from './issues.js';

/**
 * Aliases (`*name`) one YAML file may expand; yaml 2's own default (`maxAliasCount`). A config or
 * plan never needs more; an alias bomb ("billion laughs": each anchor repeats the one before, so a
 * few hundred bytes expand to gigabytes) needs far more and is refused.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * Parses the text of a YAML file (a leading UTF-8 BOM is ignored) to plain data. Duplicate keys
 * are an error.
 * @returns the data, or one line saying what is wrong and where (`invalid YAML at line 3, column
 *   5: …`, or too many aliases)
 */
export function parseYamlText(text: string): { value: unknown } | { error: string } {
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

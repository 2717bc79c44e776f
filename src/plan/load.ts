import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

import { PlanError } from '../lib/errors.js';
import { describeReadError } from '../lib/issues.js';
import { findJsonError } from '../lib/json-error.js';
import { parseYamlText } from '../lib/yaml-text.js';

/**
 * Reads a plan file as plain data: `.json` is JSON, anything else YAML (a superset of JSON); a
 * leading UTF-8 BOM is ignored in both. Duplicate keys are an error in YAML (in JSON the last one
 * wins, as `JSON.parse` does); a YAML file with more than MAX_YAML_ALIASES alias expansions (an
 * alias bomb) is refused.
 * @param file path to the plan file
 * @param shown how the file is named in messages (usually as the user typed it)
 * @throws PlanError with one line when the file cannot be read, cannot be parsed (naming line and
 *   column), has too many aliases, or is empty
 */
export function readPlanData(file: string, shown = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanError([`${shown}: cannot read plan: ${describeReadError(error)}`]);
  }
  // A UTF-8 byte order mark (some Windows editors write one) is not part of the text.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let data: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      data = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      // Node 20's messages rarely give a position and may quote several lines: find it ourselves.
      const place = findJsonError(text);
      if (!place) throw error;
      throw new PlanError([
        `${shown}: invalid JSON at line ${place.line}, column ${place.column}: ${place.message}`,
      ]);
    }
  } else {
    const parsed = parseYamlText(text);
    if ('error' in parsed) throw new PlanError([`${shown}: ${parsed.error}`]);
    data = parsed.value;
  }
  if (data === null || data === undefined)
    throw new PlanError([`${shown}: the plan is empty (expected version, goal and tasks)`]);
  return data;
}

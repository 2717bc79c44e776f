import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

import { parseDocument } from 'yaml';

import { PlanError } from '../lib/errors.js';
import { describeYamlError } from '../lib/issues.js';

/**
 * Words a `JSON.parse` error as ` at line L, column C: MESSAGE` when V8 gives a position (Node 20
 * says `... in JSON at position N`, later versions add `(line L column C)`; an early end is placed
 * at the end of the text), else as `: MESSAGE`.
 */
function describeJsonError(error: Error, text: string): string {
  const message = error.message.replace(/ in JSON at position \d+.*$/, '');
  const position =
    /at position (\d+)/.exec(error.message)?.[1] ??
    (/end of JSON input/.test(message) ? String(text.length) : undefined);
  if (position === undefined) return `: ${message}`;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}: ${message}`;
}

/**
 * Reads a plan file as plain data: `.json` is JSON, anything else YAML (a superset of JSON).
 * Duplicate keys are an error in YAML (in JSON the last one wins, as `JSON.parse` does).
 * @param file path to the plan file
 * @param shown how the file is named in messages (usually as the user typed it)
 * @throws PlanError with one line when the file cannot be read, cannot be parsed (naming line and
 *   column) or is empty
 */
export function readPlanData(file: string, shown = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlanError([
      `${shown}: cannot read plan: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
    ]);
  }
  let data: unknown;
  if (extname(file).toLowerCase() === '.json') {
    try {
      data = JSON.parse(text) as unknown;
    } catch (error) {
      throw new PlanError([`${shown}: invalid JSON${describeJsonError(error as Error, text)}`]);
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) throw new PlanError([`${shown}: invalid YAML at ${describeYamlError(first)}`]);
    data = doc.toJS() as unknown;
  }
  if (data === null || data === undefined)
    throw new PlanError([`${shown}: the plan is empty (expected version, goal and tasks)`]);
  return data;
}

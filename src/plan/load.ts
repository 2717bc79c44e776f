import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

import { parseDocument } from 'yaml';

import { PlanError } from '../lib/errors.js';

/**
 * Reads a plan file as plain data: `.json` is JSON, anything else YAML (a superset of JSON).
 * @param file path to the plan file
 * @param shown how the file is named in messages (usually as the user typed it)
 * @throws PlanError with one line when the file cannot be read or parsed, naming line and column
 */
export function readPlanData(file: string, shown = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlanError([`${shown}: cannot read plan: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`]);
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new PlanError([`${shown}: invalid JSON: ${(error as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : 'unknown position';
    const message = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'parse error';
    throw new PlanError([`${shown}: invalid YAML at ${where}: ${message}`]);
  }
  return doc.toJS() as unknown;
}

import { HacoError } from '../lib/errors.js';
import { RULES_BEGIN, RULES_END } from './templates.js';

/** A line of `text` with the offsets of its first character and of its end (before the newline). */
interface Line {
  readonly number: number;
  readonly start: number;
  readonly end: number;
}

function markerLines(text: string, marker: string): Line[] {
  const found: Line[] = [];
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (text.slice(start, end).trim() === marker) found.push({ number, start, end });
    if (newline === -1) break;
    start = newline + 1;
    number += 1;
  }
  return found;
}

/**
 * The text of a file (CLAUDE.md, AGENTS.md) with haco's block in it: the file's own text is never
 * changed. Without markers the block is appended after a blank line (an empty or missing file gets
 * the block alone); with one `<!-- haco:begin -->` line and a later `<!-- haco:end -->` line,
 * everything from the begin line to the end line is replaced by `block`, and nothing else.
 * @param current the file's text, or undefined when it does not exist
 * @param block the block, from its begin line to its end line, without a final newline
 * @param shown the file's name in messages (repo-relative)
 * @throws HacoError `init.markers` (exit 2) when the markers are unmatched, repeated or out of
 *   order, so a block haco cannot find exactly is never guessed at
 */
export function withBlock(current: string | undefined, block: string, shown: string): string {
  if (current === undefined || current === '') return `${block}\n`;
  const begins = markerLines(current, RULES_BEGIN);
  const ends = markerLines(current, RULES_END);
  if (begins.length === 0 && ends.length === 0) {
    const base = current.endsWith('\n') ? current : `${current}\n`;
    return `${base}${base.endsWith('\n\n') ? '' : '\n'}${block}\n`;
  }
  const [begin] = begins;
  const [end] = ends;
  if (begins.length === 1 && ends.length === 1 && begin && end && begin.number < end.number)
    return current.slice(0, begin.start) + block + current.slice(end.end);
  const where = [...begins, ...ends].map((l) => l.number).sort((a, b) => a - b);
  throw new HacoError('init.markers', [
    `${shown}: line ${where.join(', ')}: the haco block needs exactly one ${RULES_BEGIN} line and one ${RULES_END} line after it; fix the markers by hand (haco init writes nothing)`,
  ]);
}

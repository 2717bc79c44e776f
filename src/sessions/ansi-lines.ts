import type { IBufferCell, IBufferLine, Terminal } from '@xterm/headless';

/** SGR parameters of one cell; palette colours 0–15 stay 30–37/90–97 so the user's theme applies. */
function sgrOf(c: IBufferCell): string {
  const p: string[] = [];
  if (c.isBold()) p.push('1');
  if (c.isDim()) p.push('2');
  if (c.isItalic()) p.push('3');
  if (c.isUnderline()) p.push('4');
  if (c.isInverse()) p.push('7');
  if (c.isInvisible()) p.push('8');
  if (c.isStrikethrough()) p.push('9');
  if (c.isFgRGB()) {
    const v = c.getFgColor();
    p.push(`38;2;${(v >> 16) & 255};${(v >> 8) & 255};${v & 255}`);
  } else if (c.isFgPalette()) {
    const v = c.getFgColor();
    p.push(v < 8 ? `${30 + v}` : v < 16 ? `${90 + v - 8}` : `38;5;${v}`);
  }
  if (c.isBgRGB()) {
    const v = c.getBgColor();
    p.push(`48;2;${(v >> 16) & 255};${(v >> 8) & 255};${v & 255}`);
  } else if (c.isBgPalette()) {
    const v = c.getBgColor();
    p.push(v < 8 ? `${40 + v}` : v < 16 ? `${100 + v - 8}` : `48;5;${v}`);
  }
  return p.join(';');
}

/**
 * Turns one emulator row into an ANSI string exactly `cols` cells wide (SGR only, no cursor moves),
 * ready for Ink's `<Text>`. The empty right half of a wide character is skipped, not padded.
 * Source: research/pty-ink-sqlite-notes.md §1.3.
 */
export function lineToAnsi(line: IBufferLine | undefined, cols: number, scratch: IBufferCell): string {
  if (!line) return ' '.repeat(cols);
  let out = '';
  let current = '';
  for (let x = 0; x < cols; x++) {
    const cell = line.getCell(x, scratch);
    if (!cell) {
      out += ' ';
      continue;
    }
    if (cell.getWidth() === 0) continue;
    const sgr = sgrOf(cell);
    if (sgr !== current) {
      out += sgr ? `\x1b[0;${sgr}m` : '\x1b[0m';
      current = sgr;
    }
    out += cell.getChars() || ' ';
  }
  return current ? `${out}\x1b[0m` : out;
}

/** The visible rows of the active buffer (normal or alternate) as exact-width ANSI strings. */
export function viewportToAnsi(term: Terminal): string[] {
  const buffer = term.buffer.active;
  const scratch = buffer.getNullCell();
  const out: string[] = [];
  for (let y = 0; y < term.rows; y++)
    out.push(lineToAnsi(buffer.getLine(buffer.viewportY + y), term.cols, scratch));
  return out;
}

/** The visible rows as plain text, right-trimmed (for detectors and tests). */
export function viewportToText(term: Terminal): string[] {
  const buffer = term.buffer.active;
  const out: string[] = [];
  for (let y = 0; y < term.rows; y++)
    out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
  return out;
}

/** Lines {@link bufferTail} returns by default. */
export const TAIL_LINES = 10;
/** Most bytes (UTF-8) {@link bufferTail} returns by default. */
export const TAIL_BYTES = 2000;
/** Longest line {@link bufferTail} keeps whole, characters (longer ones end in `…`). */
const TAIL_LINE_CHARS = 300;

/**
 * The last non-empty lines of the emulator's screen and scrollback as plain text (no ANSI), for
 * failure messages: at most `maxLines` lines and `maxBytes` bytes (UTF-8; the oldest lines go
 * first), each line at most 300 characters; rows the emulator wrapped are joined back into one line.
 */
export function bufferTail(term: Terminal, maxLines = TAIL_LINES, maxBytes = TAIL_BYTES): string[] {
  const buffer = term.buffer.active;
  const out: string[] = [];
  let bytes = 0;
  let logical = '';
  for (let y = buffer.length - 1; y >= 0 && out.length < maxLines; y--) {
    const line = buffer.getLine(y);
    if (!line) continue;
    // A row the emulator wrapped continues the row above it: one line of output.
    logical = line.translateToString(true) + logical;
    if (line.isWrapped) continue;
    const text = logical.trim();
    logical = '';
    if (!text) continue;
    let shown = text.length > TAIL_LINE_CHARS ? `${text.slice(0, TAIL_LINE_CHARS - 1)}…` : text;
    // The newest line is cut to fit; an older one that does not fit ends the tail.
    while (out.length === 0 && shown.length > 1 && Buffer.byteLength(shown) + 1 > maxBytes)
      shown = `${shown.slice(0, Math.max(1, Math.floor(shown.length / 2)) - 1)}…`;
    bytes += Buffer.byteLength(shown) + 1;
    if (bytes > maxBytes) break;
    out.push(shown);
  }
  return out.reverse();
}

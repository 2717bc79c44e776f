import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cells a tab advances to: the next multiple of this. */
const TAB_STOP = 4;

/**
 * Cuts plain text (no ANSI) to at most `width` terminal cells, ending in `…` when cut. Widths come
 * from string-width 7, as Ink measures them, so a cut line never wraps.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** Plain text cut or space-padded to exactly `width` cells. */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
}

/** Cells of plain text. */
export function cells(text: string): number {
  return stringWidth(text);
}

/**
 * Makes untrusted text (a file's lines) safe to draw as one line: tabs become spaces up to the
 * next multiple of 4 cells, and every other control character (ESC, CR, …: string-width counts
 * them as 0 cells, the terminal would act on them) becomes `�`.
 */
export function printable(text: string): string {
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (segment === '\t') {
      const pad = TAB_STOP - (used % TAB_STOP);
      out += ' '.repeat(pad);
      used += pad;
      continue;
    }
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    const safe = /[\u0000-\u001f\u007f-\u009f]/.test(segment) ? '\ufffd' : segment;
    out += safe;
    used += stringWidth(safe);
  }
  return out;
}

/** Where a JSON text first goes wrong: 1-based line and column, and what was expected there. */
export interface JsonErrorPlace {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Deepest nesting of objects and arrays the scanner follows. */
const MAX_DEPTH = 512;

class Stop {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

function shown(ch: string | undefined): string {
  if (ch === undefined) return 'end of file';
  if (/^[\x21-\x7e]$/.test(ch)) return `"${ch}"`;
  return `character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Finds the first syntax error of a JSON text (RFC 8259) by scanning it, since Node 20's
 * `JSON.parse` messages often give no position at all (`Unexpected token '}', "…" is not valid
 * JSON`) and quote a multi-line snippet.
 * @returns the place and a one-line message (`unexpected "}" (expected a value)`), or undefined
 *   when the text is valid JSON
 */
export function findJsonError(text: string): JsonErrorPlace | undefined {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Stop(i, `unexpected ${shown(text[i])} (expected ${expected})`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`"${word}"`);
      i++;
    }
  };
  const string = (): void => {
    i++; // the opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('a closing "');
      else if (ch === '"') break;
      else if (ch < ' ') fail('no line break or control character inside a string (write \\n)');
      else if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('4 hex digits after \\u');
          }
        } else if (esc === undefined || !'"\\/bfnrt'.includes(esc))
          fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u');
      }
      i++;
    }
    i++;
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail('a digit');
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  let depth = 0;
  const value = (): void => {
    ws();
    const ch = text[i];
    // JSON.parse has already failed on this text; a few hundred levels is far beyond a plan, and
    // recursing deeper could overflow the stack.
    if ((ch === '{' || ch === '[') && ++depth > MAX_DEPTH) fail(`at most ${MAX_DEPTH} levels of nesting`);
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('":" after a property name');
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          depth--;
          return;
        } else fail('"," or "}"');
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          depth--;
          return;
        } else fail('"," or "]"');
      }
    } else if (ch === '"') string();
    else if (ch === '-' || /[0-9]/.test(ch ?? '')) number();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else fail('a value');
  };
  try {
    value();
    ws();
    if (i < text.length) fail('the end of the file after the top-level value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.at);
    const line = before.split('\n').length;
    return { line, column: error.at - before.lastIndexOf('\n'), message: error.message };
  }
}

// Where a JSON text stops being valid. Node 20's JSON.parse errors often give no
// position ("Unexpected token ',', ..."x": [,]}" is not valid JSON"), and a person
// fixing a hand-edited config DB needs a line and column. This scanner follows the
// JSON grammar (RFC 8259) just far enough to find the first offending offset; it is
// only run after JSON.parse has already failed. Arrays and objects are tracked on a
// stack of their own, not by recursion, so that no nesting depth JSON.parse takes
// can overflow the call stack.

/** Thrown by the scanner at the first offending offset. */
class InvalidAt extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

/** Offset of the first character that makes `text` invalid JSON (text.length if it ends too early). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new InvalidAt(i);
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) fail();
    i++;
  };
  const lit = (word: string): void => {
    for (const ch of word) expect(ch);
  };
  const str = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const key = (): void => {
    ws();
    str();
    ws();
    expect(':');
  };
  // The closing bracket of every array and object still open, innermost last.
  const open: (']' | '}')[] = [];
  try {
    value: for (;;) {
      ws();
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        ws();
        const close = c === '{' ? '}' : ']';
        if (text[i] === close) i++;
        else {
          open.push(close);
          if (close === '}') key();
          continue value;
        }
      } else if (c === '"') str();
      else if (c === 't') lit('true');
      else if (c === 'f') lit('false');
      else if (c === 'n') lit('null');
      else num();
      // A value ended: a comma goes on to the next one, a bracket closes its container.
      while (open.length > 0) {
        ws();
        const close = open[open.length - 1]!;
        if (text[i] === ',') {
          i++;
          if (close === '}') key();
          continue value;
        }
        expect(close);
        open.pop();
      }
      break;
    }
    ws();
    return i; // trailing garbage starts here (or the text was valid: length)
  } catch (err) {
    if (err instanceof InvalidAt) return err.offset;
    throw err;
  }
}

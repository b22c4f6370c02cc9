// Where a JSON text stops being JSON, as a line and column and a plain reason. JSON.parse's own message is never
// shown: it may quote the text around the error, and a policy file can hold a database password.

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  reason: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The first syntax error of a JSON text, or null when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | null {
  let i = 0;
  const stop = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const unexpected = (expected: string): never => {
    const c = text[i];
    if (c === undefined) return stop(`the file ends where ${expected} should be`);
    if (c === '/') return stop('JSON allows no comments');
    if (c === "'") return stop('use double quotes ("), not single quotes');
    return stop(`expected ${expected}`);
  };

  const string = () => {
    const start = i;
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) stop('a text in double quotes is not closed', start);
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) stop('\\u must be followed by four hex digits');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else stop('a backslash in a text must start an escape such as \\\\ or \\" (write Windows paths with \\\\)');
        continue;
      }
      if (c! < ' ') stop('a line break or control character inside a text in double quotes');
      i++;
    }
  };

  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      let comma = -1;
      for (;;) {
        space();
        if (text[i] === '}') stop('a comma before } (JSON allows no trailing comma)', comma);
        if (text[i] !== '"') unexpected('a key in double quotes');
        string();
        space();
        if (text[i] !== ':') unexpected("':' after the key");
        i++;
        value();
        space();
        if (text[i] === ',') {
          comma = i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        unexpected("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      let comma = -1;
      for (;;) {
        space();
        if (text[i] === ']') stop('a comma before ] (JSON allows no trailing comma)', comma);
        value();
        space();
        if (text[i] === ',') {
          comma = i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        unexpected("',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    unexpected('a value (a number, true, false, null, a text in double quotes, [ or {)');
  };

  try {
    value();
    space();
    if (i < text.length) stop('more text after the end of the JSON object');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { ...lineAndColumn(text, err.offset), reason: err.reason };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let j = 0; j < offset && j < text.length; j++) {
    if (text[j] === '\n') {
      line++;
      lineStart = j + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

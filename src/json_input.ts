/**
 * JSON text from users (suite files, stored results) parsed with one-line errors: where the text
 * is broken (line and column) and why, and a bound on nesting, so that a hostile or damaged file
 * gets a message instead of a multi-line dump or a stack overflow further on.
 *
 * @module
 */

/** Nesting deeper than this is refused; suites and results nest fewer than 10 levels. */
export const MAX_JSON_DEPTH = 64;

/** A JSON text that cannot be used; `message` is one line ("at line 3, column 9: ..."). */
export class JsonInputError extends Error {
  override name = "JsonInputError";
}

/**
 * Parses `text` as JSON (with `JSON.parse`), refusing nesting deeper than `maxDepth`.
 *
 * @throws {JsonInputError} "invalid JSON at line 3, column 9: Expected ',' or '}' after property
 *   value", or "JSON nested more than 64 levels deep, at variants[0][0]..."
 */
export function parseJson(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = String((error as Error).message);
    const position = / JSON at position (\d+)/.exec(message)?.[1];
    const offset = position === undefined ? jsonErrorOffset(text) : Number(position);
    const before = text.slice(0, offset).split("\n");
    const reason = message
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, "")
      .replace(/( in)? JSON at position \d+.*$/s, (_, inJson) => inJson ? "" : " JSON")
      .replace(/\s+/g, " ");
    throw new JsonInputError(
      `invalid JSON at line ${before.length}, column ${before.at(-1)!.length + 1}: ${reason}`,
    );
  }
  const proto = protoKeyPath(value);
  if (proto !== undefined) {
    throw new JsonInputError(
      `a key "__proto__" at ${
        proto || "the top level"
      }: no ganbench file has one, and JavaScript objects would drop it silently`,
    );
  }
  const tooDeep = deeperThan(value, maxDepth);
  if (tooDeep !== undefined) {
    throw new JsonInputError(
      `JSON nested more than ${maxDepth} levels deep, at ${tooDeep}`,
    );
  }
  return value;
}

/**
 * The path of the first object in `value` that has a key `__proto__` (`JSON.parse` keeps it as an
 * own key, but spreading or validating the object drops it), if any; only the first 64 levels are
 * searched, deeper nesting being refused anyway.
 */
function protoKeyPath(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== "object" || depth > MAX_JSON_DEPTH) continue;
    if (!Array.isArray(value) && Object.hasOwn(value, "__proto__")) return path.slice(0, 80);
    for (const [key, child] of Object.entries(value)) {
      const step = Array.isArray(value) ? `[${key}]` : `${path ? "." : ""}${key}`;
      stack.push({ value: child, depth: depth + 1, path: path + step });
    }
  }
  return undefined;
}

/** The path (`a.b[0]...`) of the first place `value` nests deeper than `maxDepth`, if any. */
function deeperThan(value: unknown, maxDepth: number): string | undefined {
  // Iterative, so that the check itself cannot overflow the stack.
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth >= maxDepth) return `${path.slice(0, 80)}${path.length > 80 ? "..." : ""}`;
    for (const [key, child] of Object.entries(value)) {
      const step = Array.isArray(value) ? `[${key}]` : `${path ? "." : ""}${key}`;
      stack.push({ value: child, depth: depth + 1, path: path + step });
    }
  }
  return undefined;
}

/**
 * The offset of the first syntax error of `text` (RFC 8259), `text.length` when it ends early. V8's
 * `JSON.parse` names no position for some errors ("Unexpected token '}', ..."), hence this scan,
 * run only after `JSON.parse` has failed.
 */
export function jsonErrorOffset(text: string): number {
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const closers: string[] = [];
  type Expect = "value" | "value-or-close" | "key" | "key-or-close" | "colon" | "next" | "end";
  let expect: Expect = "value";
  let i = 0;
  const afterValue = (): Expect => closers.length ? "next" : "end";
  while (true) {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
    if (i >= text.length) return expect === "end" ? -1 : text.length;
    const c = text[i];
    if (expect === "end") return i;
    if (expect === "colon") {
      if (c !== ":") return i;
      i++, expect = "value";
    } else if (expect === "next") {
      if (c === ",") i++, expect = closers.at(-1) === "}" ? "key" : "value";
      else if (c === closers.at(-1)) i++, closers.pop(), expect = afterValue();
      else return i;
    } else if (expect === "key" || expect === "key-or-close") {
      if (expect === "key-or-close" && c === "}") {
        i++, closers.pop(), expect = afterValue();
        continue;
      }
      if (c !== '"') return i;
      const { end, closed } = scanString(text, i);
      if (!closed) return end;
      i = end, expect = "colon";
    } else {
      if (expect === "value-or-close" && c === "]") {
        i++, closers.pop(), expect = afterValue();
        continue;
      }
      if (c === "{" || c === "[") {
        closers.push(c === "{" ? "}" : "]");
        i++, expect = c === "{" ? "key-or-close" : "value-or-close";
        continue;
      }
      if (c === '"') {
        const { end, closed } = scanString(text, i);
        if (!closed) return end;
        i = end, expect = afterValue();
        continue;
      }
      const literal = ["true", "false", "null"].find((word) => text.startsWith(word, i));
      NUMBER.lastIndex = i;
      const length = literal?.length ?? (NUMBER.exec(text)?.[0].length || 0);
      if (!length) return i;
      i += length, expect = afterValue();
    }
  }
}

/**
 * Scans the string literal opening at `start`: `end` is the offset just after its closing quote
 * (`closed`), or that of what breaks it (a bad escape, a control character, the end of text).
 */
function scanString(text: string, start: number): { end: number; closed: boolean } {
  for (let k = start + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '"') return { end: k + 1, closed: true };
    if (c < " ") return { end: k, closed: false };
    if (c === "\\") {
      const next = text[k + 1];
      if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(k + 2, k + 6))) k += 5;
      else if (next !== undefined && '"\\/bfnrt'.includes(next)) k++;
      else return { end: k + 1, closed: false };
    }
  }
  return { end: text.length, closed: false };
}

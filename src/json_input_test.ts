import assert from "node:assert/strict";
import { jsonErrorOffset, JsonInputError, parseJson } from "./json_input.ts";

const SAMPLE = JSON.stringify(
  {
    version: 1,
    description: 'a "quoted" \\ text\twith é and \u0001',
    datasets: ["ring8", "grid25"],
    model: { generator: { hidden: [128, 128] }, output: null, flag: true, other: false },
    numbers: [0, -1, 2.5, -3e-7, 1e21, 0.125],
    empty: [{}, []],
  },
  null,
  1,
);

Deno.test("jsonErrorOffset agrees with JSON.parse on every one-character edit of a suite", () => {
  // Deleting, doubling or replacing each character in turn: the scan must find an error exactly
  // when JSON.parse does.
  const replacements = ['"', ",", "}", "]", "x", "\\", "\n", "0", "-", "."];
  let broken = 0;
  for (let i = 0; i < SAMPLE.length; i++) {
    const edits = [
      SAMPLE.slice(0, i) + SAMPLE.slice(i + 1),
      SAMPLE.slice(0, i) + SAMPLE[i] + SAMPLE.slice(i),
      ...replacements.map((c) => SAMPLE.slice(0, i) + c + SAMPLE.slice(i + 1)),
    ];
    for (const text of edits) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const offset = jsonErrorOffset(text);
      assert.equal(offset === -1, valid, `${JSON.stringify(text)}: offset ${offset}`);
      if (!valid) broken++;
    }
  }
  assert.ok(broken > SAMPLE.length, "most edits break the text");
});

Deno.test("parseJson names the line and column in one line", () => {
  const cases: [string, string][] = [
    ['{\n  "a": [1, 2,],\n}', "invalid JSON at line 2, column 14: Unexpected token ']'"],
    ['{\n  "a": 1\n  "b": 2\n}', "invalid JSON at line 3, column 3: Expected ',' or '}'"],
    ['{"a": 1', "invalid JSON at line 1, column 8: Expected ',' or '}'"],
    ["", "invalid JSON at line 1, column 1: Unexpected end of JSON input"],
  ];
  for (const [text, start] of cases) {
    assert.throws(
      () => parseJson(text),
      (error: Error) =>
        error instanceof JsonInputError && error.message.startsWith(start) &&
        !error.message.includes("\n"),
      text,
    );
  }
  assert.deepEqual(parseJson(SAMPLE), JSON.parse(SAMPLE));
});

Deno.test("parseJson refuses nesting deeper than its bound, whatever the depth", () => {
  const deep = (n: number) => `{"a": ${"[".repeat(n)}${"]".repeat(n)}}`;
  assert.deepEqual(parseJson(deep(10)), JSON.parse(deep(10)));
  for (const n of [64, 100_000]) {
    assert.throws(
      () => parseJson(deep(n)),
      /^JsonInputError: JSON nested more than 64 levels deep, at a\[0\]/,
    );
  }
});

import assert from "node:assert/strict";
import { fitMarkdown, wrapLine } from "./terminal.ts";

const BOARD = [
  "### mixtures · ring8 · profile `quick`",
  "",
  "| rank | variant | KL ↓ | modes ↑ | a very long column title | another long one |",
  "|---|---|---|---|---|---|",
  "| 1 | nsgan | 0.120 ± 0.010 | 8.000 ± 0.000 | x | y |",
  "| 2–3 | wgan-gp | 0.340 ± 0.200 | 7.667 ± 0.577 | x | y |",
  "",
  `Figures are mean ± sample std over the seeds that did not diverge (n); ${
    "word ".repeat(40)
  }end.`,
].join("\n");

Deno.test("fitMarkdown cuts tables to whole columns that fit, names the rest and the full table, and wraps paragraphs", () => {
  for (const width of [40, 60, 80]) {
    const lines = fitMarkdown(BOARD, width, "results/mixtures/quick/leaderboard.md").split("\n");
    assert.deepEqual(lines.filter((line) => line.length > width), [], `width ${width}`);
    const table = lines.filter((line) => line.startsWith("|"));
    assert.equal(table.length, 4);
    assert.equal(new Set(table.map((line) => line.length)).size, 1, "columns are aligned");
    assert.match(table[2], /^\| 1 +\| nsgan +\| /, "rows keep their leading cells whole");
    const note = lines.join(" ").replace(/ +/g, " ").match(
      /\((\d) more columns: (.*); the full table is in (\S+)\)/,
    );
    assert.ok(note, `width ${width}: the cut is said`);
    const titles = [
      "rank",
      "variant",
      "KL ↓",
      "modes ↑",
      "a very long column title",
      "another long one",
    ];
    const shown = table[0].split("|").slice(1, -1).map((cell) => cell.trim());
    assert.deepEqual([...shown, ...note[2].split(", ")], titles, "every column is shown or named");
    assert.equal(note[3], "results/mixtures/quick/leaderboard.md");
    assert.ok(lines.join(" ").replace(/ +/g, " ").includes(`${"word ".repeat(40)}end.`));
  }
});

Deno.test("fitMarkdown leaves Markdown that fits, or a pipe's output, as it is but aligned", () => {
  assert.equal(fitMarkdown(BOARD, Infinity, "x"), BOARD);
  const wide = fitMarkdown(BOARD, 500, "x").split("\n");
  assert.ok(!wide.join("\n").includes("more columns"));
  assert.equal(wide.filter((line) => line.startsWith("|")).length, 4);
});

Deno.test("wrapLine keeps a line's indentation and indents its continuation lines two more", () => {
  const line = `  computed at ${"commit 3c075fdce5a6 on 2026-11-30 (70 cells), ".repeat(4)}end`;
  const lines = wrapLine(line, 50);
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => l.length <= 50), lines.join("\n"));
  assert.ok(lines[0].startsWith("  computed at "));
  assert.ok(lines.slice(1).every((l) => /^ {4}\S/.test(l)));
  assert.equal(lines.map((l) => l.trim()).join(" "), line.trim());
  assert.deepEqual(wrapLine("short", 50), ["short"]);
});

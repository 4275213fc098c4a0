import assert from "node:assert/strict";
import { join } from "node:path";
import { buildLeaderboard } from "../src/report/leaderboard.ts";
import type { CellResult } from "../src/runner/store.ts";
import {
  agrees,
  auditReadings,
  evaluate,
  findClaims,
  parseNumbers,
  rewrite,
  separationProblems,
  Sources,
} from "./audit_readings.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** A completed cell of `variant` whose final figures are `final`. */
function cell(variant: string, seed: number, final: Record<string, number>): CellResult {
  return {
    hash: `${variant}${seed}`,
    config: {
      dataset: "ring",
      variant,
      seed,
      backend: "wasm",
      evalSamples: 1,
      budget: { steps: 9 },
    },
    status: "completed",
    final,
    curves: [],
    evals: [{ step: 9, seconds: 1, metrics: final }],
    timing: { wallSeconds: 2, trainSeconds: 1, evalSeconds: 1, stepsPerSecond: 9 },
    environment: { commit: "abc123" },
  } as unknown as CellResult;
}

/**
 * Three rows of 5 seeds on modes.kl (lower is better): `a` 1..5, `b` 11..15 (completely apart
 * from `a`), `c` 3..7.
 */
function fixture(): Sources {
  const rows = { a: [1, 2, 3, 4, 5], b: [11, 12, 13, 14, 15], c: [3, 4, 5, 6, 7] };
  const cells = Object.entries(rows).flatMap(([variant, values]) =>
    values.map((v, seed) => cell(variant, seed, { "modes.kl": v, "modes.hq": v / 100 }))
  );
  const board = buildLeaderboard(
    { suite: "t", profile: "quick", description: "", primary: "modes.kl", baseline: "a" },
    cells,
  );
  return new Sources("/nonexistent", { "t/quick": { board, cells } });
}

/** Runs `fn` in a fresh temporary folder, removed afterwards. */
async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseNumbers() reads prose numbers with the rounding their last digit allows", () => {
  const numbers = parseNumbers("ring8 has 0.39 ± 0.15, 2,500 samples, 8.5e-21, −3 and ranks 1–8.");
  assert.deepEqual(numbers.map((q) => q.value), [0.39, 0.15, 2500, 8.5e-21, -3, 1, 8]);
  assert.deepEqual(numbers.map((q) => q.tolerance), [0.005, 0.005, 0.5, 0.05e-21, 0.5, 0.5, 0.5]);
  // A hyphen between two numbers is a range, not a minus sign; names with digits are no numbers.
  assert.deepEqual(parseNumbers("0.64-0.69 on grid25 and pacgan2").map((q) => q.value), [
    0.64,
    0.69,
  ]);
});

Deno.test("agrees() accepts what rounds to the written digits and nothing further", () => {
  const [q] = parseNumbers("0.34");
  assert.ok(agrees(q, 0.3449));
  assert.ok(!agrees(q, 0.3348), "0.3348 is written 0.33");
  assert.ok(!agrees(parseNumbers("0.1")[0], 0.1, "gt"));
  assert.ok(agrees(parseNumbers("0.1")[0], 0.13, "gt"));
  assert.ok(agrees(parseNumbers("0.07")[0], 0.069, "le"));
});

Deno.test("findClaims() gives each marker the text since the previous marker, blank line or cell border", () => {
  const md = "a 1 b 2<!-- audit: x -->, then 3<!-- audit: y -->\n\n| 4 | 5<!-- audit: z --> |";
  const claims = findClaims(md, "f.md");
  assert.deepEqual(claims.map((c) => [c.query, c.context]), [
    ["x", "a 1 b 2"],
    ["y", ", then 3"],
    ["z", " 5"],
  ]);
  assert.equal(claims[2].line, 3);
  // A marker quoted in code (right after a backtick) is an example, not a claim.
  assert.equal(findClaims("write `<!-- audit: x -->` after 0.39", "f.md").length, 0);
});

Deno.test("evaluate() recomputes means, exact tests and Holm families from the cells", async () => {
  const sources = fixture();
  assert.deepEqual((await evaluate("t/quick row ring b modes.kl mean±std", sources)).values, [
    13,
    Math.sqrt(2.5),
  ]);
  // a vs b completely apart at 5 vs 5: 2 of the C(10, 5) = 252 splits are as extreme.
  const p = (await evaluate("t/quick test ring a b modes.kl p", sources)).values[0];
  assert.equal(p, 2 / 252);
  // Holm over the 3 pairs × 2 figures: the two smallest (a-b on each figure) get 6p and 5p.
  const adjusted = await evaluate(
    "t/quick test ring a b modes.kl holm * modes.kl,modes.hq",
    sources,
  );
  assert.ok(Math.abs(adjusted.values[0] - 6 * 2 / 252) < 1e-12);
  assert.deepEqual((await evaluate("t/quick poi ring a b modes.kl", sources)).values, [1]);
  assert.deepEqual((await evaluate("t/quick range ring * modes.kl mean pct", sources)).values, [
    300,
    1300,
  ]);
  assert.deepEqual((await evaluate("t/quick count ring * modes.kl ge 5", sources)).values, [9]);
  assert.deepEqual((await evaluate("t/quick table ring tested", sources)).values, [3]);
  assert.deepEqual((await evaluate("t/quick table ring baselinetested", sources)).values, [2]);
});

Deno.test("a leaderboard that no longer summarises its cells is reported once, with what differs", async () => {
  const rows = { a: [1, 2, 3], b: [4, 5, 6] };
  const cells = Object.entries(rows).flatMap(([variant, values]) =>
    values.map((v, seed) => cell(variant, seed, { "modes.kl": v }))
  );
  const board = buildLeaderboard(
    { suite: "t", profile: "quick", description: "", primary: "modes.kl" },
    cells,
  );
  // A rerun of row b's seed 0 after the leaderboard was built.
  const rerun = cells.map((c) =>
    c.config.variant === "b" && c.config.seed === 0 ? { ...c, final: { "modes.kl": 7 } } : c
  );
  const sources = new Sources("/nonexistent", { "t/quick": { board, cells: rerun } });
  assert.deepEqual((await evaluate("t/quick row ring b modes.kl mean", sources)).values, [6]);
  const stale = sources.staleBoards();
  assert.equal(stale.length, 1);
  assert.match(stale[0].message, /ring b modes\.kl: 5 \(n 3\), cells 6 \(n 3\); 1 in all/);
  const fresh = new Sources("/nonexistent", { "t/quick": { board, cells } });
  await evaluate("t/quick row ring b modes.kl mean", fresh);
  assert.deepEqual(fresh.staleBoards(), []);
});

Deno.test("evaluate() names the row, figure or query it cannot find", async () => {
  const sources = fixture();
  await assert.rejects(evaluate("t/quick row ring zz modes.kl mean", sources), /no row 'zz'/);
  await assert.rejects(evaluate("t/quick frobnicate", sources), /unknown query 'frobnicate'/);
  await assert.rejects(
    evaluate("t/quick row ring a modes.kl", sources),
    /expected 'row D V F STAT'/,
  );
});

/** Audits `markdown` as a reading of the fixture: the report, and the file's text afterwards. */
function auditMarkdown(markdown: string, fix = false) {
  return inTempDir(async (dir) => {
    const file = join(dir, "r.md");
    await Deno.writeTextFile(file, markdown);
    const report = await auditReadings(dir, { files: [file], readme: [], sources: fixture(), fix });
    return { report, text: await Deno.readTextFile(file) };
  });
}

Deno.test("a reading with a wrong number is reported with its line and the cells' value", async () => {
  const { report } = await auditMarkdown(
    "Row b: 13.0 ± 1.6<!-- audit: t/quick row ring b modes.kl mean±std -->.\n\n" +
      "Row c: 5.1<!-- audit: t/quick row ring c modes.kl mean -->.\n",
  );
  assert.equal(report.checked, 2);
  assert.equal(report.problems.length, 1);
  assert.match(report.problems[0].where, /r\.md:3$/);
  assert.match(report.problems[0].message, /written 5\.1 \(cells: 5\)/);
});

Deno.test("fix rewrites wrong values at their written precision and leaves bounds and prose alone", async () => {
  const bound = "c below 4<!-- audit: t/quick row ring c modes.kl mean lt -->";
  const { report, text } = await auditMarkdown(
    `b ends at 12.0 ± 9.99<!-- audit: t/quick row ring b modes.kl mean±std -->; ${bound} and ` +
      "1,000<!-- audit: t/quick cells -->.\n",
    true,
  );
  assert.equal(report.fixed.length, 2);
  assert.equal(report.problems.length, 1, "a bound is reported, not rewritten");
  assert.equal(
    text,
    `b ends at 13.0 ± 1.58<!-- audit: t/quick row ring b modes.kl mean±std -->; ${bound} and ` +
      "15<!-- audit: t/quick cells -->.\n",
  );
  assert.equal((await auditMarkdown(text)).report.problems.length, 1);
});

Deno.test("rewrite() keeps the written form: decimals, exponent, commas, minus sign", () => {
  const [a, b, c, d] = parseNumbers("0.39 8.5e-21 2,500 −3");
  assert.equal(rewrite(a, 0.4134), "0.41");
  assert.equal(rewrite(b, 2.67e-16), "2.7e-16");
  assert.equal(rewrite(c, 12345), "12,345");
  assert.equal(rewrite(d, -4.4), "−4");
  // 10 vs 10 seeds' smallest p written where 5 vs 5's 0.0079 was: not "0.0000".
  assert.equal(rewrite(parseNumbers("0.0079")[0], 2 / 184756), "0.000011");
});

Deno.test("a README correction not applied yet is pending; a quote the README lost is a problem", () =>
  inTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "README.md"), "Row c ends at\n5.1 on average.");
    const report = await auditReadings(dir, {
      files: [],
      sources: fixture(),
      readme: [
        {
          quote: "Row c ends at 5.0",
          wrong: "Row c ends at 5.1",
          query: "t/quick row ring c modes.kl mean",
        },
        { quote: "Row b ends at 13", query: "t/quick row ring b modes.kl mean" },
      ],
    });
    assert.equal(report.pending.length, 1);
    assert.deepEqual(report.problems.map((p) => p.message), ['no longer says "Row b ends at 13"']);
  }));

Deno.test("separationProblems() flags a claim of separation that names no test or family", () => {
  const md = [
    "- cgan is separated from nsgan.",
    "- cgan is separated from nsgan (exact permutation tests, Holm over 6 comparisons).",
    "- no pair is separated <!-- audit-skip: a definition -->",
  ].join("\n");
  assert.deepEqual(separationProblems(md).map((p) => p.line), [1]);
});

Deno.test("the committed readings agree with the committed cells and suite files", async () => {
  const report = await auditReadings(ROOT);
  assert.deepEqual(report.problems, []);
  assert.ok(report.checked > 100, `${report.checked} claims checked`);
});

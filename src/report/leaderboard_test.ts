import assert from "node:assert/strict";
import type { CellResult } from "../runner/store.ts";
import { summarise } from "./aggregate.ts";
import {
  buildLeaderboard,
  commitsSentence,
  formatSummary,
  renderCsv,
  renderMarkdown,
  samplesNote,
  SMOKE_NOTE,
} from "./leaderboard.ts";

function result(
  variant: string,
  seed: number,
  kl: number,
  covered: number,
  diverged = false,
): CellResult {
  return {
    hash: `${variant}${seed}`,
    config: {
      dataset: "ring8",
      variant,
      seed,
      backend: "wasm",
      evalSamples: 2500,
      budget: { steps: 100 },
    },
    status: diverged ? "diverged" : "completed",
    ...(diverged ? { divergence: { step: 42, network: "D" } } : {}),
    steps: diverged ? 41 : 100,
    final: diverged ? {} : { "modes.kl": kl, "modes.covered": covered, "modes.hq": 0.5 },
    curves: [],
    evals: [{ step: 0, seconds: 0, metrics: { "modes.kl": 2 } }, {
      step: 100,
      seconds: 1,
      metrics: { "modes.kl": kl },
    }],
    timing: { wallSeconds: 2, trainSeconds: 1, evalSeconds: 1, stepsPerSecond: 100 },
  } as unknown as CellResult;
}

const INFO = { suite: "mixtures", profile: "quick", description: "", primary: "modes.kl" };

Deno.test("summarise gives mean, sample std and n of finite values", () => {
  assert.deepEqual(summarise([1, 2, 3, NaN]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(summarise([5]), { mean: 5, std: 0, n: 1 });
  assert.equal(summarise([]), undefined);
});

Deno.test("buildLeaderboard aggregates over seeds and sorts by the primary figure's direction", () => {
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1.0, 4),
    result("gan", 1, 2.0, 2),
    result("nsgan", 0, 0.1, 8),
    result("nsgan", 1, 0.3, 8),
    result("wgan", 0, 0, 0, true),
  ]);
  assert.deepEqual(board.rows.map((r) => [r.rankLabel, r.variant]), [["1–2", "nsgan"], [
    "1–2",
    "gan",
  ], ["—", "wgan"]]);
  const nsgan = board.rows[0];
  assert.ok(Math.abs(nsgan.figures["modes.kl"].mean - 0.2) < 1e-12);
  assert.ok(Math.abs(nsgan.figures["modes.kl"].std - Math.sqrt(0.02)) < 1e-12);
  assert.equal(nsgan.figures["modes.covered"].mean, 8);
  const wgan = board.rows[2];
  assert.equal(wgan.diverged, 1);
  assert.deepEqual(wgan.divergedAt, [42]);
  assert.equal(wgan.figures["modes.kl"], undefined);
  // The primary first, then the registry's order.
  assert.deepEqual(board.figures.map((f) => f.key), ["modes.kl", "modes.covered", "modes.hq"]);
});

Deno.test("renderMarkdown shows mean ± std, arrows and divergence", () => {
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1, 4),
    result("gan", 1, 2, 2),
    result("wgan", 0, 0, 0, true),
  ]);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /\| rank \| variant \| KL ↓ \| 95% CI \| modes ↑ \| hq ↑ \| best KL \|/);
  assert.match(
    markdown,
    /\| 1 \| gan \| 1\.500 ± 0\.707 \| 0\.000 – 7\.853 \| 3\.000 ± 1\.414 \| 0\.500 ± 0\.000 \|/,
  );
  // Student's t gives -4.853 – 7.853; KL is never negative, and the note says the interval is cut.
  assert.match(
    markdown,
    /KL lies in \[0, ∞\): where Student's t interval .* is cut there \(1 of 2 rows\)/,
  );
  assert.match(markdown, /\| — \| wgan \| — \| — \| — \| — \| — \| 1\/1 \(step 42\) \| 0 \|/);
  assert.match(markdown, /One ranked row: nothing to compare\./);
});

Deno.test("renderCsv writes one line per row with mean, std and n per figure", () => {
  const board = buildLeaderboard(INFO, [result("gan", 0, 1, 4), result("gan", 1, 2, 2)]);
  const [header, line] = renderCsv(board).trim().split("\n");
  assert.match(
    header,
    /^suite,profile,dataset,rank_low,rank_high,variant,not_converged,seeds,diverged,modes\.kl_mean,modes\.kl_std,modes\.kl_n,modes\.covered_mean,modes\.covered_std/,
  );
  assert.match(line, /^mixtures,quick,ring8,1,1,gan,0,2,0,1\.5,0\.7071067\d+,2,3,1\.41421356/);
});

Deno.test("formatSummary shows a single seed as its value alone and a binary flag as a count", () => {
  assert.equal(formatSummary({ mean: 0.25, std: 0, n: 1 }), "0.250");
  assert.equal(formatSummary({ mean: 1 / 3, std: 0.577, n: 3 }, 3, { binary: true }), "1/3");
  assert.equal(formatSummary({ mean: 0, std: 0, n: 2 }, 3, { binary: true }), "0/2");
});

Deno.test("formatSummary avoids negative zero and uses exponents for tiny values", () => {
  assert.equal(formatSummary({ mean: -0.0001, std: 0.00005, n: 2 }), "-1.00e-4 ± 5.00e-5");
  assert.equal(formatSummary({ mean: -0.0000, std: 0, n: 2 }), "0.000 ± 0.000");
  assert.equal(formatSummary(undefined), "—");
});

Deno.test("buildLeaderboard reports divergence rate, seed spread and the best-vs-last gap", () => {
  const late = result("gan", 2, 1.5, 3);
  late.evals = [{ step: 0, seconds: 0, metrics: { "modes.kl": 2 } }, {
    step: 50,
    seconds: 1,
    metrics: { "modes.kl": 0.5 },
  }, {
    step: 100,
    seconds: 2,
    metrics: { "modes.kl": 1.5 },
  }];
  const board = buildLeaderboard(INFO, [
    result("gan", 0, 1.5, 4),
    late,
    result("gan", 1, 0, 0, true),
  ]);
  const row = board.rows[0];
  assert.ok(Math.abs(row.divergenceRate - 1 / 3) < 1e-12);
  assert.deepEqual(row.primarySpread, { std: 0, cv: 0 });
  // Seed 0 ends at its best (gap 0); seed 2 ends 1.0 above its best 0.5: mean gap 0.5.
  assert.equal(row.bestLastGap, 0.5);
});

Deno.test("formatSummary writes a std that is float noise next to an ordinary mean as 0.000", () => {
  assert.equal(formatSummary({ mean: 1.024, std: 1.36e-16, n: 3 }), "1.024 ± 0.000");
  assert.equal(formatSummary({ mean: 8.47e-21, std: 0, n: 3 }), "8.47e-21 ± 0.000");
});

Deno.test("samplesNote names the final figures' sample count apart from the evaluations'", () => {
  assert.equal(
    samplesNote({ evalSamples: [2500], finalSamples: [2500] }),
    "; 2500 generated samples per evaluation",
  );
  assert.equal(
    samplesNote({ evalSamples: [1000], finalSamples: [5000] }),
    "; 5000 generated samples for the final figures, 1000 per evaluation before",
  );
  assert.equal(samplesNote({ evalSamples: [1], finalSamples: [1] }), "");
  const board = buildLeaderboard(
    INFO,
    [result("a", 0, 0.1, 8), result("a", 1, 0.2, 8)].map((r) => ({
      ...r,
      config: { ...r.config, finalSamples: 10000 },
    })),
  );
  assert.match(renderMarkdown(board), /10000 generated samples for the final figures, 2500 per/);
});

/** A completed cell whose final figures are `final`, from `commit`. */
function cellWith(
  dataset: string,
  variant: string,
  seed: number,
  final: Record<string, number>,
  commit = "abc123",
): CellResult {
  const cell = result(variant, seed, 0, 0);
  return {
    ...cell,
    config: { ...cell.config, dataset },
    final,
    evals: [{ step: 100, seconds: 1, metrics: final }],
    environment: { commit },
  } as unknown as CellResult;
}

/** Cells of one row: one per value of `kl` (seeds 0, 1, ...), hq `hq`. */
function row(dataset: string, variant: string, kl: number[], hq = 0.9, commit?: string) {
  return kl.map((value, seed) =>
    cellWith(dataset, variant, seed, { "modes.kl": value, "modes.hq": hq }, commit)
  );
}

Deno.test("the leaderboard claims what constructed seeds support: separated, overlapping, n = 1 and n = 2 rows", () => {
  const eight = (centre: number) => Array.from({ length: 8 }, (_, i) => centre + i / 100);
  const cells = [
    ...row("ring8", "far-ahead", eight(0.1)),
    ...row("ring8", "behind", eight(1.0)),
    ...row("ring8", "overlapping", eight(1.005)),
    ...row("ring8", "single", [0.5]),
    ...row("ring8", "pair", [5, 5.1]),
    // grid25: clearly apart, but 3 seeds each can never reach Holm's threshold.
    ...row("grid25", "low", [0.1, 0.11, 0.12]),
    ...row("grid25", "high", [2, 2.1, 2.2]),
  ];
  const board = buildLeaderboard(INFO, cells);
  const ranks = Object.fromEntries(
    board.rows.map((r) => [`${r.dataset}/${r.variant}`, r.rankLabel]),
  );
  assert.deepEqual(ranks, {
    // Ahead of the two 8-seed rows it is tested against (p = 2/12870 each), not provably ahead
    // of the n = 1 and n = 2 rows: rank 1 to 3.
    "ring8/far-ahead": "1–3",
    "ring8/single": "1–5",
    "ring8/behind": "2–5",
    "ring8/overlapping": "2–5",
    "ring8/pair": "1–5",
    "grid25/low": "1–2",
    "grid25/high": "1–2",
  });
  const ring8 = board.comparisons.find((c) => c.dataset === "ring8")!;
  const separated = ring8.pairs.filter((p) => p.better).map((p) =>
    `${p.better} > ${p.better === p.a ? p.b : p.a}`
  );
  assert.deepEqual(separated.sort(), ["far-ahead > behind", "far-ahead > overlapping"]);
  const overlap = ring8.pairs.find((p) => p.a === "behind" && p.b === "overlapping")!;
  assert.ok(overlap.pHolm > 0.05, `overlapping rows: p ${overlap.pHolm}`);
  assert.equal(ring8.tooFewSeeds, false);
  const grid25 = board.comparisons.find((c) => c.dataset === "grid25")!;
  assert.equal(grid25.tooFewSeeds, true);
  assert.equal(grid25.pairs[0].p, 0.1, "3 vs 3 completely apart: 2 of 20 splits");

  const markdown = renderMarkdown(board);
  assert.match(markdown, /\| 1–3 \| far-ahead \| 0\.135 ± 0\.024 \|/);
  assert.match(markdown, /\| 1–5 \| single \| 0\.500 \| n = 1 \|/);
  assert.equal(
    markdown.match(/no spread/g)?.length,
    1,
    "a single seed's lack of spread is said once, in the note",
  );
  assert.match(markdown, /\| 1–5 \| pair \| 5\.050 ± 0\.071 \| 4\.415 – 5\.685 \|/);
  assert.match(
    markdown,
    /Separated at family-wise 0\.05 \(Holm over 10 pairs; .*\): far-ahead > behind \(0\.0016\), far-ahead > overlapping \(0\.0016\)\./,
  );
  assert.match(
    markdown,
    /Too few seeds to separate any two rows: with 3 vs 3 seeds no split gives p below 0\.10, and Holm over 1 pair needs p ≤ 0\.05 \(about 4 seeds per row would be needed\)\./,
  );
  // The note states the method.
  for (
    const phrase of [
      "95% rank interval",
      "2,000 stratified bootstrap resamples",
      "exact two-sided permutation tests of the difference of means",
      "Holm-corrected over all pairs of the table, family-wise level 0.05",
      "Student's t interval",
    ]
  ) assert.ok(markdown.includes(phrase), phrase);
  // A rebuild is identical.
  assert.equal(renderMarkdown(buildLeaderboard(INFO, cells)), markdown);
});

Deno.test("the leaderboard marks rows below a convergence threshold and says which primary figures cells lack", () => {
  const board = buildLeaderboard({ ...INFO, primary: "modes.mass", headline: ["modes.kl"] }, [
    ...row("ring8", "on-modes", [0.2, 0.3], 0.9),
    ...row("ring8", "off-modes", [0.1, 0.1], 0.02),
    cellWith("ring8", "new", 0, { "modes.kl": 0.4, "modes.hq": 0.8, "modes.mass": 0.7 }),
    cellWith("ring8", "new", 1, { "modes.kl": 0.5, "modes.hq": 0.8, "modes.mass": 0.6 }),
  ]);
  const byVariant = Object.fromEntries(board.rows.map((r) => [r.variant, r]));
  assert.deepEqual(byVariant["off-modes"].notConverged, ["hq 0.020 < 0.5"]);
  assert.equal(byVariant["on-modes"].notConverged, undefined);
  assert.equal(byVariant["new"].rankLabel, "1");
  assert.equal(byVariant["on-modes"].rankLabel, "—");
  assert.deepEqual(board.missing, [{ figure: "modes.mass", cells: 4, of: 6 }]);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /\| — \| off-modes \(not converged\) \| — \| — \|/);
  assert.match(markdown, /"not converged": the row's mean hq is below 0\.5/);
  assert.match(markdown, /`modes\.mass` \(mass\) is missing from 4 of 6 cells, stored before/);
  // mass depends on the sample count, but every evaluation used the final count: best is shown.
  assert.equal(board.bestReported, true);
});

Deno.test("a headline figure that one dataset does not have is not reported missing there", () => {
  const board = buildLeaderboard({ ...INFO, primary: "modes.kl", headline: ["modes.mass"] }, [
    cellWith("ring8", "a", 0, { "modes.kl": 0.4, "modes.mass": 0.7 }),
    cellWith("ring8", "a", 1, { "modes.kl": 0.5 }),
    cellWith("grid25", "a", 0, { "modes.kl": 0.4 }),
    cellWith("grid25", "a", 1, { "modes.kl": 0.5 }),
  ]);
  // ring8 has mass in one cell of two; grid25 has it in none, so it is not grid25's figure.
  assert.deepEqual(board.missing, [{ figure: "modes.mass", cells: 1, of: 2 }]);
  const none = buildLeaderboard({ ...INFO, primary: "modes.kl", headline: ["modes.hq"] }, [
    cellWith("ring8", "a", 0, { "modes.kl": 0.4 }),
    cellWith("grid25", "a", 0, { "modes.kl": 0.5 }),
  ]);
  assert.deepEqual(none.missing, [{ figure: "modes.hq", cells: 2, of: 2 }]);
});

Deno.test("'best' is reported only where evaluations and final figures are comparable", () => {
  const withFinal = (cells: CellResult[], finalSamples: number) =>
    cells.map((c) => ({ ...c, config: { ...c.config, finalSamples } }));
  const cells = withFinal(row("ring8", "a", [0.1, 0.2]), 10000);
  // KL depends on the sample count; evaluations at 2,500 and the final figure at 10,000.
  const kl = buildLeaderboard(INFO, cells);
  assert.equal(kl.bestReported, false);
  assert.equal(kl.rows[0].primaryBest, undefined);
  assert.doesNotMatch(renderMarkdown(kl), /best KL/);
  assert.match(renderMarkdown(kl), /No "best over evaluations" column: KL depends on the sample/);
  // hq does not depend on it.
  const hq = buildLeaderboard({ ...INFO, primary: "modes.hq" }, cells);
  assert.equal(hq.bestReported, true);
  assert.match(renderMarkdown(hq), /\| best hq \|/);
});

Deno.test("the leaderboard names the commits behind its cells and warns when they differ or a tree was dirty", () => {
  const one = buildLeaderboard(INFO, row("ring8", "a", [0.1, 0.2], 0.9, "aaa111"));
  assert.deepEqual(one.commits, [{ commit: "aaa111", cells: 2 }]);
  assert.match(renderMarkdown(one), /Cells from commit aaa111 \(2 cells\)\.\n$/);
  const mixed = buildLeaderboard(INFO, [
    ...row("ring8", "a", [0.1, 0.2], 0.9, "aaa111"),
    ...row("ring8", "b", [0.3], 0.9, "bbb222-dirty"),
  ]);
  assert.equal(
    commitsSentence(mixed.commits),
    'Cells from commits aaa111 (2 cells), bbb222-dirty (1 cell). Warning: the cells come from 2 different commits, so their figures may come from different code; 1 of them had uncommitted changes ("-dirty"), which no commit records.',
  );
});

Deno.test("a leaderboard names cells whose products ran on the system BLAS 'blas', though they hash as wasm", () => {
  const onBlas = (cell: CellResult) =>
    ({
      ...cell,
      environment: { backend: { name: "wasm", blas: { name: "OpenBLAS" } } },
    }) as unknown as CellResult;
  const board = buildLeaderboard(INFO, [
    onBlas(result("gan", 0, 1.0, 4)),
    onBlas(result("gan", 1, 2.0, 2)),
    result("nsgan", 0, 0.1, 8),
  ]);
  assert.deepEqual(board.rows.map((r) => [r.variant, r.backends]), [["nsgan", ["wasm"]], [
    "gan",
    ["blas"],
  ]]);
});

Deno.test("'best' leaves out the untrained generator, counts the final figure, and rows ending worse than untrained are named", () => {
  const cell = result("gan", 0, 1.5, 4);
  // Step 0 (untrained) has the lowest KL; the final figure (1.2) beats the last evaluation (1.5).
  cell.evals = [
    { step: 0, seconds: 0, metrics: { "modes.kl": 0.1 } },
    { step: 50, seconds: 1, metrics: { "modes.kl": 1.8 } },
    { step: 100, seconds: 2, metrics: { "modes.kl": 1.5 } },
  ];
  cell.final["modes.kl"] = 1.2;
  const board = buildLeaderboard(INFO, [cell, { ...cell, hash: "g1" }]);
  const [row] = board.rows;
  assert.equal(row.primaryBest?.mean, 1.2, "not step 0's 0.1, and the final 1.2 counts");
  assert.equal(row.untrained?.mean, 0.1);
  assert.equal(row.worseThanUntrained, true);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /over the trained evaluations \(every evaluation after step 0/);
  assert.match(markdown, /every one at 2500 generated samples/);
  assert.match(
    markdown,
    /worse than their untrained generator's .*: ring8 gan \(1\.200 vs 0\.100\)/,
  );
  // A row that improves on its untrained generator is not named.
  cell.evals[0].metrics["modes.kl"] = 2;
  const fine = buildLeaderboard(INFO, [cell]);
  assert.equal(fine.rows[0].worseThanUntrained, false);
  assert.doesNotMatch(renderMarkdown(fine), /worse than their untrained/);
});

Deno.test("rows whose seeds agree exactly are ranked exactly, with the reason instead of 'too few seeds'", () => {
  const cells = ["a", "b", "c"].flatMap((variant, i) =>
    [0, 1, 2].map((seed) => result(variant, seed, [1e-20, 0.5, 3][i], 8))
  );
  const board = buildLeaderboard(INFO, cells);
  assert.deepEqual(board.rows.map((r) => `${r.variant} ${r.rankLabel}`), ["a 1", "b 2", "c 3"]);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /Every row's seeds give exactly the same value \(3 seeds per row\)/);
  assert.doesNotMatch(markdown, /Too few seeds/);
});

Deno.test("each row is compared with the suite's baseline row, beside the all-pairs view", () => {
  // 3 seeds per row: all pairs (Holm over 3) cannot separate anything (p ≥ 0.1), but the
  // comparisons with the baseline still give intervals and P(improvement).
  const cells = [["nsgan", 1], ["a", 0.5], ["b", 1.4]].flatMap(([variant, kl]) =>
    [0, 1, 2].map((seed) => result(variant as string, seed, (kl as number) + seed / 100, 8))
  );
  const board = buildLeaderboard({ ...INFO, baseline: "nsgan" }, cells);
  const table = board.comparisons[0];
  assert.equal(table.baseline?.variant, "nsgan");
  const [a, b] = table.baseline!.comparisons;
  assert.equal(a.variant, "a");
  assert.ok(Math.abs(a.difference + 0.5) < 1e-12);
  assert.equal(a.probabilityOfImprovement, 1, "lower KL is better: every seed of a beats nsgan's");
  assert.equal(b.probabilityOfImprovement, 0);
  assert.ok(a.differenceInterval[0] <= -0.5 && a.differenceInterval[1] >= -0.5 - 0.03);
  const markdown = renderMarkdown(board);
  assert.match(markdown, /Too few seeds to separate any two rows/);
  assert.match(markdown, /Against the baseline nsgan .*: a -0\.500 \[/);
  assert.match(markdown, /Holm over the 2 tested comparisons with the baseline/);
  // No baseline row in the table: no such sentence.
  assert.equal(buildLeaderboard(INFO, cells).comparisons[0].baseline, undefined);
});

Deno.test("a baseline no row of a table is gets a sentence saying so, not a failure", () => {
  const cells = [0, 1].map((seed) => result("a", seed, 1 + seed, 8));
  const board = buildLeaderboard({ ...INFO, baseline: "nsgan" }, cells);
  assert.equal(board.comparisons[0].baselineAbsent, "nsgan");
  assert.match(renderMarkdown(board), /No row of this table is the suite's baseline nsgan/);
});

Deno.test("a smoke leaderboard says in its first line that its numbers are plumbing checks", () => {
  const cells = [result("gan", 0, 1, 4), result("gan", 1, 2, 2)];
  const smoke = renderMarkdown(buildLeaderboard({ ...INFO, profile: "smoke" }, cells));
  assert.equal(smoke.split("\n")[0], SMOKE_NOTE);
  assert.match(SMOKE_NOTE, /plumbing checks/);
  const quick = renderMarkdown(buildLeaderboard(INFO, cells));
  assert.ok(quick.startsWith("### "), "a quick leaderboard opens with its table");
  assert.ok(!quick.includes("plumbing"));
});

Deno.test("the interval of modes covered is cut at the mixture's number of modes, and of a share at [0, 1]", () => {
  const covered = [1, 8, 8].map((value, seed) =>
    cellWith("ring8", "gan", seed, { "modes.covered": value, "modes.total": 8, "modes.hq": 0.9 })
  );
  const board = buildLeaderboard({ ...INFO, primary: "modes.covered" }, covered);
  // Student's t over 1, 8, 8: 5.667 ± 10.04, far past both ends.
  assert.deepEqual(board.rows[0].primaryInterval, [0, 8]);
  assert.equal(board.rows[0].primaryIntervalCut, true);
  const shares = [0.1, 0.9, 0.95].map((value, seed) =>
    cellWith("ring8", "gan", seed, { "modes.hq": value })
  );
  const hq = buildLeaderboard({ ...INFO, primary: "modes.hq" }, shares).rows[0];
  assert.equal(hq.primaryInterval![1], 1);
  assert.ok(hq.primaryInterval![0] >= 0);
  // A narrow interval inside the bounds is left as Student's t gives it.
  const inside = buildLeaderboard(
    { ...INFO, primary: "modes.hq" },
    [0.5, 0.52, 0.54].map((value, seed) => cellWith("ring8", "gan", seed, { "modes.hq": value })),
  ).rows[0];
  assert.equal(inside.primaryIntervalCut, undefined);
  assert.ok(inside.primaryInterval![0] > 0.4 && inside.primaryInterval![1] < 0.6);
});

Deno.test("the note says when two rows have too many splits to enumerate and the tests drew random splits", () => {
  const twenty = (centre: number) => Array.from({ length: 20 }, (_, i) => centre + i / 100);
  const board = buildLeaderboard(INFO, [
    ...row("ring8", "low", twenty(0.1)),
    ...row("ring8", "high", twenty(3)),
  ]);
  const [pair] = board.comparisons[0].pairs;
  assert.equal(pair.exact, false, "C(40, 20) splits are more than the exact limit");
  assert.ok(pair.p >= 1 / 20_001 && pair.p < 0.001, `p ${pair.p}`);
  const markdown = renderMarkdown(board);
  assert.ok(
    markdown.includes(
      "two-sided permutation tests of the difference of means over 20,000 seeded random splits",
    ),
  );
  assert.ok(!markdown.includes("exact two-sided permutation tests"), "no claim of exactness");
});

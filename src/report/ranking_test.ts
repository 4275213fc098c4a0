import assert from "node:assert/strict";
import {
  binomial,
  compareToBaseline,
  holm,
  meanInterval,
  permutationTest,
  probabilityOfImprovement,
  rankRows,
  seedsNeeded,
  smallestPossibleP,
  tQuantile975,
} from "./ranking.ts";

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

Deno.test("permutationTest's p is the share of the C(n1 + n2, n1) splits at least as extreme", () => {
  // 3 vs 3 completely separated: this split and its mirror, 2 of 20.
  assert.deepEqual(permutationTest([1, 2, 3], [10, 11, 12]), {
    p: 0.1,
    exact: true,
    minimumP: 0.1,
  });
  // 2 vs 2: 2 of 6, however far apart.
  assert.equal(permutationTest([0, 0.1], [100, 100.1]).p, 1 / 3);
  // 1 vs 3 with the single value above all: 1 of 4 splits.
  assert.equal(permutationTest([10], [1, 2, 3]).p, 0.25);
  // Identical rows: every split is as extreme.
  assert.equal(permutationTest([1, 1, 1], [1, 1, 1]).p, 1);
  // Hand count for [1, 2, 4] vs [3, 5, 6]: |difference| 2.33 is reached by 4 of 20 splits
  // ({1,2,3}, {1,2,4} and their mirrors).
  close(permutationTest([1, 2, 4], [3, 5, 6]).p, 4 / 20);
  // 6 vs 6 separated: 2 of 924.
  close(permutationTest([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]).p, 2 / 924);
});

Deno.test("permutationTest draws seeded random splits beyond the exact limit, reproducibly", () => {
  const a = Array.from({ length: 12 }, (_, i) => i / 10);
  const b = Array.from({ length: 12 }, (_, i) => 0.5 + i / 10);
  const first = permutationTest(a, b, 3);
  assert.equal(first.exact, false, `${binomial(24, 12)} splits`);
  assert.deepEqual(permutationTest(a, b, 3), first);
  assert.ok(first.p > 0.001 && first.p < 0.1, `p ${first.p}`);
});

Deno.test("smallestPossibleP and seedsNeeded tell how many seeds a claim needs", () => {
  assert.equal(smallestPossibleP(3, 3), 0.1);
  assert.equal(smallestPossibleP(2, 2), 1 / 3);
  assert.equal(smallestPossibleP(1, 5), 1 / 6);
  assert.equal(smallestPossibleP(0, 5), 1);
  // One pair at 0.05: 4 seeds each (2/70 = 0.029; 3 give 0.1). 21 pairs: 0.05/21 = 0.0024 needs 6.
  assert.equal(seedsNeeded(1), 4);
  assert.equal(seedsNeeded(21), 6);
});

Deno.test("holm multiplies the k-th smallest p by (m - k + 1) and keeps the adjusted p monotone", () => {
  assert.deepEqual(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  assert.deepEqual(holm([0.5, 0.001]), [0.5, 0.002]);
  assert.deepEqual(holm([]), []);
});

Deno.test("tQuantile975 matches the closed forms and tends to the normal quantile", () => {
  close(tQuantile975(1), Math.tan(Math.PI * 0.475), 1e-6);
  close(tQuantile975(2), 0.95 / Math.sqrt(2 * 0.975 * 0.025), 1e-6);
  close(tQuantile975(31), 2.039513, 1e-5);
  close(tQuantile975(1e6), 1.959964, 1e-5);
  const interval = meanInterval([1, 2, 3])!;
  close(interval[1] - 2, tQuantile975(2) / Math.sqrt(3));
  assert.equal(meanInterval([5]), undefined);
});

Deno.test("probabilityOfImprovement counts the seed pairs one row wins, ties half", () => {
  assert.equal(probabilityOfImprovement([1, 2], [3, 4], false), 1);
  assert.equal(probabilityOfImprovement([1, 2], [3, 4], true), 0);
  assert.equal(probabilityOfImprovement([1, 3], [2, 3], true), 0.375);
});

Deno.test("rankRows separates well-seeded rows, keeps overlapping ones together and says when seeds are too few", () => {
  const spread = (centre: number, n: number) =>
    Array.from({ length: n }, (_, i) => centre + i / 10);
  // 8 seeds each, lower is better: A ≪ B ≪ C, D overlaps C.
  const [a, b, c, d] = [spread(0, 8), spread(5, 8), spread(10, 8), spread(10.05, 8)];
  const ranking = rankRows([a, b, c, d, undefined], false);
  assert.deepEqual(ranking.ranks.map((r) => r?.label), ["1", "2", "3–4", "3–4", undefined]);
  assert.equal(ranking.tooFewSeeds, false);
  const separated = ranking.pairs.filter((p) => p.better !== undefined)
    .map((p) => `${p.better}>${p.better === p.a ? p.b : p.a}`);
  assert.deepEqual(separated, ["0>1", "0>2", "0>3", "1>2", "1>3"]);
  const cd = ranking.pairs.find((p) => p.a === 2 && p.b === 3)!;
  assert.ok(cd.pHolm > 0.05 && cd.probabilityOfImprovement > 0.5, JSON.stringify(cd));
  // Same rows with 3 seeds: no split can give p below 0.1, Holm over 6 pairs needs 0.0083.
  const few = rankRows([a, b, c, d].map((v) => v.slice(0, 3)), false);
  assert.equal(few.tooFewSeeds, true);
  assert.deepEqual(few.smallestPossibleP, { p: 0.1, seeds: [3, 3] });
  assert.equal(few.seedsNeeded, 5);
  assert.ok(few.pairs.every((p) => p.better === undefined));
  assert.deepEqual(few.ranks.map((r) => r?.label), ["1–4", "1–4", "1–4", "1–4"]);
  // n = 1 and n = 2 rows are ranked but never separated.
  const small = rankRows([[0], [100, 100.5], spread(50, 8)], true);
  assert.ok(small.pairs.every((p) => p.better === undefined));
  assert.deepEqual(small.ranks.map((r) => r?.label), ["1–3", "1–3", "1–3"]);
  // Higher is better flips the order; a rebuild gives the same ranking.
  assert.deepEqual(
    rankRows([a, b, c], true).ranks.map((r) => r?.label),
    ["3", "2", "1"],
  );
  assert.deepEqual(rankRows([a, b, c, d, undefined], false), ranking);
});

Deno.test("rankRows judges every pair: a row that overlaps a group's second row is not ranked apart from it", () => {
  // The old rule compared with a tie group's first row only. Here B and C overlap while A is far
  // ahead of both: B and C share an interval however they are ordered.
  const a = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
  const b = [5, 6, 7, 8, 9, 10, 11, 12];
  const c = [5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5];
  const ranking = rankRows([a, b, c], false);
  assert.deepEqual(ranking.ranks.map((r) => r?.label), ["1", "2–3", "2–3"]);
});

Deno.test("rankRows ranks exactly, without tests, when every row's seeds agree to the last bit", () => {
  // Dirac-GAN-like rows: 3 seeds each, no spread, values 20 orders of magnitude apart.
  const ranking = rankRows([[1e-20, 1e-20, 1e-20], [0.5, 0.5, 0.5], [1e-20, 1e-20, 1e-20], [
    3,
    3,
    3,
  ]], false);
  assert.equal(ranking.deterministic, true);
  assert.equal(ranking.tooFewSeeds, false, "the seeds cannot matter, so there are not too few");
  assert.deepEqual(ranking.ranks.map((r) => r?.label), ["1–2", "3", "1–2", "4"]);
  const separated = ranking.pairs.filter((p) => p.better !== undefined).length;
  assert.equal(separated, 5, "every pair but the tie is ordered by its values");
  // One seed per row is no evidence that seeds do not matter; one row with spread neither.
  assert.equal(rankRows([[1], [2]], false).deterministic, false);
  assert.equal(rankRows([[1, 1], [2, 2.5]], false).deterministic, false);
});

Deno.test("compareToBaseline: difference, its bootstrap interval and the probability of improvement", () => {
  // Constant rows: the difference and P(improvement) are exact, so are their intervals.
  const [up, down] = compareToBaseline([[1, 1, 1], [3, 3, 3], [0, 0, 0]], 0, true);
  assert.deepEqual([up.row, up.difference, up.differenceInterval], [1, 2, [2, 2]]);
  assert.deepEqual([up.probabilityOfImprovement, up.probabilityInterval], [1, [1, 1]]);
  assert.equal(up.better, "row");
  assert.deepEqual([down.difference, down.probabilityOfImprovement, down.better], [
    -1,
    0,
    "baseline",
  ]);
  // Lower is better flips P(improvement) and the better side, not the difference.
  const [low] = compareToBaseline([[1, 1, 1], [3, 3, 3]], 0, false);
  assert.deepEqual([low.difference, low.probabilityOfImprovement, low.better], [2, 0, "baseline"]);
  // Row and baseline both {0, 2}: P(improvement) = (½ + 0 + 1 + ½)/4 = ½. A resample's difference
  // is −2 with probability ¼·¼ = 1/16 > 2.5% (and +2 likewise), so the 95% interval is [−2, 2].
  const [even] = compareToBaseline([[0, 2], [0, 2]], 0, true);
  assert.equal(even.probabilityOfImprovement, 0.5);
  assert.deepEqual(even.differenceInterval, [-2, 2]);
  assert.equal(even.better, undefined);
  assert.equal(even.p, 1);
  // Completely separated 5 vs 5 seeds: p = 2/252 each, Holm over the 2 comparisons.
  const spread = (c: number) => [0, 1, 2, 3, 4].map((i) => c + i / 10);
  const two = compareToBaseline([spread(0), spread(5), spread(-5)], 0, true);
  assert.deepEqual(two.map((c) => c.pHolm), [4 / 252, 4 / 252]);
  assert.deepEqual(two.map((c) => c.better), ["row", "baseline"]);
  // Seeded: the same call gives the same intervals; rows without values are left out.
  const noisy = [[0.1, 0.5, 0.3], undefined, [0.2, 0.9, 0.4], [0.7, 0.6, 0.8]];
  assert.deepEqual(compareToBaseline(noisy, 0, true), compareToBaseline(noisy, 0, true));
  assert.deepEqual(compareToBaseline(noisy, 0, true).map((c) => c.row), [2, 3]);
  assert.deepEqual(compareToBaseline(noisy, 1, true), []);
});

Deno.test("rankRows orders the pairs of seed-independent rows by value and tests only the rest", () => {
  // A and B: no spread over 3 seeds; C varies with the seed (instance noise).
  const ranking = rankRows([[1, 1, 1], [2, 2, 2], [1.5, 1.6, 1.7]], false);
  assert.equal(ranking.deterministic, false);
  const ab = ranking.pairs.find((p) => p.a === 0 && p.b === 1)!;
  assert.deepEqual([ab.byValue, ab.better], [true, 0]);
  // The 2 tested pairs (with C) have 3 vs 3 seeds: p ≥ 0.1, and Holm over 2 needs 0.025.
  assert.equal(ranking.tooFewSeeds, true);
  assert.equal(ranking.seedsNeeded, seedsNeeded(2));
  assert.ok(ranking.pairs.filter((p) => !p.byValue).every((p) => p.better === undefined));
  const [base, row] = [[1, 1, 1], [2, 2, 2]];
  const [c] = compareToBaseline([base, row, [1.5, 1.6, 1.7]], 0, false);
  assert.deepEqual([c.byValue, c.better, c.pHolm], [true, "baseline", c.p]);
});

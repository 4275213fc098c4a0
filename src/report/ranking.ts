/**
 * What a handful of seeds can and cannot tell about a table's rows, following rliable's practice
 * (Agarwal et al., NeurIPS 2021: interval estimates, rank intervals, probability of improvement):
 *
 * - pairwise claims come from exact two-sided permutation tests of the difference of means (every
 *   split of the two rows' seeds), Holm-corrected over every pair of the table, so that the whole
 *   family of claims holds at the stated level; with 3 vs 3 seeds no split can give p below 0.10,
 *   and the table says "too few seeds to separate" instead of ranking rows apart;
 * - a row's rank interval is the middle 95% of its ranks over stratified bootstrap resamples
 *   (each row's seeds resampled on their own, from a fixed seed, so a rebuild is identical),
 *   widened to every rank the pairwise tests cannot exclude: at 2-3 seeds a bootstrap interval is
 *   about the range of the seeds and understates the uncertainty, the exact tests do not;
 * - a row's interval of the mean is Student's t interval, exact at any n ≥ 2 for normal spread
 *   over seeds (a percentile bootstrap covers far less than 95% at 2-3 seeds);
 * - where two rows have at least 2 seeds each and each row's seeds agree to the last bit, the
 *   seed does not change them (Dirac-GAN without instance noise: no random draw): the pair is
 *   ordered by its values, without a test, and left out of the Holm family; where every row is so,
 *   ranks are exact;
 * - the comparisons a reader asks first take fewer tests than all pairs: each row against the
 *   suite's baseline row ({@linkcode compareToBaseline}), with a stratified bootstrap interval of
 *   the difference of means and of the probability of improvement (rliable's), and exact
 *   permutation tests Holm-corrected over those k − 1 comparisons only. All pairs stay the strict
 *   view.
 *
 * Hand-written: simple-statistics' `permutationTest` draws random permutations from an unseeded
 * `Math.random` (not exact, not reproducible), and no pinned package offers exact permutation
 * tests, Holm's correction or Student-t quantiles under Deno without a download.
 *
 * @module
 */
import { mean } from "simple-statistics";
import { Rng } from "../engine/rng.ts";

/** Family-wise error rate of a table's pairwise claims. */
export const ALPHA = 0.05;
/** Two-sided level of intervals (rank intervals, intervals of the mean). */
export const CONFIDENCE = 0.95;
/** Stratified bootstrap resamples behind rank intervals. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** Splits of two rows' seeds enumerated exactly; beyond, seeded random permutations. */
export const EXACT_SPLITS_LIMIT = 200_000;
/** Random permutations when a pair has more splits than {@linkcode EXACT_SPLITS_LIMIT}. */
export const RANDOM_PERMUTATIONS = 20_000;

/** How the permutation tests split two rows' seeds, in words, for pages that state the method. */
export const SPLITS_RULE = `exact up to ${
  EXACT_SPLITS_LIMIT.toLocaleString("en")
} splits of two rows' seeds, over ${
  RANDOM_PERMUTATIONS.toLocaleString("en")
} seeded random splits beyond`;

/** C(n, k) as a float. */
export function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * The smallest two-sided p an exact permutation test of the difference of means can give with
 * `n1` and `n2` seeds (distinct values, completely separated): 1 or 2 (equal counts: the mirror
 * split is as extreme) of the C(n1 + n2, n1) splits.
 */
export function smallestPossibleP(n1: number, n2: number): number {
  if (!n1 || !n2) return 1;
  return (n1 === n2 ? 2 : 1) / binomial(n1 + n2, n1);
}

/** The outcome of {@linkcode permutationTest}. */
export interface PermutationTest {
  /** Two-sided p: the share of splits whose |difference of means| is at least the observed. */
  p: number;
  /** True when every split was enumerated. */
  exact: boolean;
  /** The smallest p any data could give with these sample sizes (distinct values). */
  minimumP: number;
}

/**
 * Exact two-sided permutation test of mean(a) − mean(b): every way of splitting the pooled values
 * into groups of |a| and |b| is enumerated, and p is the share of splits whose absolute difference
 * of means reaches the observed one (float noise of 1e-9 of the largest value is forgiven). Above
 * {@linkcode EXACT_SPLITS_LIMIT} splits it draws {@linkcode RANDOM_PERMUTATIONS} seeded random
 * splits and reports (1 + hits) / (1 + draws), which is never below the exact p's level.
 *
 * @param a one row's values over seeds.
 * @param b the other row's.
 * @param seed seeds the random splits (unused when exact).
 * @returns p, whether it is exact, and the smallest p these sample sizes allow.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permutationTest } from "./ranking.ts";
 * // 3 vs 3 seeds, completely separated: 2 of the 20 splits are as extreme.
 * assert.equal(permutationTest([1, 2, 3], [10, 11, 12]).p, 0.1);
 * ```
 */
export function permutationTest(a: number[], b: number[], seed = 0): PermutationTest {
  if (!a.length || !b.length) return { p: 1, exact: true, minimumP: 1 };
  const pooled = [...a, ...b];
  const [k, n] = [a.length, pooled.length];
  const splits = binomial(n, k);
  const minimumP = smallestPossibleP(a.length, b.length);
  const total = pooled.reduce((s, v) => s + v, 0);
  const difference = (sum: number) => sum / k - (total - sum) / (n - k);
  const observed = Math.abs(difference(a.reduce((s, v) => s + v, 0)));
  const tolerance = 1e-9 * Math.max(...pooled.map(Math.abs));
  const extreme = (sum: number) => Math.abs(difference(sum)) >= observed - tolerance;
  if (splits <= EXACT_SPLITS_LIMIT) {
    let hits = 0;
    const visit = (start: number, left: number, sum: number): void => {
      if (!left) {
        if (extreme(sum)) hits++;
        return;
      }
      for (let i = start; i <= n - left; i++) visit(i + 1, left - 1, sum + pooled[i]);
    };
    visit(0, k, 0);
    return { p: hits / splits, exact: true, minimumP };
  }
  const rng = new Rng(seed);
  const order = pooled.slice();
  let hits = 0;
  for (let draw = 0; draw < RANDOM_PERMUTATIONS; draw++) {
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      [order[i], order[j]] = [order[j], order[i]];
      sum += order[i];
    }
    if (extreme(sum)) hits++;
  }
  return {
    p: (1 + hits) / (1 + RANDOM_PERMUTATIONS),
    exact: false,
    minimumP: Math.max(minimumP, 1 / (1 + RANDOM_PERMUTATIONS)),
  };
}

/**
 * Holm's step-down adjustment: the family of hypotheses whose adjusted p is at most α is rejected
 * with family-wise error rate at most α, under any dependence between the tests.
 *
 * @param pValues one p per hypothesis.
 * @returns the adjusted p values, in the same order.
 */
export function holm(pValues: number[]): number[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const adjusted = new Array<number>(pValues.length);
  let running = 0;
  order.forEach(([p, i], step) => {
    running = Math.max(running, Math.min(1, (pValues.length - step) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** t quantiles at 0.975 for 1..30 degrees of freedom (scipy.stats.t.ppf, 6 decimals). */
const T975 = [
  12.706205,
  4.302653,
  3.182446,
  2.776445,
  2.570582,
  2.446912,
  2.364624,
  2.306004,
  2.262157,
  2.228139,
  2.200985,
  2.178813,
  2.160369,
  2.144787,
  2.13145,
  2.119905,
  2.109816,
  2.100922,
  2.093024,
  2.085963,
  2.079614,
  2.073873,
  2.068658,
  2.063899,
  2.059539,
  2.055529,
  2.051831,
  2.048407,
  2.04523,
  2.042272,
];

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: tabulated up to 30, beyond by
 * the Cornish-Fisher expansion around the normal quantile (error below 1e-5 there).
 */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= T975.length) return T975[Math.round(df) - 1];
  const z = 1.959963984540054;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3);
}

/** The 95% Student-t interval of the mean of `values`; undefined below 2 values. */
export function meanInterval(values: number[]): [number, number] | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const m = mean(values);
  const std = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * std / Math.sqrt(n);
  return [m - half, m + half];
}

/**
 * Probability of improvement (rliable): the chance that a seed of `a` does better than a seed of
 * `b`, ties counting half (the Mann-Whitney U statistic over |a|·|b|).
 */
export function probabilityOfImprovement(a: number[], b: number[], higherIsBetter: boolean) {
  let wins = 0;
  for (const x of a) {
    for (const y of b) wins += x === y ? 0.5 : (x > y) === higherIsBetter ? 1 : 0;
  }
  return wins / (a.length * b.length);
}

/** One pair of a table's rows, as tested. */
export interface PairComparison {
  /** Indices of the two rows in the values given to {@linkcode rankRows}, a < b. */
  a: number;
  b: number;
  /** mean(a) − mean(b). */
  difference: number;
  /** The permutation test's two-sided p. */
  p: number;
  /** Holm-adjusted over the table's pairs. */
  pHolm: number;
  exact: boolean;
  /** The index of the better row when the pair is separated at {@linkcode ALPHA}. */
  better?: number;
  /** P(a seed of a does better than a seed of b). */
  probabilityOfImprovement: number;
  /**
   * True when both rows' seeds agree exactly (at least 2 each): the seed does not change them, so
   * the pair is ordered by its values and left out of the Holm family (pHolm is then p).
   */
  byValue?: boolean;
}

/** A row's rank interval; `low` = `high` when the data pin the rank down. */
export interface RankInterval {
  low: number;
  high: number;
  /** "2", or "1–3". */
  label: string;
}

/** What {@linkcode rankRows} finds about one table. */
export interface Ranking {
  /** Per row; undefined for rows without values (not ranked). */
  ranks: (RankInterval | undefined)[];
  /** Every pair of ranked rows. */
  pairs: PairComparison[];
  /** True when no pair could be separated whatever the values: too few seeds. */
  tooFewSeeds: boolean;
  /**
   * True when every ranked row has at least 2 seeds and each row's seeds agree exactly: the seed
   * does not matter, and ranks are exact (tied values share a rank interval).
   */
  deterministic: boolean;
  /** The smallest p any split allows for the least limited pair, and that pair's seed counts. */
  smallestPossibleP?: { p: number; seeds: [number, number] };
  /** Seeds per row with which a completely separated pair would pass Holm's first step. */
  seedsNeeded?: number;
}

/** Seeds per row (equal counts) with which a complete separation reaches p ≤ α / pairs. */
export function seedsNeeded(pairs: number, alpha = ALPHA): number {
  let n = 1;
  while (2 / binomial(2 * n, n) > alpha / Math.max(1, pairs)) n++;
  return n;
}

/**
 * Ranks a table's rows by the mean of their per-seed values: all pairs tested (exact permutation
 * test, Holm over the table), and rank intervals from a seeded stratified bootstrap widened to
 * the ranks the tests cannot exclude. Rows without values get no rank.
 *
 * @param values per row, the primary figure over seeds (undefined or empty: not ranked).
 * @param higherIsBetter the figure's direction.
 * @param seed seeds the bootstrap (and any random permutations).
 */
export function rankRows(
  values: (number[] | undefined)[],
  higherIsBetter: boolean,
  seed = 0,
): Ranking {
  const ranked = values.flatMap((v, i) => (v?.length ? [i] : []));
  const means = values.map((v) => (v?.length ? mean(v) : NaN));
  const better = (x: number, y: number) => (higherIsBetter ? x > y : x < y);

  const pairs: PairComparison[] = [];
  const constant = (i: number) =>
    values[i]!.length >= 2 && values[i]!.every((v) => v === values[i]![0]);
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      const [a, b] = [ranked[i], ranked[j]];
      const test = permutationTest(values[a]!, values[b]!, seed);
      pairs.push({
        a,
        b,
        difference: means[a] - means[b],
        p: test.p,
        pHolm: 1,
        exact: test.exact,
        probabilityOfImprovement: probabilityOfImprovement(values[a]!, values[b]!, higherIsBetter),
        ...(constant(a) && constant(b) ? { byValue: true } : {}),
      });
    }
  }
  // Pairs of rows the seed does not change are ordered by their values; Holm covers the others.
  const tested = pairs.filter((p) => !p.byValue);
  holm(tested.map((p) => p.p)).forEach((adjusted, i) => (tested[i].pHolm = adjusted));
  for (const pair of pairs) {
    if (pair.byValue) pair.pHolm = pair.p;
    if ((pair.byValue || pair.pHolm <= ALPHA) && means[pair.a] !== means[pair.b]) {
      pair.better = better(means[pair.a], means[pair.b]) ? pair.a : pair.b;
    }
  }

  // Stratified bootstrap: each row's seeds resampled on their own, every row ranked per resample.
  const rng = new Rng(seed);
  const draws = new Map<number, number[]>(ranked.map((i) => [i, []]));
  const resampled = new Map<number, number>();
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    for (const i of ranked) {
      const v = values[i]!;
      let sum = 0;
      for (let s = 0; s < v.length; s++) sum += v[rng.int(v.length)];
      resampled.set(i, sum / v.length);
    }
    for (const i of ranked) {
      let rank = 1;
      for (const j of ranked) if (better(resampled.get(j)!, resampled.get(i)!)) rank++;
      draws.get(i)!.push(rank);
    }
  }
  // The middle 95% of a row's ranks: order statistics 50 and 1949 of 2,000.
  const tail = (1 - CONFIDENCE) / 2;
  const [lowIndex, highIndex] = [
    Math.floor(tail * BOOTSTRAP_RESAMPLES),
    Math.ceil((1 - tail) * BOOTSTRAP_RESAMPLES) - 1,
  ];
  const deterministic = ranked.length > 0 && ranked.every(constant);
  const ranks = values.map((_, i): RankInterval | undefined => {
    if (!draws.has(i)) return undefined;
    if (deterministic) {
      const ahead = ranked.filter((j) => better(means[j], means[i])).length;
      const tied = ranked.filter((j) => means[j] === means[i]).length;
      const [low, high] = [ahead + 1, ahead + tied];
      return { low, high, label: low === high ? String(low) : `${low}–${high}` };
    }
    const sorted = draws.get(i)!.sort((x, y) => x - y);
    const separated = pairs.filter((p) => (p.a === i || p.b === i) && p.better !== undefined);
    const separatedWorse = separated.filter((p) => p.better === i).length;
    const separatedBetter = separated.length - separatedWorse;
    const low = Math.min(sorted[lowIndex], 1 + separatedBetter);
    const high = Math.max(sorted[highIndex], ranked.length - separatedWorse);
    return { low, high, label: low === high ? String(low) : `${low}–${high}` };
  });

  const limiting = tested.length
    ? tested.map((p) => {
      const seeds: [number, number] = [values[p.a]!.length, values[p.b]!.length];
      return { p: smallestPossibleP(...seeds), seeds };
    }).reduce((x, y) => (y.p < x.p ? y : x))
    : undefined;
  const tooFewSeeds = limiting !== undefined && limiting.p > ALPHA / tested.length;
  return {
    ranks,
    pairs,
    tooFewSeeds,
    deterministic,
    ...(limiting ? { smallestPossibleP: limiting } : {}),
    ...(tested.length ? { seedsNeeded: seedsNeeded(tested.length) } : {}),
  };
}

/** One row against the suite's baseline row (see {@linkcode compareToBaseline}). */
export interface BaselineComparison {
  /** Index of the row in the values given to {@linkcode compareToBaseline}. */
  row: number;
  /** mean(row) − mean(baseline). */
  difference: number;
  /** 95% percentile interval of the difference over stratified bootstrap resamples. */
  differenceInterval: [number, number];
  /** P(a seed of the row does better than a seed of the baseline), ties half (rliable). */
  probabilityOfImprovement: number;
  /** 95% percentile interval of the probability of improvement over the same resamples. */
  probabilityInterval: [number, number];
  /** The exact permutation test's two-sided p (see {@linkcode permutationTest}). */
  p: number;
  /** Holm-adjusted over the comparisons with the baseline only (k − 1 of them). */
  pHolm: number;
  exact: boolean;
  /** "row" or "baseline" when the pair is separated at {@linkcode ALPHA}, or ordered by value. */
  better?: "row" | "baseline";
  /** Both rows' seeds agree exactly: ordered by value, outside the Holm family (pHolm = p). */
  byValue?: boolean;
}

/**
 * Each ranked row against the row `baseline` (rliable's practice, Agarwal et al., NeurIPS 2021):
 * the difference of means with a 95% percentile interval from a stratified bootstrap (both rows'
 * seeds resampled on their own, {@linkcode BOOTSTRAP_RESAMPLES} times from `seed`, so a rebuild is
 * identical), the probability of improvement with its interval from the same resamples, and the
 * exact permutation test Holm-corrected over these k − 1 comparisons (fewer tests than all
 * pairs, so more power at few seeds). A row and a baseline whose seeds all agree exactly (at least
 * 2 seeds each) are ordered by their values and left out of that family, as in
 * {@linkcode rankRows}.
 *
 * @param values per row, the figure over seeds (undefined or empty: left out).
 * @param baseline the index of the baseline row.
 * @param higherIsBetter the figure's direction.
 * @param seed seeds the bootstrap.
 * @returns one comparison per other row with values, in row order; none without baseline values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareToBaseline } from "./ranking.ts";
 * const [c] = compareToBaseline([[1, 1, 1], [3, 3, 3]], 0, true);
 * assert.deepEqual([c.difference, c.probabilityOfImprovement, c.better], [2, 1, "row"]);
 * ```
 */
export function compareToBaseline(
  values: (number[] | undefined)[],
  baseline: number,
  higherIsBetter: boolean,
  seed = 0,
): BaselineComparison[] {
  const base = values[baseline];
  if (!base?.length) return [];
  const rows = values.flatMap((v, i) => (i !== baseline && v?.length ? [i] : []));
  const constant = (v: number[]) => v.length >= 2 && v.every((x) => x === v[0]);
  const tail = (1 - CONFIDENCE) / 2;
  const [lowIndex, highIndex] = [
    Math.floor(tail * BOOTSTRAP_RESAMPLES),
    Math.ceil((1 - tail) * BOOTSTRAP_RESAMPLES) - 1,
  ];
  const resample = (v: number[], rng: Rng) => v.map(() => v[rng.int(v.length)]);
  const comparisons = rows.map((row): BaselineComparison => {
    const mine = values[row]!;
    // A fresh stream per comparison: each row's figures do not depend on the other rows.
    const rng = new Rng(seed + row);
    const differences: number[] = [], improvements: number[] = [];
    for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
      const [x, y] = [resample(mine, rng), resample(base, rng)];
      differences.push(mean(x) - mean(y));
      improvements.push(probabilityOfImprovement(x, y, higherIsBetter));
    }
    const interval = (draws: number[]): [number, number] => {
      const sorted = draws.sort((a, b) => a - b);
      return [sorted[lowIndex], sorted[highIndex]];
    };
    const test = permutationTest(mine, base, seed);
    return {
      row,
      difference: mean(mine) - mean(base),
      differenceInterval: interval(differences),
      probabilityOfImprovement: probabilityOfImprovement(mine, base, higherIsBetter),
      probabilityInterval: interval(improvements),
      p: test.p,
      pHolm: test.p,
      exact: test.exact,
      ...(constant(base) && constant(mine) ? { byValue: true } : {}),
    };
  });
  const tested = comparisons.filter((c) => !c.byValue);
  holm(tested.map((c) => c.p)).forEach((adjusted, i) => (tested[i].pHolm = adjusted));
  for (const c of comparisons) {
    if (c.difference !== 0 && (c.byValue || c.pHolm <= ALPHA)) {
      c.better = (c.difference > 0) === higherIsBetter ? "row" : "baseline";
    }
  }
  return comparisons;
}

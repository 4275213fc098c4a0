/**
 * The `spread` metric: the mean pairwise Euclidean distance of generated samples against that of
 * as many real samples of the dataset (a fixed, seed-independent draw), for vector datasets. A
 * generator that collapses onto a few points has a smaller spread than the data; one that
 * scatters samples off the data's support, a larger one. It is the example in docs/extending.md
 * of a metric added as one file and one registry entry.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import { Rng } from "../engine/rng.ts";
import { NON_NEGATIVE, type SampleMetric, SHARE } from "./metric.ts";

/** Figure key: generated spread over the data's (1 = the data's spread). */
export const KEY_SPREAD_RATIO = "spread.ratio";
/** Figure key: |generated − data| / max(generated, data), 0 when the spreads agree. */
export const KEY_SPREAD_GAP = "spread.gap";
/** Extra key: mean pairwise distance of the generated samples. */
export const KEY_SPREAD_GENERATED = "spread.generated";
/** Extra key: mean pairwise distance of as many real samples. */
export const KEY_SPREAD_DATA = "spread.data";
/** Extra key: the rows each mean is taken over. */
export const KEY_SPREAD_SAMPLES = "spread.samples";

/** Seed of the real draw (the same for every cell and seed). */
const REFERENCE_SEED = 20_240_601;

/**
 * The most rows a mean is taken over: all n(n − 1)/2 pairs are visited, so 4,096 rows cost
 * 8.4 million distances; larger sets are cut to a seeded random subset of this many rows.
 */
export const MAX_SPREAD_ROWS = 4096;

/**
 * Mean Euclidean distance over all pairs of the `n` rows of `dim` values in `x`; 0 for fewer than
 * two rows. Written out because none of the pinned libraries has a pairwise-distance kernel
 * (ml-matrix and simple-statistics work on single vectors), and it is a double loop.
 */
export function meanPairwiseDistance(x: ArrayLike<number>, dim: number): number {
  const n = Math.floor(x.length / dim);
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let squared = 0;
      for (let d = 0; d < dim; d++) squared += (x[i * dim + d] - x[j * dim + d]) ** 2;
      sum += Math.sqrt(squared);
    }
  }
  return sum / ((n * (n - 1)) / 2);
}

/** At most {@linkcode MAX_SPREAD_ROWS} rows of `x`: all of them, or a seeded random subset. */
function atMostRows(x: Float32Array, dim: number): Float32Array {
  const n = x.length / dim;
  if (n <= MAX_SPREAD_ROWS) return x;
  // A partial Fisher–Yates shuffle of the row indices.
  const rng = new Rng(REFERENCE_SEED).stream("spread:subset");
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Float32Array(MAX_SPREAD_ROWS * dim);
  for (let i = 0; i < MAX_SPREAD_ROWS; i++) {
    const j = i + rng.int(n - i);
    [order[i], order[j]] = [order[j], order[i]];
    out.set(x.subarray(order[i] * dim, (order[i] + 1) * dim), i * dim);
  }
  return out;
}

/** The `spread` metric. */
export const spreadMetric: SampleMetric = {
  name: "spread",
  description:
    "mean pairwise distance of the generated samples against as many real samples' (vector datasets)",
  inputs: ["samples"],
  figures: [
    {
      key: KEY_SPREAD_RATIO,
      label: "spread",
      bounds: NON_NEGATIVE,
      dependsOnSampleSize: false,
      description:
        "mean pairwise distance of the generated samples over that of as many real samples (1 = the data's spread; below 1: collapsed, above: scattered); absent when the data's spread is 0",
    },
    {
      key: KEY_SPREAD_GAP,
      label: "spread gap",
      higherIsBetter: false,
      bounds: SHARE,
      dependsOnSampleSize: false,
      description:
        "|generated − real| / max(generated, real) of the two mean pairwise distances (0 = the data's spread)",
    },
  ],
  extraKeys: [KEY_SPREAD_GENERATED, KEY_SPREAD_DATA, KEY_SPREAD_SAMPLES],
  scoresUserSamples: true,
  unsupportedReason: (dataset: Dataset) =>
    dataset.sampleShape.length === 1
      ? undefined
      : `dataset '${dataset.name}' holds ${dataset.sampleShape.join("x")} images, not vectors`,
  evaluate(samples, { dataset }) {
    const dim = dataset.sampleShape[0];
    const generated = atMostRows(samples, dim);
    const n = generated.length / dim;
    const real = dataset.sample(n, new Rng(REFERENCE_SEED).stream(`spread:${dataset.name}`));
    const ours = meanPairwiseDistance(generated, dim);
    const theirs = meanPairwiseDistance(real, dim);
    const larger = Math.max(ours, theirs);
    return {
      ...(theirs > 0 ? { [KEY_SPREAD_RATIO]: ours / theirs } : {}),
      [KEY_SPREAD_GAP]: larger > 0 ? Math.abs(ours - theirs) / larger : 0,
      [KEY_SPREAD_GENERATED]: ours,
      [KEY_SPREAD_DATA]: theirs,
      [KEY_SPREAD_SAMPLES]: n,
    };
  },
};

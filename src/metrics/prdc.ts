/**
 * Improved precision and recall (Kynkäänniemi et al. 2019, k = 3) and density and coverage
 * (Naeem et al. 2020, k = 5), with the definitions of the reference `prdc` package: the radius of
 * a sample is the distance to its k-th nearest neighbour in its own set (self excluded).
 *
 * Distances are computed in float64 over blocks of rows, so that N x N never has to fit in memory.
 * Written here because no JavaScript package computes these; the comparisons use squared
 * Euclidean distances, which order exactly like the distances.
 *
 * @module
 */
import { type FeatureMatrix, row } from "./features.ts";

/** Rows per block of the pairwise-distance passes. */
export const DEFAULT_BLOCK = 512;

function squaredNorms(x: FeatureMatrix): Float64Array {
  const out = new Float64Array(x.n);
  for (let i = 0; i < x.n; i++) {
    const r = row(x, i);
    let s = 0;
    for (let j = 0; j < x.d; j++) s += r[j] * r[j];
    out[i] = s;
  }
  return out;
}

/**
 * Calls `visit(i, distances)` for each row i of `a` with its squared distances to every row of `b`,
 * computed block by block (a `block` x b.n buffer at a time).
 */
export function forEachDistanceRow(
  a: FeatureMatrix,
  b: FeatureMatrix,
  visit: (i: number, squaredDistances: Float64Array) => void,
  block = DEFAULT_BLOCK,
): void {
  const normsA = squaredNorms(a), normsB = squaredNorms(b);
  const d = a.d;
  const buffer = new Float64Array(Math.min(block, a.n) * b.n);
  for (let start = 0; start < a.n; start += block) {
    const end = Math.min(a.n, start + block);
    for (let i = start; i < end; i++) {
      const ai = row(a, i);
      const offset = (i - start) * b.n;
      for (let j = 0; j < b.n; j++) {
        const base = j * d;
        let dotProduct = 0;
        for (let t = 0; t < d; t++) dotProduct += ai[t] * b.data[base + t];
        buffer[offset + j] = Math.max(normsA[i] + normsB[j] - 2 * dotProduct, 0);
      }
    }
    for (let i = start; i < end; i++) {
      visit(i, buffer.subarray((i - start) * b.n, (i - start + 1) * b.n));
    }
  }
}

/** Squared distance of every row of `x` to its k-th nearest other row (the (k+1)-th smallest, self included). */
export function kthNeighbourSquaredDistances(
  x: FeatureMatrix,
  k: number,
  block = DEFAULT_BLOCK,
): Float64Array {
  if (x.n < k + 1) {
    throw new RangeError(
      `k-nearest-neighbour radii with k = ${k} need at least ${k + 1} samples, got ${x.n}`,
    );
  }
  const radii = new Float64Array(x.n);
  const smallest = new Float64Array(k + 1);
  forEachDistanceRow(x, x, (i, distances) => {
    smallest.fill(Infinity);
    for (let j = 0; j < distances.length; j++) {
      const v = j === i ? 0 : distances[j];
      if (v >= smallest[k]) continue;
      let p = k;
      while (p > 0 && smallest[p - 1] > v) {
        smallest[p] = smallest[p - 1];
        p--;
      }
      smallest[p] = v;
    }
    radii[i] = smallest[k];
  }, block);
  return radii;
}

/** Precision, recall, density and coverage of `fake` against `real`. */
export interface PrdcResult {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
}

/** Options: neighbourhood sizes (defaults 3 for precision/recall, 5 for density/coverage). */
export interface PrdcOptions {
  kPrecisionRecall?: number;
  kDensityCoverage?: number;
  block?: number;
}

function checkSets(real: FeatureMatrix, fake: FeatureMatrix): void {
  if (real.d !== fake.d) throw new RangeError(`feature dimensions differ: ${real.d} vs ${fake.d}`);
}

/** Improved precision and recall with k-NN radii (k = 3 by default). */
export function precisionRecall(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  k = 3,
  block = DEFAULT_BLOCK,
) {
  checkSets(real, fake);
  const realRadii = kthNeighbourSquaredDistances(real, k, block);
  const fakeRadii = kthNeighbourSquaredDistances(fake, k, block);
  const fakeInRealManifold = new Uint8Array(fake.n);
  let realInFakeManifold = 0;
  forEachDistanceRow(real, fake, (i, distances) => {
    let found = false;
    for (let j = 0; j < fake.n; j++) {
      if (distances[j] < realRadii[i]) fakeInRealManifold[j] = 1;
      if (!found && distances[j] < fakeRadii[j]) found = true;
    }
    if (found) realInFakeManifold++;
  }, block);
  return {
    precision: fakeInRealManifold.reduce((s, v) => s + v, 0) / fake.n,
    recall: realInFakeManifold / real.n,
  };
}

/** Density and coverage with real k-NN radii (k = 5 by default). */
export function densityCoverage(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  k = 5,
  block = DEFAULT_BLOCK,
) {
  checkSets(real, fake);
  const realRadii = kthNeighbourSquaredDistances(real, k, block);
  let inside = 0, covered = 0;
  forEachDistanceRow(real, fake, (i, distances) => {
    let nearest = Infinity;
    for (let j = 0; j < fake.n; j++) {
      if (distances[j] < realRadii[i]) inside++;
      if (distances[j] < nearest) nearest = distances[j];
    }
    if (nearest < realRadii[i]) covered++;
  }, block);
  return { density: inside / (k * fake.n), coverage: covered / real.n };
}

/** All four figures. */
export function prdc(
  real: FeatureMatrix,
  fake: FeatureMatrix,
  options: PrdcOptions = {},
): PrdcResult {
  return {
    ...precisionRecall(real, fake, options.kPrecisionRecall ?? 3, options.block),
    ...densityCoverage(real, fake, options.kDensityCoverage ?? 5, options.block),
  };
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² with the cubic polynomial
 * kernel k(a, b) = (a·b/d + 1)³, averaged over random subsets as torch-fidelity does.
 *
 * @module
 */
import { mean, standardDeviation } from "simple-statistics";
import type { Rng } from "../engine/rng.ts";
import { type FeatureMatrix, row } from "./features.ts";

/** KID options (torch-fidelity's defaults). */
export interface KidOptions {
  /** Number of subsets (default 100). */
  subsets?: number;
  /** Samples per subset (default 1000, clipped to the smaller set). */
  subsetSize?: number;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** (a·b/d + 1)³ */
function kernel(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  return (dot(a, b) / d + 1) ** 3;
}

/** Unbiased MMD² between the rows `ix` of `x` and `iy` of `y` (equal sizes m ≥ 2). */
export function unbiasedMmd2(
  x: FeatureMatrix,
  y: FeatureMatrix,
  ix: number[],
  iy: number[],
): number {
  const m = ix.length;
  let kxx = 0, kyy = 0, kxy = 0;
  for (let i = 0; i < m; i++) {
    const xi = row(x, ix[i]), yi = row(y, iy[i]);
    for (let j = 0; j < m; j++) {
      const xj = row(x, ix[j]), yj = row(y, iy[j]);
      if (i !== j) {
        kxx += kernel(xi, xj, x.d);
        kyy += kernel(yi, yj, x.d);
      }
      kxy += kernel(xi, yj, x.d);
    }
  }
  return kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/** `size` distinct indices from [0, n), as numpy.random.choice(n, size, replace=False). */
function choose(n: number, size: number, rng: Rng): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size);
}

/**
 * KID: mean and (population) std of the unbiased MMD² over random subsets.
 *
 * @throws {RangeError} for mismatched dimensions or fewer than 2 samples
 */
export function kid(x: FeatureMatrix, y: FeatureMatrix, rng: Rng, options: KidOptions = {}) {
  if (x.d !== y.d) throw new RangeError(`feature dimensions differ: ${x.d} vs ${y.d}`);
  const size = Math.min(options.subsetSize ?? 1000, x.n, y.n);
  if (size < 2) {
    throw new RangeError(`KID needs at least 2 samples per set, got ${Math.min(x.n, y.n)}`);
  }
  const values = Array.from(
    { length: options.subsets ?? 100 },
    () => unbiasedMmd2(x, y, choose(x.n, size, rng), choose(y.n, size, rng)),
  );
  return {
    mean: mean(values),
    std: values.length > 1 ? standardDeviation(values) : 0,
    subsetSize: size,
  };
}

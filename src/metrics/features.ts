/**
 * Feature matrices (one row per sample) and their Gaussian statistics, in float64.
 *
 * @module
 */
import { covariance, Matrix } from "ml-matrix";

/** n samples of d features, row-major. */
export interface FeatureMatrix {
  data: Float64Array | Float32Array;
  n: number;
  d: number;
}

/** Mean and covariance (unbiased, n − 1, as numpy.cov) of a feature set: FID's statistics. */
export interface GaussianStats {
  mean: Float64Array;
  covariance: Matrix;
  /** Samples the statistics were computed from. */
  n: number;
}

/** A feature matrix from nested rows. */
export function featureMatrix(rows: number[][]): FeatureMatrix {
  const d = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== d)) {
    throw new RangeError("every feature row must have the same length");
  }
  return { data: Float64Array.from(rows.flat()), n: rows.length, d };
}

/** Row `i` of `x` as a view. */
export function row(x: FeatureMatrix, i: number): Float64Array | Float32Array {
  return x.data.subarray(i * x.d, (i + 1) * x.d);
}

/** The matrix as an ml-matrix Matrix (float64). */
export function toMatrix(x: FeatureMatrix): Matrix {
  return new Matrix(Array.from({ length: x.n }, (_, i) => Array.from(row(x, i))));
}

/**
 * Mean and covariance of `x` in float64.
 *
 * @throws {RangeError} for fewer than 2 samples (the covariance is undefined)
 */
export function gaussianStats(x: FeatureMatrix): GaussianStats {
  if (x.n < 2) throw new RangeError(`FID statistics need at least 2 samples, got ${x.n}`);
  const mean = new Float64Array(x.d);
  for (let i = 0; i < x.n; i++) {
    const r = row(x, i);
    for (let j = 0; j < x.d; j++) mean[j] += r[j];
  }
  for (let j = 0; j < x.d; j++) mean[j] /= x.n;
  return { mean, covariance: covariance(toMatrix(x)), n: x.n };
}

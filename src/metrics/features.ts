/**
 * Feature matrices (one row per sample) and their Gaussian statistics. The float64 kernel that
 * multiplies feature rows for every feature metric (FID's covariance, KID's kernel sums, the
 * distances of precision/recall and density/coverage) is `RowProducts` of the wasm kernels
 * package (`packages/wasm_kernels/row_products.ts`).
 *
 * @module
 */
import { RowProducts } from "@ganbench/wasm-kernels";
import { Matrix } from "ml-matrix";

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

/** Squared Euclidean norm of every row, summed in order in float64. */
export function squaredNorms(x: FeatureMatrix): Float64Array {
  const out = new Float64Array(x.n);
  const { data, d } = x;
  for (let i = 0; i < x.n; i++) {
    let s = 0;
    for (let j = i * d, end = j + d; j < end; j++) s += data[j] * data[j];
    out[i] = s;
  }
  return out;
}

/**
 * A 32-bit fingerprint of a matrix's shape and every bit of its values (FNV-1a over 32-bit
 * words), so that results cached by the matrix's identity are not reused after an edit in place.
 */
export function fingerprint(x: FeatureMatrix): number {
  const words = new Uint32Array(x.data.buffer, x.data.byteOffset, x.data.byteLength / 4);
  let hash = Math.imul(0x811c9dc5 ^ x.n, 0x01000193) ^ x.d;
  for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i], 0x01000193);
  return hash >>> 0;
}

/** `v` rounded up to a multiple of `k`. */
export function roundUp(v: number, k: number): number {
  return Math.ceil(v / k) * k;
}

/** Samples per chunk of the covariance's products. */
const COVARIANCE_CHUNK = 256;
/** Features per tile of the covariance's products. */
const COVARIANCE_TILE = 256;

/**
 * Mean and covariance of `x` in float64: the mean, then the products of the centred columns,
 * chunk by chunk of samples, in {@linkcode RowProducts} (only the upper triangle is computed).
 *
 * @throws {RangeError} for fewer than 2 samples (the covariance is undefined)
 */
export function gaussianStats(x: FeatureMatrix): GaussianStats {
  if (x.n < 2) throw new RangeError(`FID statistics need at least 2 samples, got ${x.n}`);
  const { n, d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0, base = i * d; j < d; j++) mean[j] += data[base + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Centred columns of a chunk of samples, one column per row (d x chunk, zero padding), and C.
  const rows = roundUp(d, RowProducts.TILE_COLS), ldc = rows;
  const chunk = Math.min(COVARIANCE_CHUNK, roundUp(n, 2));
  const kernel = new RowProducts(rows * chunk + rows * ldc);
  const columns = kernel.reserve(rows * chunk), products = kernel.reserve(rows * ldc);
  const view = kernel.f64;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start), len = roundUp(count, 2);
    for (let s = 0; s < count; s++) {
      const source = (start + s) * d;
      for (let j = 0, target = columns + s; j < d; j++, target += chunk) {
        view[target] = data[source + j] - mean[j];
      }
    }
    if (len > count) { for (let j = 0; j < d; j++) view[columns + j * chunk + count] = 0; }
    for (let i0 = 0; i0 < rows; i0 += COVARIANCE_TILE) {
      const m = Math.min(COVARIANCE_TILE, rows - i0);
      for (let j0 = i0; j0 < rows; j0 += COVARIANCE_TILE) {
        kernel.dots(columns + i0 * chunk, columns + j0 * chunk, products + i0 * ldc + j0, {
          m,
          n: Math.min(COVARIANCE_TILE, rows - j0),
          len,
          ld: chunk,
          ldc,
        }, start > 0);
      }
    }
  }
  const covariance = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      // Tiles on the diagonal hold both triangles; above it, only (i, j) with i's tile ≤ j's.
      const value = view[products + i * ldc + j] / (n - 1);
      covariance.set(i, j, value);
      covariance.set(j, i, value);
    }
  }
  return { mean, covariance, n };
}

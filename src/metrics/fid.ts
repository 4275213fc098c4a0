/**
 * Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁Σ₂).
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { RowProducts } from "@ganbench/wasm-kernels";
import { type FeatureMatrix, type GaussianStats, gaussianStats, roundUp } from "./features.ts";

/**
 * a · b in float64 through {@linkcode RowProducts}: the dot products of a's rows with bᵀ's rows
 * (about 10x ml-matrix's `mmul` at d = 2048).
 */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.columns !== b.rows) {
    throw new RangeError(`cannot multiply ${a.rows}x${a.columns} by ${b.rows}x${b.columns}`);
  }
  const len = roundUp(a.columns, 2), rowsA = roundUp(a.rows, 2), rowsB = roundUp(b.columns, 4);
  const products = new RowProducts((rowsA + rowsB) * len + rowsA * rowsB);
  const left = products.reserve(rowsA * len), right = products.reserve(rowsB * len);
  const out = products.reserve(rowsA * rowsB);
  const view = products.f64;
  for (let i = 0; i < a.rows; i++) {
    for (let t = 0; t < a.columns; t++) view[left + i * len + t] = a.get(i, t);
  }
  for (let t = 0; t < b.rows; t++) {
    for (let j = 0; j < b.columns; j++) view[right + j * len + t] = b.get(t, j);
  }
  // Blocks of bᵀ's rows small enough to stay in cache (256 KiB), against blocks of a's rows.
  const columns = Math.max(4, Math.min(rowsB, 4 * Math.floor(32768 / len / 4)));
  for (let i0 = 0; i0 < rowsA; i0 += 256) {
    for (let j0 = 0; j0 < rowsB; j0 += columns) {
      products.dots(left + i0 * len, right + j0 * len, out + i0 * rowsB + j0, {
        m: Math.min(256, rowsA - i0),
        n: Math.min(columns, rowsB - j0),
        len,
        ld: len,
        ldc: rowsB,
      });
    }
  }
  const result = new Matrix(a.rows, b.columns);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.columns; j++) result.set(i, j, view[out + i * rowsB + j]);
  }
  return result;
}

/** √S of a symmetric positive semi-definite matrix through its eigendecomposition (negative eigenvalues clipped). */
export function symmetricSqrt(s: Matrix): Matrix {
  const evd = new EigenvalueDecomposition(s, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  const roots = evd.realEigenvalues.map((v) => Math.sqrt(Math.max(v, 0)));
  const scaled = vectors.clone();
  for (let j = 0; j < roots.length; j++) {
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * roots[j]);
  }
  return multiply(scaled, vectors.transpose());
}

/**
 * tr √(Σ₁Σ₂) = Σ √λᵢ with λ the eigenvalues of the symmetric matrix √Σ₁ Σ₂ √Σ₁ (similar to Σ₁Σ₂), so
 * only symmetric eigendecompositions are needed: a stable route with no complex square roots.
 */
export function traceSqrtProduct(sigma1: Matrix, sigma2: Matrix): number {
  const root1 = symmetricSqrt(sigma1);
  const inner = multiply(multiply(root1, sigma2), root1);
  const symmetric = inner.add(inner.transpose()).mul(0.5);
  const evd = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true });
  return evd.realEigenvalues.reduce((sum, v) => sum + Math.sqrt(Math.max(v, 0)), 0);
}

/** Fréchet distance between two Gaussians given by their statistics. */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.mean.length !== b.mean.length) {
    throw new RangeError(`feature dimensions differ: ${a.mean.length} vs ${b.mean.length}`);
  }
  let meanTerm = 0;
  for (let i = 0; i < a.mean.length; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const trace = (m: Matrix) => m.diag().reduce((s, v) => s + v, 0);
  const value = meanTerm + trace(a.covariance) + trace(b.covariance) -
    2 * traceSqrtProduct(a.covariance, b.covariance);
  return Math.max(value, 0);
}

/** FID between two feature sets. */
export function fid(x: FeatureMatrix, y: FeatureMatrix): number {
  if (x.d !== y.d) throw new RangeError(`feature dimensions differ: ${x.d} vs ${y.d}`);
  return frechetDistance(gaussianStats(x), gaussianStats(y));
}

/**
 * Fréchet distance between Gaussian fits of two feature sets (Heusel et al. 2017):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁Σ₂).
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { type FeatureMatrix, type GaussianStats, gaussianStats } from "./features.ts";

/** √S of a symmetric positive semi-definite matrix through its eigendecomposition (negative eigenvalues clipped). */
export function symmetricSqrt(s: Matrix): Matrix {
  const evd = new EigenvalueDecomposition(s, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  const roots = evd.realEigenvalues.map((v) => Math.sqrt(Math.max(v, 0)));
  const scaled = vectors.clone();
  for (let j = 0; j < roots.length; j++) {
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * roots[j]);
  }
  return scaled.mmul(vectors.transpose());
}

/**
 * tr √(Σ₁Σ₂) = Σ √λᵢ with λ the eigenvalues of the symmetric matrix √Σ₁ Σ₂ √Σ₁ (similar to Σ₁Σ₂), so
 * only symmetric eigendecompositions are needed: a stable route with no complex square roots.
 */
export function traceSqrtProduct(sigma1: Matrix, sigma2: Matrix): number {
  const root1 = symmetricSqrt(sigma1);
  const inner = root1.mmul(sigma2).mmul(root1);
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

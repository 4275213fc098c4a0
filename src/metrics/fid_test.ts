import assert from "node:assert/strict";
import { Matrix } from "ml-matrix";
import { Rng } from "../engine/rng.ts";
import { featureMatrix, gaussianStats } from "./features.ts";
import { fid, frechetDistance, multiply, traceSqrtProduct } from "./fid.ts";

function sample(rng: Rng, n: number, means: number[], stds: number[]): number[][] {
  return Array.from({ length: n }, () => means.map((m, j) => m + stds[j] * rng.normal()));
}

Deno.test("frechetDistance of diagonal Gaussians is Σ(μ₁−μ₂)² + Σ(σ₁−σ₂)²", () => {
  const stats = (mean: number[], variances: number[]) => ({
    mean: Float64Array.from(mean),
    covariance: Matrix.diag(variances),
    n: 100,
  });
  const value = frechetDistance(stats([0, 1, 2], [1, 4, 9]), stats([1, 1, 0], [4, 1, 0.25]));
  const expected = (1 + 0 + 4) + ((1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 0.5) ** 2);
  assert.ok(Math.abs(value - expected) < 1e-10, `${value} vs ${expected}`);
});

Deno.test("traceSqrtProduct matches the 2x2 closed form √(tr M + 2√det M) for non-diagonal matrices", () => {
  const a = new Matrix([[2, 0.7], [0.7, 1]]);
  const b = new Matrix([[1.5, -0.4], [-0.4, 0.8]]);
  const product = a.mmul(b);
  const trace = product.get(0, 0) + product.get(1, 1);
  const det = (m: Matrix) => m.get(0, 0) * m.get(1, 1) - m.get(0, 1) * m.get(1, 0);
  const expected = Math.sqrt(trace + 2 * Math.sqrt(det(a) * det(b)));
  assert.ok(Math.abs(traceSqrtProduct(a, b) - expected) < 1e-12);
});

Deno.test("fid of a feature set with itself is 0", () => {
  const x = featureMatrix(sample(new Rng(1), 200, [0, 1, -1, 2], [1, 2, 0.5, 1]));
  assert.ok(Math.abs(fid(x, x)) < 1e-6);
});

Deno.test("fid of two Gaussian samples equals the Fréchet distance of their independently fitted statistics", () => {
  const rng = new Rng(2);
  const rowsX = sample(rng, 500, [0, 0, 0], [1, 1, 1]);
  const rowsY = sample(rng, 500, [1, -0.5, 0], [2, 1, 0.5]);
  // Independent float64 fit: plain loops, unbiased covariance.
  const fit = (rows: number[][]) => {
    const n = rows.length, d = rows[0].length;
    const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
    const cov = Array.from(
      { length: d },
      (_, a) =>
        Array.from(
          { length: d },
          (_, b) => rows.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / (n - 1),
        ),
    );
    return { mean: Float64Array.from(mean), covariance: new Matrix(cov), n };
  };
  const expected = frechetDistance(fit(rowsX), fit(rowsY));
  const value = fid(featureMatrix(rowsX), featureMatrix(rowsY));
  assert.ok(Math.abs(value - expected) < 1e-9, `${value} vs ${expected}`);
  // And close to the population value: 1 + 0.25 + 0 + (1-2)² + 0 + (1-0.5)² = 2.5.
  assert.ok(Math.abs(value - 2.5) < 0.4, `${value}`);
});

Deno.test("fid rejects too few samples and mismatched dimensions with one-line messages", () => {
  assert.throws(() => gaussianStats(featureMatrix([[1, 2]])), /at least 2 samples, got 1/);
  assert.throws(
    () => fid(featureMatrix([[1], [2]]), featureMatrix([[1, 2], [3, 4]])),
    /dimensions differ: 1 vs 2/,
  );
});

Deno.test("multiply matches ml-matrix's mmul for shapes off the kernel's tiles", () => {
  const rng = new Rng(4);
  const random = (rows: number, columns: number) =>
    new Matrix(
      Array.from({ length: rows }, () => Array.from({ length: columns }, () => rng.normal())),
    );
  for (const [r, k, c] of [[1, 1, 1], [3, 5, 7], [9, 2, 6], [33, 31, 35]]) {
    const a = random(r, k), b = random(k, c);
    const [got, want] = [multiply(a, b), a.mmul(b)];
    assert.deepEqual([got.rows, got.columns], [r, c]);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) assert.ok(Math.abs(got.get(i, j) - want.get(i, j)) < 1e-12);
    }
  }
  assert.throws(() => multiply(random(2, 3), random(2, 3)), /cannot multiply 2x3 by 2x3/);
});

import assert from "node:assert/strict";
import { covariance } from "ml-matrix";
import { Rng } from "../engine/rng.ts";
import {
  featureMatrix,
  fingerprint,
  gaussianStats,
  kernelDot,
  RowProducts,
  squaredNorms,
  toMatrix,
} from "./features.ts";
import { relaxedSimdAvailable } from "../engine/wasm_asm.ts";

function randomRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

Deno.test("RowProducts.dots gives every dot product of two padded blocks, and accumulates", () => {
  const rng = new Rng(1);
  const [m, n, d, ld] = [6, 8, 7, 8];
  const a = featureMatrix(randomRows(rng, m, d)), b = featureMatrix(randomRows(rng, n, d));
  const kernel = new RowProducts(0, { fused: false });
  const [left, right, out] = [
    kernel.reserve(m * ld),
    kernel.reserve(n * ld),
    kernel.reserve(m * 12),
  ];
  kernel.copyRows(a, left, ld);
  kernel.copyRows(b, right, ld);
  kernel.dots(left, right, out, { m, n, len: ld, ld, ldc: 12 });
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const expected = kernelDot(
        a.data.subarray(i * d, (i + 1) * d),
        b.data.subarray(j * d, (j + 1) * d),
      );
      assert.equal(kernel.f64[out + i * 12 + j], expected); // the same bits as kernelDot
    }
  }
  kernel.dots(left, right, out, { m, n, len: ld, ld, ldc: 12 }, true);
  const twice = kernelDot(a.data.subarray(0, d), b.data.subarray(0, d)) * 2;
  assert.ok(Math.abs(kernel.f64[out] - twice) <= 1e-15 * Math.abs(twice));
  assert.throws(() => kernel.dots(left, right, out, { m: 3, n, len: ld, ld, ldc: 12 }), RangeError);
});

Deno.test("RowProducts.poly3 sums the cubic kernel over a block pair", () => {
  const rng = new Rng(2);
  const [m, n, d] = [4, 8, 6];
  const a = featureMatrix(randomRows(rng, m, d)), b = featureMatrix(randomRows(rng, n, d));
  const kernel = new RowProducts();
  const left = kernel.reserve(m * d), right = kernel.reserve(n * d);
  kernel.copyRows(a, left, d);
  kernel.copyRows(b, right, d);
  let expected = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += a.data[i * d + t] * b.data[j * d + t];
      expected += (dot / d + 1) ** 3;
    }
  }
  const value = kernel.poly3(left, right, { m, n, len: d, ld: d }, 1 / d);
  assert.ok(Math.abs(value - expected) < 1e-12 * expected, `${value} vs ${expected}`);
});

Deno.test("gaussianStats matches ml-matrix's covariance for odd sizes and several chunks", () => {
  const rng = new Rng(3);
  for (const [n, d] of [[2, 1], [5, 3], [601, 9], [1003, 70]]) {
    const x = featureMatrix(randomRows(rng, n, d).map((r) => r.map((v, j) => 3 * v + j)));
    const stats = gaussianStats(x);
    const reference = covariance(toMatrix(x));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const [got, want] = [stats.covariance.get(i, j), reference.get(i, j)];
        assert.ok(Math.abs(got - want) < 1e-12 * (1 + Math.abs(want)), `${n}x${d} (${i}, ${j})`);
        assert.equal(got, stats.covariance.get(j, i));
      }
    }
  }
});

Deno.test("fingerprint changes with any value and with the shape", () => {
  const x = featureMatrix([[1, 2], [3, 4]]);
  const before = fingerprint(x);
  assert.equal(fingerprint({ ...x, data: x.data.slice() }), before);
  x.data[3] = 4.000000000000001;
  assert.notEqual(fingerprint(x), before);
  assert.notEqual(fingerprint({ ...x, n: 4, d: 1 }), fingerprint(x));
});

Deno.test("fused and separate multiply-adds agree, and distances follow from the norms", () => {
  const rng = new Rng(5);
  const [m, n, d] = [10, 12, 33], ld = 34;
  const a = featureMatrix(randomRows(rng, m, d)), b = featureMatrix(randomRows(rng, n, d));
  const results = [false, ...(relaxedSimdAvailable() ? [true] : [])].map((fused) => {
    const kernel = new RowProducts(0, { fused });
    const [left, right] = [kernel.reserve(m * ld), kernel.reserve(n * ld)];
    const [normsA, normsB, dots, distances] = [m, n, m * n, m * n].map((k) => kernel.reserve(k));
    kernel.copyRows(a, left, ld);
    kernel.copyRows(b, right, ld);
    kernel.f64.set(squaredNorms(a), normsA);
    kernel.f64.set(squaredNorms(b), normsB);
    const shape = { m, n, len: ld, ld, ldc: n };
    kernel.dots(left, right, dots, shape);
    kernel.distances(left, right, distances, { a: normsA, b: normsB }, shape);
    return [kernel.f64.slice(dots, dots + m * n), kernel.f64.slice(distances, distances + m * n)];
  });
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let squared = 0;
      for (let t = 0; t < d; t++) squared += (a.data[i * d + t] - b.data[j * d + t]) ** 2;
      for (const [dots, distances] of results) {
        assert.ok(Math.abs(distances[i * n + j] - squared) < 1e-12 * squared);
        assert.ok(Math.abs(dots[i * n + j] - results[0][0][i * n + j]) < 1e-13);
      }
    }
  }
});

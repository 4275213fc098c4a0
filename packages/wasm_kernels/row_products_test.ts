import assert from "node:assert/strict";
import { relaxedSimdAvailable } from "./relaxed_simd.ts";
import { kernelDot, type RowMajorMatrix, RowProducts } from "./row_products.ts";
import { TestRng } from "./_testing.ts";

function randomRows(rng: TestRng, n: number, d: number): RowMajorMatrix {
  const data = Float64Array.from({ length: n * d }, () => rng.normal());
  return { data, n, d };
}

/** Squared Euclidean norm of every row, summed in order. */
function squaredNorms(x: RowMajorMatrix): Float64Array {
  return Float64Array.from({ length: x.n }, (_, i) => {
    let s = 0;
    for (let j = i * x.d; j < (i + 1) * x.d; j++) s += x.data[j] * x.data[j];
    return s;
  });
}

Deno.test("RowProducts.dots gives every dot product of two padded blocks, and accumulates", () => {
  const rng = new TestRng(1);
  const [m, n, d, ld] = [6, 8, 7, 8];
  const a = randomRows(rng, m, d), b = randomRows(rng, n, d);
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
  const rng = new TestRng(2);
  const [m, n, d] = [4, 8, 6];
  const a = randomRows(rng, m, d), b = randomRows(rng, n, d);
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

Deno.test("fused and separate multiply-adds agree, and distances follow from the norms", () => {
  const rng = new TestRng(5);
  const [m, n, d] = [10, 12, 33], ld = 34;
  const a = randomRows(rng, m, d), b = randomRows(rng, n, d);
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

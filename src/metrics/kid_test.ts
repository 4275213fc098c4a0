import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { featureMatrix } from "./features.ts";
import { kid, unbiasedMmd2 } from "./kid.ts";

function gaussian(rng: Rng, n: number, d: number, shift = 0): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + rng.normal()));
}

Deno.test("unbiasedMmd2 matches a hand computation with the cubic kernel", () => {
  const x = featureMatrix([[1, 0], [0, 1]]);
  const y = featureMatrix([[1, 1], [0, 0]]);
  // k = (a·b/2 + 1)³: kxx = kyy = 1 off the diagonal; kxy mean = (3.375 + 1 + 3.375 + 1) / 4.
  assert.ok(Math.abs(unbiasedMmd2(x, y, [0, 1], [0, 1]) - (1 + 1 - 2 * 2.1875)) < 1e-12);
});

Deno.test("kid is near 0 for one distribution and clearly positive for shifted ones", () => {
  const rng = new Rng(4);
  const x = featureMatrix(gaussian(rng, 400, 8));
  const y = featureMatrix(gaussian(rng, 400, 8));
  const z = featureMatrix(gaussian(rng, 400, 8, 0.5));
  const same = kid(x, y, new Rng(1), { subsets: 20, subsetSize: 200 });
  const shifted = kid(x, z, new Rng(1), { subsets: 20, subsetSize: 200 });
  assert.ok(Math.abs(same.mean) < 0.02, `same ${same.mean}`);
  assert.ok(
    shifted.mean > 10 * Math.abs(same.mean) && shifted.mean > 0.05,
    `shifted ${shifted.mean}`,
  );
  assert.equal(same.subsetSize, 200);
});

Deno.test("the unbiased estimate averages to 0 over draws of one distribution, unlike the biased one", () => {
  const rng = new Rng(9);
  const m = 8, d = 3, draws = 400;
  const kernel = (a: number[], b: number[]) =>
    (a.reduce((s, v, i) => s + v * b[i], 0) / d + 1) ** 3;
  const unbiased: number[] = [], biased: number[] = [];
  const all = Array.from({ length: m }, (_, i) => i);
  for (let t = 0; t < draws; t++) {
    const xs = gaussian(rng, m, d), ys = gaussian(rng, m, d);
    unbiased.push(unbiasedMmd2(featureMatrix(xs), featureMatrix(ys), all, all));
    let sum = 0;
    for (const a of [xs, ys]) for (const u of a) for (const v of a) sum += kernel(u, v) / (m * m);
    for (const u of xs) for (const v of ys) sum -= (2 * kernel(u, v)) / (m * m);
    biased.push(sum);
  }
  const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const se = (v: number[]) =>
    Math.sqrt(v.reduce((s, x) => s + (x - meanOf(v)) ** 2, 0) / (v.length - 1) / v.length);
  assert.ok(
    Math.abs(meanOf(unbiased)) < 3 * se(unbiased),
    `unbiased ${meanOf(unbiased)} ± ${se(unbiased)}`,
  );
  assert.ok(meanOf(biased) > 5 * se(biased), `biased ${meanOf(biased)} ± ${se(biased)}`);
});

Deno.test("kid clips the subset size and rejects tiny or mismatched sets", () => {
  const rng = new Rng(1);
  const x = featureMatrix(gaussian(rng, 30, 2));
  assert.equal(kid(x, x, rng, { subsets: 2 }).subsetSize, 30);
  assert.throws(() => kid(featureMatrix([[1, 2]]), x, rng), /at least 2 samples per set/);
  assert.throws(() => kid(featureMatrix([[1], [2]]), x, rng), /dimensions differ/);
});

Deno.test("unbiasedMmd2 matches a direct double loop for sizes off the kernel's tiles", () => {
  const rng = new Rng(3);
  for (const [n, m, d] of [[90, 67, 5], [150, 130, 11], [20, 2, 1]]) {
    const x = featureMatrix(gaussian(rng, n, d)), y = featureMatrix(gaussian(rng, n, d, 0.3));
    const ix = Array.from({ length: m }, (_, i) => (7 * i) % n);
    const iy = Array.from({ length: m }, (_, i) => n - 1 - i);
    const k = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += a[t] * b[t];
      return (dot / d + 1) ** 3;
    };
    const rowOf = (f: typeof x, i: number) => f.data.subarray(i * d, (i + 1) * d);
    let kxx = 0, kyy = 0, kxy = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) kxx += k(rowOf(x, ix[i]), rowOf(x, ix[j]));
        if (i !== j) kyy += k(rowOf(y, iy[i]), rowOf(y, iy[j]));
        kxy += k(rowOf(x, ix[i]), rowOf(y, iy[j]));
      }
    }
    const expected = (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
    const value = unbiasedMmd2(x, y, ix, iy);
    assert.ok(Math.abs(value - expected) < 1e-11, `${n} ${m} ${d}: ${value} vs ${expected}`);
  }
});

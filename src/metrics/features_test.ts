import assert from "node:assert/strict";
import { covariance } from "ml-matrix";
import { Rng } from "../engine/rng.ts";
import { featureMatrix, fingerprint, gaussianStats, toMatrix } from "./features.ts";

function randomRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

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

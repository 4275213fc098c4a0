import assert from "node:assert/strict";
import { featureMatrix } from "./features.ts";
import { inceptionScore } from "./inception_score.ts";

const oneHot = (label: number, classes: number) =>
  Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0));

Deno.test("inceptionScore equals the number of classes for uniform one-hot predictions", () => {
  const rows = Array.from({ length: 100 }, (_, i) => oneHot(i % 10, 10));
  const score = inceptionScore(featureMatrix(rows), 10);
  assert.ok(Math.abs(score.mean - 10) < 1e-9);
  assert.ok(score.std < 1e-9);
});

Deno.test("inceptionScore is 1 for identical predictions", () => {
  const rows = Array.from({ length: 50 }, () => [0.2, 0.3, 0.5]);
  const score = inceptionScore(featureMatrix(rows), 5);
  assert.ok(Math.abs(score.mean - 1) < 1e-12);
});

Deno.test("inceptionScore with one split has std 0 and rejects fewer samples than splits", () => {
  const rows = [oneHot(0, 4), oneHot(1, 4)];
  assert.deepEqual(inceptionScore(featureMatrix(rows), 1), { mean: 2, std: 0 });
  assert.throws(() => inceptionScore(featureMatrix(rows), 10), /at least 10 samples/);
});

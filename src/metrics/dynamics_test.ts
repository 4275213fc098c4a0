import assert from "node:assert/strict";
import type { CurvePoint } from "../train/mod.ts";
import {
  DYNAMICS_FIGURES,
  dynamicsFigures,
  gradientRatio,
  oscillationIndex,
  trailingWindow,
} from "./dynamics.ts";

Deno.test("trailingWindow keeps the last quarter but at least four points", () => {
  assert.deepEqual(
    trailingWindow([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
    [
      16,
      17,
      18,
      19,
      20,
    ],
  );
  assert.deepEqual(trailingWindow([1, 2, 3]), [1, 2, 3]);
});

Deno.test("oscillationIndex is 0 for a curve that settles and about 1 for a steady oscillation", () => {
  const settling = Array.from({ length: 100 }, (_, i) => (i < 50 ? 10 - i / 5 : 0));
  assert.equal(oscillationIndex(settling), 0);
  const swinging = Array.from({ length: 100 }, (_, i) => Math.sin(i));
  const index = oscillationIndex(swinging)!;
  assert.ok(index > 0.8 && index < 1.2, `index ${index}`);
  assert.equal(oscillationIndex([3, 3, 3]), 0);
  assert.equal(oscillationIndex([1]), undefined);
});

Deno.test("gradientRatio is the median D/G norm ratio over the trailing window", () => {
  const point = (gradNormD: number, gradNormG: number): CurvePoint => ({
    step: 0,
    seconds: 0,
    lossD: 0,
    lossG: 0,
    gradNormD,
    gradNormG,
  });
  const curves = [
    point(100, 1),
    point(100, 1),
    point(100, 1),
    point(100, 1),
    point(2, 1),
    point(4, 1),
    point(
      6,
      1,
    ),
    point(8, 2),
  ];
  // Trailing window = last 4 points: ratios 2, 4, 6, 4 -> median 4.
  assert.equal(gradientRatio(curves), 4);
});

Deno.test("dynamicsFigures returns exactly the declared dynamics figures", () => {
  const curves: CurvePoint[] = Array.from({ length: 40 }, (_, i) => ({
    step: i,
    seconds: i,
    lossD: 1 + Math.sin(i),
    lossG: 2 + Math.cos(i),
    gradNormD: 2,
    gradNormG: 1,
  }));
  assert.deepEqual(
    Object.keys(dynamicsFigures(curves)).sort(),
    DYNAMICS_FIGURES.map((f) => f.key).sort(),
  );
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { featureMatrix } from "./features.ts";
import { densityCoverage, kthNeighbourSquaredDistances, prdc, precisionRecall } from "./prdc.ts";

const line = (values: number[]) => featureMatrix(values.map((v) => [v]));

Deno.test("k-NN radii exclude the point itself", () => {
  assert.deepEqual(Array.from(kthNeighbourSquaredDistances(line([0, 1, 3]), 1)), [1, 1, 4]);
  assert.deepEqual(Array.from(kthNeighbourSquaredDistances(line([0, 1, 3]), 2)), [9, 4, 9]);
  assert.throws(
    () => kthNeighbourSquaredDistances(line([0, 1]), 3),
    /need at least 4 samples, got 2/,
  );
});

Deno.test("precision, recall, density and coverage on a hand-checked 1-D set (k = 1)", () => {
  // Real radii: 0 → 1, 1 → 1, 3 → 2. Fake 0.5 lies in two real balls, 2.9 in one, 10 in none.
  const real = line([0, 1, 3]);
  const fake = line([0.5, 2.9, 10]);
  const pr = precisionRecall(real, fake, 1);
  assert.ok(Math.abs(pr.precision - 2 / 3) < 1e-12);
  assert.equal(pr.recall, 1);
  assert.deepEqual(densityCoverage(real, fake, 1), { density: 1, coverage: 1 });
});

Deno.test("identical sets score 1 everywhere and far-apart sets 0", () => {
  const rng = new Rng(5);
  const points = Array.from({ length: 30 }, () => [rng.normal(), rng.normal()]);
  assert.deepEqual(prdc(featureMatrix(points), featureMatrix(points)), {
    precision: 1,
    recall: 1,
    density: 1,
    coverage: 1,
  });
  const far = points.map(([x, y]) => [x + 100, y]);
  assert.deepEqual(prdc(featureMatrix(points), featureMatrix(far)), {
    precision: 0,
    recall: 0,
    density: 0,
    coverage: 0,
  });
});

Deno.test("blocked and unblocked distance passes give identical results", () => {
  const rng = new Rng(6);
  const real = featureMatrix(
    Array.from({ length: 57 }, () => [rng.normal(), rng.normal(), rng.normal()]),
  );
  const fake = featureMatrix(
    Array.from({ length: 43 }, () => [rng.normal() + 0.3, rng.normal(), rng.normal()]),
  );
  assert.deepEqual(prdc(real, fake, { block: 4 }), prdc(real, fake, { block: 1024 }));
});

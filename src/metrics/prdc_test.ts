import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { type FeatureMatrix, featureMatrix } from "./features.ts";
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

/** A copy with its own data array, so that no cached pass is reused. */
const copy = (x: FeatureMatrix): FeatureMatrix => ({ ...x, data: x.data.slice() });

function gaussian(rng: Rng, n: number, d: number, shift = 0): FeatureMatrix {
  return featureMatrix(
    Array.from({ length: n }, () => Array.from({ length: d }, () => shift + rng.normal())),
  );
}

Deno.test("blocked and unblocked distance passes give identical results", () => {
  const rng = new Rng(6);
  const real = gaussian(rng, 57, 3), fake = gaussian(rng, 43, 3, 0.3);
  assert.deepEqual(prdc(copy(real), copy(fake), { block: 4 }), prdc(real, fake, { block: 1024 }));
});

/** The reference prdc package's computation, directly: all Euclidean distances, sorted radii. */
function referencePrdc(real: number[][], fake: number[][], kPr: number, kDc: number) {
  const distance = (a: number[], b: number[]) =>
    Math.sqrt(a.reduce((s, v, t) => s + (v - b[t]) ** 2, 0));
  const radii = (set: number[][], k: number) =>
    set.map((a) => set.map((b) => distance(a, b)).sort((u, v) => u - v)[k]);
  const between = real.map((a) => fake.map((b) => distance(a, b)));
  const [realPr, fakePr, realDc] = [radii(real, kPr), radii(fake, kPr), radii(real, kDc)];
  const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;
  return {
    precision: share(fake.map((_, j) => real.some((_, i) => between[i][j] < realPr[i]))),
    recall: share(real.map((_, i) => fake.some((_, j) => between[i][j] < fakePr[j]))),
    density: between.flat().filter((v, p) => v < realDc[Math.floor(p / fake.length)]).length /
      (kDc * fake.length),
    coverage: share(real.map((_, i) => Math.min(...between[i]) < realDc[i])),
  };
}

Deno.test("the tiled fast path matches a direct reference implementation on random data", () => {
  const rng = new Rng(11);
  // Sizes and widths that are not multiples of the kernel's 2 x 4 tiles, odd widths included.
  for (
    const [nReal, nFake, d, kPr, kDc, block] of [
      [37, 53, 5, 3, 5, 512],
      [61, 30, 8, 3, 5, 8],
      [26, 26, 1, 2, 4, 4],
      [45, 39, 13, 1, 7, 12],
    ]
  ) {
    const real = gaussian(rng, nReal, d), fake = gaussian(rng, nFake, d, 0.4);
    const rows = (x: FeatureMatrix) =>
      Array.from({ length: x.n }, (_, i) => Array.from(x.data.subarray(i * d, (i + 1) * d)));
    const expected = referencePrdc(rows(real), rows(fake), kPr, kDc);
    const options = { kPrecisionRecall: kPr, kDensityCoverage: kDc, block };
    assert.deepEqual(prdc(real, fake, options), expected, `${nReal} x ${nFake} x ${d}`);
    const fresh = [copy(real), copy(fake)];
    assert.deepEqual(
      {
        ...precisionRecall(fresh[0], fresh[1], kPr, block),
        ...densityCoverage(fresh[0], fresh[1], kDc, block),
      },
      expected,
    );
    // The radii themselves, against sorted direct squared distances.
    const radii = kthNeighbourSquaredDistances(real, kPr, block);
    rows(real).forEach((a, i) => {
      const sorted = rows(real).map((b) => a.reduce((s, v, t) => s + (v - b[t]) ** 2, 0))
        .sort((u, v) => u - v);
      assert.ok(Math.abs(radii[i] - sorted[kPr]) <= 1e-12 * Math.max(1, sorted[kPr]));
    });
  }
});

Deno.test("prc then dc on the same sets share one pass, and an edit in place is not served from the cache", () => {
  const rng = new Rng(12);
  const real = gaussian(rng, 40, 4), fake = gaussian(rng, 40, 4, 0.5);
  const expected = prdc(copy(real), copy(fake));
  assert.deepEqual({ ...precisionRecall(real, fake), ...densityCoverage(real, fake) }, expected);
  assert.deepEqual(densityCoverage(real, fake), {
    density: expected.density,
    coverage: expected.coverage,
  });
  // Move the generated set far away in place: every figure must follow.
  for (let i = 0; i < fake.data.length; i += 4) fake.data[i] += 100;
  assert.deepEqual({ ...precisionRecall(real, fake), ...densityCoverage(real, fake) }, {
    precision: 0,
    recall: 0,
    density: 0,
    coverage: 0,
  });
  for (let i = 0; i < real.data.length; i += 4) real.data[i] += 100;
  assert.deepEqual(
    { ...precisionRecall(real, fake), ...densityCoverage(real, fake) },
    prdc(copy(real), copy(fake)),
  );
});

import assert from "node:assert/strict";
import { ringCentres } from "../data/mixtures.ts";
import { ring8 } from "../data/mixtures.ts";
import { Rng } from "../engine/rng.ts";
import { chiSquaredCdf, collapseFlag, modeCoverage } from "./modes.ts";

const ring = { centres: ringCentres(8), std: 0.01 };
/** The data's share within 3 std of a mode centre in 2-D. */
const IN_BALL = 1 - Math.exp(-4.5);
const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

Deno.test("modeCoverage counts every mode and KL 0 for one sample on each centre", () => {
  const samples = ring.centres.flat();
  const { mass, ...rest } = modeCoverage(samples, 2, ring);
  assert.deepEqual(rest, { covered: 8, total: 8, hq: 1, kl: 0 });
  // Every mode at least as full as the data's P/8; nothing off the modes, where the data put 1 − P.
  close(mass, IN_BALL);
});

Deno.test("modeCoverage gives KL log 8 when every sample sits on one mode", () => {
  const samples = [1, 0, 1.005, 0, 0.995, 0.001];
  const result = modeCoverage(samples, 2, ring);
  assert.equal(result.covered, 1);
  assert.equal(result.hq, 1);
  assert.ok(Math.abs(result.kl - Math.log(8)) < 1e-12);
});

Deno.test("modeCoverage excludes samples beyond 3 std from quality and coverage", () => {
  // On mode 0 (hq), 0.02 from mode 2 (hq, within 0.03), 0.05 from mode 4 (not hq), at the origin.
  const samples = [1, 0, 0, 1.02, -1.05, 0, 0, 0];
  const result = modeCoverage(samples, 2, ring);
  assert.equal(result.covered, 2);
  assert.equal(result.hq, 0.5);
  // Two modes with half the hq samples each: KL = log(8/2).
  assert.ok(Math.abs(result.kl - Math.log(4)) < 1e-12);
});

Deno.test("modeCoverage takes KL against uniform with unequal counts", () => {
  const samples = [1, 0, 1, 0, 1, 0, 0, 1];
  const p = [0.75, 0.25];
  const expected = p.reduce((s, x) => s + x * Math.log(x * 8), 0);
  assert.ok(Math.abs(modeCoverage(samples, 2, ring).kl - expected) < 1e-12);
});

Deno.test("modeCoverage with no high-quality sample reports KL log M and nothing covered", () => {
  const { mass, ...rest } = modeCoverage([0, 0, 0.5, 0.5], 2, ring);
  assert.deepEqual(rest, { covered: 0, total: 8, hq: 0, kl: Math.log(8) });
  close(mass, 1 - IN_BALL);
});

Deno.test("chiSquaredCdf matches the closed forms in 1, 2 and 4 dimensions", () => {
  close(chiSquaredCdf(9, 2), IN_BALL);
  close(chiSquaredCdf(9, 1), 0.9973002039367398, 1e-12);
  close(chiSquaredCdf(5, 4), 1 - Math.exp(-2.5) * (1 + 2.5));
  assert.equal(chiSquaredCdf(0, 2), 0);
});

Deno.test("modeCoverage's mass is the data's own proportions' overlap: 1 for the data, half for half the modes", () => {
  const rng = new Rng(0);
  const { samples, labels } = ring8.sampleWithLabels!(40_000, rng);
  close(modeCoverage(samples, 2, ring8.mixture!).mass, 1, 0.01);
  // Only modes 0-3: each holds 1/4 of the samples where the data put P/8.
  const half = samples.filter((_, i) => labels[Math.floor(i / 2)] < 4);
  close(modeCoverage(half, 2, ring8.mixture!).mass, IN_BALL / 2 + (1 - IN_BALL), 0.01);
});

Deno.test("modeCoverage's mass is bounded by hq, where KL on a few high-quality samples is not", () => {
  // 45 of 2,500 samples on the modes, spread evenly (as a perfect but off-target generator): KL
  // rests on the 45 alone, mass counts the other 2,455 as missing.
  const rng = new Rng(1);
  const samples: number[] = [];
  for (let i = 0; i < 2500; i++) {
    const [x, y] = ring.centres[i % 8];
    samples.push(...(i < 45 ? [x, y] : [5 + rng.uniform(), 5 + rng.uniform()]));
  }
  const result = modeCoverage(samples, 2, ring);
  close(result.hq, 45 / 2500);
  assert.ok(result.kl < 0.02, `${result.kl}`);
  close(result.mass, 45 / 2500 + (1 - IN_BALL));
});

Deno.test("collapseFlag fires when coverage falls below 75% of its best", () => {
  assert.equal(collapseFlag([0, 4, 8, 8, 5]), 1);
  assert.equal(collapseFlag([0, 4, 8, 7, 6]), 0);
  assert.equal(collapseFlag([0, 0, 0]), 0);
  assert.equal(collapseFlag([]), undefined);
});

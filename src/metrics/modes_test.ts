import assert from "node:assert/strict";
import { ringCentres } from "../data/mixtures.ts";
import { collapseFlag, modeCoverage } from "./modes.ts";

const ring = { centres: ringCentres(8), std: 0.01 };

Deno.test("modeCoverage counts every mode and KL 0 for one sample on each centre", () => {
  const samples = ring.centres.flat();
  assert.deepEqual(modeCoverage(samples, 2, ring), { covered: 8, total: 8, hq: 1, kl: 0 });
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
  const result = modeCoverage([0, 0, 0.5, 0.5], 2, ring);
  assert.deepEqual(result, { covered: 0, total: 8, hq: 0, kl: Math.log(8) });
});

Deno.test("collapseFlag fires when coverage falls below 75% of its best", () => {
  assert.equal(collapseFlag([0, 4, 8, 8, 5]), 1);
  assert.equal(collapseFlag([0, 4, 8, 7, 6]), 0);
  assert.equal(collapseFlag([0, 0, 0]), 0);
  assert.equal(collapseFlag([]), undefined);
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { modeCoverage } from "../metrics/modes.ts";
import type { Dataset } from "./dataset.ts";
import { DATASETS } from "./mod.ts";
import {
  pacganGrid25,
  pacganRing8,
  WGAN_GP_25_SCALE,
  WGAN_GP_8_SCALE,
  wganGp25Gaussians,
  wganGp8Gaussians,
} from "./paper_mixtures.ts";

const close = (a: number, b: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tolerance, `${a} vs ${b}`);

/** The per-coordinate std of samples around their nearest centre. */
function spread(dataset: Dataset, n = 40_000): number {
  const samples = dataset.sample(n, new Rng(11));
  const { centres } = dataset.mixture!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = [samples[2 * i], samples[2 * i + 1]];
    const nearest = centres.reduce((best, c) =>
      Math.hypot(x - c[0], y - c[1]) < Math.hypot(x - best[0], y - best[1]) ? c : best
    );
    sum += (x - nearest[0]) ** 2 + (y - nearest[1]) ** 2;
  }
  return Math.sqrt(sum / (2 * n));
}

Deno.test("PacGAN's ring: 8 modes at (cos 2πk/8, sin 2πk/8), std 0.01, a set of 100,000 in packs", () => {
  const { centres, std } = pacganRing8.mixture!;
  assert.equal(centres.length, 8);
  centres.forEach(([x, y], k) => {
    close(x, Math.cos((2 * Math.PI * k) / 8));
    close(y, Math.sin((2 * Math.PI * k) / 8));
  });
  assert.equal(std, 0.01);
  close(spread(pacganRing8), 0.01, 2e-4);
  assert.deepEqual(pacganRing8.trainingSet, {
    size: 100_000,
    modes: "random",
    order: "reshuffled-packs",
  });
});

Deno.test("PacGAN's grid: 25 modes on {-4,-2,0,2,4}², std 0.05", () => {
  const { centres, std } = pacganGrid25.mixture!;
  const expected = [-4, -2, 0, 2, 4].flatMap((x) => [-4, -2, 0, 2, 4].map((y) => `${x},${y}`));
  assert.deepEqual(centres.map((c) => c.join(",")), expected);
  assert.equal(std, 0.05);
  close(spread(pacganGrid25), 0.05, 1e-3);
  assert.equal(pacganGrid25.trainingSet!.size, 100_000);
});

Deno.test("WGAN-GP's 8 Gaussians: gan_toy.py's directions, scaled by 2 / 1.414, std 0.02 / 1.414, no fixed set", () => {
  const { centres, std } = wganGp8Gaussians.mixture!;
  const r = Math.SQRT1_2;
  const directions = [[1, 0], [-1, 0], [0, 1], [0, -1], [r, r], [r, -r], [-r, r], [-r, -r]];
  centres.forEach(([x, y], k) => {
    close(x, (2 * directions[k][0]) / 1.414);
    close(y, (2 * directions[k][1]) / 1.414);
    close(Math.hypot(x, y), 2 / WGAN_GP_8_SCALE);
  });
  close(std, 0.02 / 1.414);
  close(spread(wganGp8Gaussians), 0.02 / 1.414, 3e-4);
  assert.equal(wganGp8Gaussians.trainingSet, undefined);
});

Deno.test("WGAN-GP's 25 Gaussians: 2·{-2..2}² / 2.828, std 0.05 / 2.828, 100,000 points, 4,000 per mode", () => {
  const { centres, std } = wganGp25Gaussians.mixture!;
  const values = [-2, -1, 0, 1, 2].map((v) => (2 * v) / WGAN_GP_25_SCALE);
  assert.deepEqual(centres, values.flatMap((x) => values.map((y) => [x, y])));
  close(centres[1][1] - centres[0][1], 2 / 2.828);
  close(std, 0.05 / 2.828);
  close(spread(wganGp25Gaussians), 0.05 / 2.828, 5e-4);
  assert.deepEqual(wganGp25Gaussians.trainingSet, {
    size: 100_000,
    modes: "balanced",
    order: "fixed-order",
  });
});

Deno.test("the paper mixtures are registered, and their own samples score as the data on the modes metric", () => {
  for (const dataset of [pacganRing8, pacganGrid25, wganGp8Gaussians, wganGp25Gaussians]) {
    assert.equal(DATASETS.get(dataset.name), dataset);
    const coverage = modeCoverage(dataset.sample(2500, new Rng(0)), 2, dataset.mixture!);
    assert.equal(coverage.covered, coverage.total, dataset.name);
    // 98.9% of a 2-D Gaussian lies within 3 std.
    assert.ok(coverage.hq > 0.98, `${dataset.name}: hq ${coverage.hq}`);
  }
});

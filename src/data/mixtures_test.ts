import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { grid25, ring8, ringCentres } from "./mixtures.ts";

Deno.test("ringCentres places 8 distinct modes on the unit circle", () => {
  const centres = ringCentres(8);
  assert.equal(centres.length, 8);
  const keys = new Set(centres.map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)}`));
  assert.equal(keys.size, 8);
  for (const [x, y] of centres) assert.ok(Math.abs(Math.hypot(x, y) - 1) < 1e-12);
  assert.deepEqual(centres[0], [1, 0]);
});

Deno.test("grid25 has 25 modes on {-4,-2,0,2,4}² with std 0.05", () => {
  const mixture = grid25.mixture!;
  assert.equal(mixture.centres.length, 25);
  assert.equal(mixture.std, 0.05);
  assert.ok(mixture.centres.some(([x, y]) => x === -4 && y === 4));
});

Deno.test("ring8 samples visit every mode with the configured spread", () => {
  const rng = new Rng(1);
  const n = 8000;
  const samples = ring8.sample(n, rng);
  const centres = ring8.mixture!.centres;
  const counts = new Array(8).fill(0);
  let squared = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i], y = samples[2 * i + 1];
    let best = 0, bestDist = Infinity;
    centres.forEach(([cx, cy], k) => {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bestDist) [best, bestDist] = [k, d];
    });
    counts[best]++;
    squared += bestDist;
  }
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `count ${c}`);
  const std = Math.sqrt(squared / (2 * n));
  assert.ok(Math.abs(std - 0.01) < 0.001, `std ${std}`);
});

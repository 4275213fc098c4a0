import assert from "node:assert/strict";
import { Rng } from "./rng.ts";

Deno.test("Rng gives the same sequence for the same seed and another for another seed", () => {
  const a = new Rng(7).normals(100);
  const b = new Rng(7).normals(100);
  const c = new Rng(8).normals(100);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("Rng streams are independent of the parent's state", () => {
  const parent = new Rng(3);
  const before = parent.stream("noise").normals(10);
  parent.normals(50);
  assert.deepEqual(parent.stream("noise").normals(10), before);
  assert.notDeepEqual(parent.stream("data").normals(10), before);
});

Deno.test("Rng normals have mean near 0 and std near 1", () => {
  const draws = new Rng(11).normals(200_000);
  const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
  const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / draws.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 1) < 0.01, `std ${Math.sqrt(variance)}`);
});

Deno.test("Rng.int covers [0, n) uniformly", () => {
  const rng = new Rng(5);
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 80_000; i++) counts[rng.int(8)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `count ${c}`);
});

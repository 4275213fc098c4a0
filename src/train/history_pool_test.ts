import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { HistoryPool } from "./history_pool.ts";

/** `n` one-value samples numbered from `first`. */
const numbered = (first: number, n: number) =>
  Float32Array.from({ length: n }, (_, i) => first + i);

Deno.test("a history pool returns every sample as is until it holds its capacity", () => {
  const pool = new HistoryPool(50, 0.5, new Rng(1));
  for (let batch = 0; batch < 5; batch++) {
    const samples = numbered(batch * 10, 10);
    assert.deepEqual(pool.query(samples, 1), samples);
  }
  assert.equal(pool.size, 50);
  const next = pool.query(numbered(50, 10), 1);
  assert.equal(pool.size, 50, "never more than its capacity");
  assert.notDeepEqual(next, numbered(50, 10), "once full, some samples come from the history");
});

Deno.test("a full pool swaps each new sample for a stored one with the given probability", () => {
  const pool = new HistoryPool(50, 0.5, new Rng(2));
  pool.query(numbered(0, 50), 1);
  const stored = new Set(Array.from(numbered(0, 50)));
  let swapped = 0, total = 0, nextId = 1000;
  for (let batch = 0; batch < 400; batch++) {
    const fresh = numbered(nextId, 8);
    nextId += 8;
    const out = pool.query(fresh, 1);
    // Samples are taken one after another: one swapped in may come back later in its batch.
    out.forEach((v, i) => {
      total++;
      if (v === fresh[i]) return;
      swapped++;
      assert.ok(stored.has(v), `a returned old sample (${v}) was in the pool`);
      stored.delete(v);
      stored.add(fresh[i]);
    });
    assert.equal(stored.size, 50, "the pool keeps exactly its capacity");
  }
  // 3,200 Bernoulli(0.5) draws: the share lies within 0.5 ± 0.035 (4 standard deviations).
  assert.ok(Math.abs(swapped / total - 0.5) < 0.035, `swap share ${swapped / total}`);
  const never = new HistoryPool(5, 0, new Rng(3));
  never.query(numbered(0, 5), 1);
  assert.deepEqual(never.query(numbered(5, 20), 1), numbered(5, 20), "probability 0: never");
  const always = new HistoryPool(5, 1, new Rng(3));
  always.query(numbered(0, 5), 1);
  const out = always.query(numbered(5, 5), 1);
  assert.ok(out.every((v) => v < 10), "probability 1: every sample is exchanged");
});

Deno.test("a history pool keeps whole samples of several values", () => {
  const pool = new HistoryPool(2, 1, new Rng(4));
  pool.query(Float32Array.from([1, 1, 1, 2, 2, 2]), 3);
  const out = pool.query(Float32Array.from([3, 3, 3]), 3);
  assert.ok([1, 2].includes(out[0]) && out[0] === out[1] && out[1] === out[2], `${out}`);
});

Deno.test("a history pool's choices depend on its seed alone", () => {
  const run = (seed: number) => {
    const pool = new HistoryPool(50, 0.5, new Rng(seed));
    return Array.from({ length: 20 }, (_, i) => Array.from(pool.query(numbered(i * 8, 8), 1)));
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

Deno.test("a pool of capacity 0 returns every batch unchanged, and bad settings are refused", () => {
  const pool = new HistoryPool(0, 0.5, new Rng(1));
  const samples = numbered(0, 100);
  assert.equal(pool.query(samples, 1), samples);
  assert.equal(pool.size, 0);
  assert.throws(() => new HistoryPool(-1, 0.5, new Rng(1)), RangeError);
  assert.throws(() => new HistoryPool(2.5, 0.5, new Rng(1)), RangeError);
  assert.throws(
    () => new HistoryPool(5, 1.5, new Rng(1)),
    /swap probability must be in \[0, 1\], got 1.5/,
  );
});

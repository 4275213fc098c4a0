import assert from "node:assert/strict";
import { DATASETS } from "../data/mod.ts";
import { Rng } from "../engine/rng.ts";
import { FEATURE_METRIC_DEFAULTS, score } from "../score.ts";
import {
  KEY_SPREAD_DATA,
  KEY_SPREAD_GAP,
  KEY_SPREAD_GENERATED,
  KEY_SPREAD_RATIO,
  KEY_SPREAD_SAMPLES,
  MAX_SPREAD_ROWS,
  meanPairwiseDistance,
  spreadMetric,
} from "./spread.ts";

const ring8 = DATASETS.get("ring8");

Deno.test("meanPairwiseDistance averages the distance over every pair of rows", () => {
  // 1-D points 0, 1, 3: pairs 1, 3, 2.
  assert.equal(meanPairwiseDistance([0, 1, 3], 1), 2);
  // (0, 0) and (3, 4): one pair, 5 apart.
  assert.equal(meanPairwiseDistance([0, 0, 3, 4], 2), 5);
  assert.equal(meanPairwiseDistance([7, 7], 2), 0, "a single row has no pair");
});

Deno.test("spread of real samples is the data's: ratio near 1, gap near 0", async () => {
  const samples = ring8.sample(1000, new Rng(5));
  const figures = await spreadMetric.evaluate(samples, { dataset: ring8 });
  assert.ok(Math.abs(figures[KEY_SPREAD_RATIO] - 1) < 0.03, `${figures[KEY_SPREAD_RATIO]}`);
  assert.ok(figures[KEY_SPREAD_GAP] < 0.03, `${figures[KEY_SPREAD_GAP]}`);
  assert.equal(figures[KEY_SPREAD_SAMPLES], 1000);
});

Deno.test("spread of a collapsed generator is 0: ratio 0, gap 1", async () => {
  const samples = new Float32Array(200).fill(0.5);
  const figures = await spreadMetric.evaluate(samples, { dataset: ring8 });
  assert.equal(figures[KEY_SPREAD_GENERATED], 0);
  assert.ok(figures[KEY_SPREAD_DATA] > 1, "ring8's modes lie on a circle of radius 2");
  assert.equal(figures[KEY_SPREAD_RATIO], 0);
  assert.equal(figures[KEY_SPREAD_GAP], 1);
});

Deno.test("spread reports no ratio where the data's spread is 0 (Dirac-GAN's single point)", async () => {
  const dirac = DATASETS.get("dirac");
  const figures = await spreadMetric.evaluate(Float32Array.from([0.5, -0.5]), { dataset: dirac });
  assert.equal(figures[KEY_SPREAD_DATA], 0);
  assert.ok(!(KEY_SPREAD_RATIO in figures));
  assert.equal(figures[KEY_SPREAD_GAP], 1);
});

Deno.test("spread cuts large sets to a seeded subset of rows, the same on every run", async () => {
  const samples = ring8.sample(MAX_SPREAD_ROWS + 500, new Rng(6));
  const figures = await spreadMetric.evaluate(samples, { dataset: ring8 });
  assert.equal(figures[KEY_SPREAD_SAMPLES], MAX_SPREAD_ROWS);
  assert.ok(Math.abs(figures[KEY_SPREAD_RATIO] - 1) < 0.03, `${figures[KEY_SPREAD_RATIO]}`);
  assert.deepEqual(await spreadMetric.evaluate(samples, { dataset: ring8 }), figures);
});

Deno.test("spread refuses image datasets in one line", () => {
  assert.equal(
    spreadMetric.unsupportedReason(DATASETS.get("mnist")),
    "dataset 'mnist' holds 28x28x1 images, not vectors",
  );
  assert.equal(spreadMetric.unsupportedReason(ring8), undefined);
});

/** A float32 N x d array as a .npy file (format 1.0: magic, version, header padded to 64). */
function npyFloat32(data: Float32Array, rows: number, cols: number): Uint8Array {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const length = Math.ceil((header.length + 11) / 64) * 64 - 10;
  const text = new TextEncoder().encode(header.padEnd(length - 1) + "\n");
  const bytes = new Uint8Array(10 + length + data.byteLength);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, length & 0xff, length >> 8]);
  bytes.set(text, 10);
  bytes.set(new Uint8Array(data.buffer), 10 + length);
  return bytes;
}

Deno.test("score runs spread on a user's samples as a suite would, figures under its name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ganbench-spread-" });
  const samples = ring8.sample(300, new Rng(8));
  await Deno.writeFile(`${dir}/samples.npy`, npyFloat32(samples, 300, 2));
  const output = await score({
    metrics: ["spread"],
    features: "raw",
    mixture: "ring8",
    inputs: [`${dir}/samples.npy`],
    options: FEATURE_METRIC_DEFAULTS,
  });
  const figures = await spreadMetric.evaluate(samples, { dataset: ring8 });
  assert.deepEqual(output.spread, {
    ratio: figures[KEY_SPREAD_RATIO],
    gap: figures[KEY_SPREAD_GAP],
    generated: figures[KEY_SPREAD_GENERATED],
    data: figures[KEY_SPREAD_DATA],
    samples: 300,
  });
  await Deno.remove(dir, { recursive: true });
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Generator } from "../models/mod.ts";
import {
  disposePictureInputs,
  interpolationStrips,
  pictureInputs,
  sampleGrid,
} from "./latent_pictures.ts";

await initBackend("wasm");

/** A generator whose sample is its 3-d code followed by its label (−1 when unconditional). */
const echo: Generator = {
  variables: [],
  latentDim: 3,
  generate: (z, labels) =>
    tf.concat([
      z,
      labels ? tf.expandDims(tf.cast(labels, "float32"), 1) : tf.fill([z.shape[0], 1], -1),
    ], 1),
};

/** The `i`-th 4-value sample of `samples`. */
const sample = (samples: Float32Array, i: number) => Array.from(samples.subarray(4 * i, 4 * i + 4));

Deno.test("sampleGrid() shows 8 x 8 codes drawn from the seed, the same at every call", async () => {
  const inputs = pictureInputs(3, undefined, new Rng(2));
  const grid = await sampleGrid(echo, inputs);
  assert.deepEqual([grid.rows, grid.cols, grid.samples.length], [8, 8, 64 * 4]);
  const codes = new Rng(2).normals(64 * 3);
  for (let i = 0; i < 64; i++) {
    assert.deepEqual(sample(grid.samples, i), [...codes.subarray(3 * i, 3 * i + 3), -1]);
  }
  assert.deepEqual((await sampleGrid(echo, inputs)).samples, grid.samples);
  disposePictureInputs(inputs);
});

Deno.test("sampleGrid() of a conditional generator has one row per class with the same codes down each column", async () => {
  const inputs = pictureInputs(3, 10, new Rng(3));
  const grid = await sampleGrid(echo, inputs);
  assert.deepEqual([grid.rows, grid.cols], [10, 8]);
  for (let row = 0; row < 10; row++) {
    for (let col = 0; col < 8; col++) {
      const [x, y, z, label] = sample(grid.samples, row * 8 + col);
      assert.equal(label, row);
      assert.deepEqual([x, y, z], sample(grid.samples, col).slice(0, 3));
    }
  }
  disposePictureInputs(inputs);
});

Deno.test("interpolationStrips() runs 4 strips of 10 steps from one code to another", async () => {
  const inputs = pictureInputs(3, undefined, new Rng(4));
  const strips = await interpolationStrips(echo, inputs);
  assert.deepEqual([strips.rows, strips.cols], [4, 10]);
  const from = await inputs.from.data(), to = await inputs.to.data();
  for (let r = 0; r < 4; r++) {
    for (let s = 0; s < 10; s++) {
      const t = s / 9;
      const values = sample(strips.samples, r * 10 + s);
      for (let k = 0; k < 3; k++) {
        const expected = (1 - t) * from[3 * r + k] + t * to[3 * r + k];
        assert.ok(Math.abs(values[k] - expected) < 1e-6, `strip ${r}, step ${s}`);
      }
    }
    // The end points are the codes themselves.
    assert.deepEqual(
      sample(strips.samples, r * 10).slice(0, 3),
      Array.from(from.slice(3 * r, 3 * r + 3)),
    );
  }
  disposePictureInputs(inputs);
});

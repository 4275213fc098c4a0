import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { generateSamples } from "./generate.ts";
import type { Generator } from "./network.ts";

await initBackend("wasm");

/** A generator of 2-d samples (2z₀, z₁ + label) that records the size of every batch it is given. */
function recordingGenerator(batches: number[]): Generator {
  return {
    variables: [],
    latentDim: 2,
    generate(z, labels) {
      batches.push(z.shape[0]);
      const scaled = tf.mul(z, tf.tensor1d([2, 1]));
      if (!labels) return scaled;
      return tf.add(scaled, tf.mul(tf.expandDims(tf.cast(labels, "float32"), 1), [0, 1]));
    },
  };
}

Deno.test("generateSamples() generates 1,024 codes at a time, in order, with their labels", async () => {
  const n = 2500;
  const codes = Float32Array.from({ length: 2 * n }, (_, i) => (i % 7) - 3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const batches: number[] = [];
  const latent = tf.tensor2d(codes, [n, 2]);
  const labelTensor = tf.tensor1d(labels, "int32");
  const before = tf.memory().numTensors;
  const samples = await generateSamples(recordingGenerator(batches), latent, labelTensor);
  assert.equal(tf.memory().numTensors, before, "no tensor is left behind");
  assert.deepEqual(batches, [1024, 1024, 452]);
  assert.equal(samples.length, 2 * n);
  for (let i = 0; i < n; i++) {
    assert.equal(samples[2 * i], 2 * codes[2 * i], `sample ${i}, x`);
    assert.equal(samples[2 * i + 1], codes[2 * i + 1] + labels[i], `sample ${i}, y`);
  }
  tf.dispose([latent, labelTensor]);
});

Deno.test("generateSamples() passes no labels to an unconditional generator", async () => {
  const batches: number[] = [];
  const latent = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  assert.deepEqual(
    Array.from(await generateSamples(recordingGenerator(batches), latent)),
    [2, 2, 6, 4],
  );
  assert.deepEqual(batches, [2]);
  latent.dispose();
});

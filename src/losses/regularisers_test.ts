import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Discriminator } from "../models/network.ts";
import { instanceNoise, weightClipping } from "./regularisers.ts";

await initBackend("cpu");

Deno.test("weight clipping clips every discriminator weight to [-c, c]", () => {
  const w = tf.variable(tf.tensor1d([-3, -0.005, 0, 0.2, 7]));
  const b = tf.variable(tf.tensor1d([0.5]));
  const discriminator = { variables: [w, b] } as unknown as Discriminator;
  weightClipping.afterDiscriminatorStep!(discriminator, 0.01);
  assert.deepEqual(Array.from(w.dataSync()), [-0.01, -0.005, 0, 0.01, 0.01].map(Math.fround));
  assert.deepEqual(Array.from(b.dataSync()), [Math.fround(0.01)]);
  tf.dispose([w, b]);
});

Deno.test("instance noise adds zero-mean Gaussian noise of std σ, reproducibly", () => {
  const x = tf.zeros([20000, 1]);
  const noisy = instanceNoise.perturb!(x, 0.5, new Rng(3));
  const values = Array.from(noisy.dataSync());
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(std - 0.5) < 0.02, `mean ${mean} std ${std}`);
  assert.deepEqual(instanceNoise.perturb!(x, 0.5, new Rng(3)).dataSync(), noisy.dataSync());
  tf.dispose([x, noisy]);
});

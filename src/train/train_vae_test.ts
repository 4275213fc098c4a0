import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { vaeLossTerms } from "./train_vae.ts";

await initBackend("cpu");

Deno.test("the VAE's KL term is 0 at the prior and ½Σ(μ² + σ² − 1 − log σ²) elsewhere", () => {
  const zeros = tf.zeros([2, 3]) as tf.Tensor2D;
  const x = tf.zeros([2, 4]);
  assert.equal(vaeLossTerms(x, x, zeros, zeros).kl.arraySync(), 0);
  const mean = tf.tensor2d([[1, 0, 0], [0, 2, 0]]);
  const logVariance = tf.tensor2d([[0, Math.log(2), 0], [0, 0, 0]]);
  // Sample 1: ½(1 + (2 − 1 − log 2)); sample 2: ½·4; batch mean.
  const expected = ((1 + 1 - Math.log(2)) / 2 + 2) / 2;
  const kl = vaeLossTerms(x, x, mean, logVariance).kl.arraySync() as number;
  assert.ok(Math.abs(kl - expected) < 1e-6, `${kl} vs ${expected}`);
});

Deno.test("the VAE's reconstruction term is the Bernoulli cross-entropy of pixels in [−1, 1]", () => {
  const zeros = tf.zeros([1, 2]) as tf.Tensor2D;
  // Grey (0 ↦ probability ½) against grey: log 2 per pixel, summed over 4 pixels.
  const grey = tf.zeros([1, 2, 2, 1]);
  const half = vaeLossTerms(grey, grey, zeros, zeros).reconstruction.arraySync() as number;
  assert.ok(Math.abs(half - 4 * Math.log(2)) < 1e-5, `${half}`);
  // White target, decoder says 0.5 (probability 0.75): −log 0.75 per pixel.
  const white = tf.ones([1, 2, 2, 1]);
  const value = vaeLossTerms(white, tf.fill([1, 2, 2, 1], 0.5), zeros, zeros).reconstruction
    .arraySync() as number;
  assert.ok(Math.abs(value - 4 * -Math.log(0.75)) < 1e-5, `${value}`);
  // A perfect decoder costs (almost) nothing.
  const perfect = vaeLossTerms(white, white, zeros, zeros).reconstruction.arraySync() as number;
  assert.ok(perfect < 1e-4);
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { mnist } from "../data/mnist.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { DEFAULT_HYPER, LOSSES } from "../losses/mod.ts";
import { train } from "../train/train.ts";
import { batchNorm, buildDcgan, DcganOptions } from "./dcgan.ts";
import { disposePair } from "./network.ts";

await initBackend("wasm");
const options = DcganOptions.parse({ generator: { base: 8 }, discriminator: { base: 8 } });

Deno.test("dcgan generates [n, 28, 28, 1] images in [-1, 1] and scores them [n, 1]", () => {
  const pair = buildDcgan(options, { sampleShape: [28, 28, 1], latentDim: 16, rng: new Rng(0) });
  tf.tidy(() => {
    const images = pair.generator.generate(tf.randomNormal([5, 16]) as tf.Tensor2D);
    assert.deepEqual(images.shape, [5, 28, 28, 1]);
    assert.ok(tf.max(tf.abs(images)).dataSync()[0] <= 1);
    const out = pair.discriminator.discriminate(images);
    assert.deepEqual(out.logits.shape, [5, 1]);
    assert.deepEqual(out.features.shape, [5, 7 * 7 * 16]);
  });
  assert.throws(
    () => buildDcgan(options, { sampleShape: [2], latentDim: 2, rng: new Rng(0) }),
    /needs \[28, 28, C\] samples/,
  );
  disposePair(pair);
});

Deno.test("a dcgan training step on MNIST reaches every weight of G and D on the wasm backend", async () => {
  const rng = new Rng(1);
  const pair = buildDcgan(options, {
    sampleShape: [28, 28, 1],
    latentDim: 16,
    rng: rng.stream("init"),
  });
  const variables = [...pair.generator.variables, ...pair.discriminator.variables];
  const before = variables.map((v) => v.dataSync().slice());
  const outcome = await train({
    dataset: mnist,
    pair,
    loss: LOSSES.get("non-saturating"),
    regularisers: [],
    hyper: { ...DEFAULT_HYPER, lrG: 2e-4, lrD: 2e-4 },
    budget: { steps: 2, batchSize: 8, logEvery: 1, evalEvery: 2 },
    rng,
    evaluate: () => ({}),
  });
  assert.equal(outcome.status, "completed");
  for (const point of outcome.curves) {
    assert.ok(Number.isFinite(point.lossD) && Number.isFinite(point.lossG));
  }
  variables.forEach((v, i) => {
    const after = v.dataSync();
    assert.ok(after.some((x, j) => x !== before[i][j]), `weight ${i} (${v.shape}) did not change`);
  });
  disposePair(pair);
});

Deno.test("batchNorm normalises per channel and has tf.batchNorm's value and gradients", () => {
  const rng = new Rng(5);
  tf.tidy(() => {
    const x = tf.tensor4d(rng.normals(4 * 3 * 3 * 2, 2, 1.5), [4, 3, 3, 2]);
    const scale = tf.variable(tf.tensor1d([0.5, 2]));
    const offset = tf.variable(tf.tensor1d([-1, 3]));
    const mine = (input: tf.Tensor) => batchNorm(input, { scale, offset });
    const reference = (input: tf.Tensor) => {
      const { mean, variance } = tf.moments(input, [0, 1, 2]);
      return tf.batchNorm(input, mean, variance, offset, scale, 1e-5);
    };
    // Per channel the output has mean = offset and std = scale (up to eps).
    const { mean, variance } = tf.moments(mine(x), [0, 1, 2]);
    assert.deepEqual(Array.from(mean.dataSync(), (v) => Number(v.toFixed(4))), [-1, 3]);
    assert.deepEqual(Array.from(tf.sqrt(variance).dataSync(), (v) => Number(v.toFixed(3))), [
      0.5,
      2,
    ]);
    const weights = tf.tensor4d(rng.normals(4 * 3 * 3 * 2), [4, 3, 3, 2]);
    for (const f of [mine, reference]) assert.ok(f(x).shape.join() === x.shape.join());
    const loss = (f: (t: tf.Tensor) => tf.Tensor) => () =>
      tf.sum(tf.mul(f(x), weights)) as tf.Scalar;
    const a = tf.variableGrads(loss(mine), [scale, offset]);
    const b = tf.variableGrads(loss(reference), [scale, offset]);
    const dxA = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(mine(t), weights)))(x);
    const dxB = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), weights)))(x);
    const pairs: [tf.Tensor, tf.Tensor][] = [
      [mine(x), reference(x)],
      [a.grads[scale.name], b.grads[scale.name]],
      [a.grads[offset.name], b.grads[offset.name]],
      [dxA, dxB],
    ];
    for (const [got, want] of pairs) {
      assert.ok(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] < 1e-4);
    }
    scale.dispose();
    offset.dispose();
  });
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { mnist } from "../data/mnist.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { DEFAULT_HYPER, LOSSES } from "../losses/mod.ts";
import { train } from "../train/train.ts";
import { buildDcgan, DcganOptions } from "./dcgan.ts";
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

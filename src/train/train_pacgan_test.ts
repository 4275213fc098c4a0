import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { ring8 } from "../data/mixtures.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { nonSaturatingLoss } from "../losses/gan_losses.ts";
import { gradientPenalty } from "../losses/regularisers.ts";
import type { Hyper } from "../losses/variant.ts";
import { disposePair } from "../models/network.ts";
import { buildPacgan, type PacganGenerator, PacganOptions } from "../models/pacgan.ts";
import { trainPacgan } from "./train_pacgan.ts";
import { latentBatch, type TrainOptions } from "./trainer.ts";

await initBackend("wasm");

const SEED = 3, PACK = 2, N = 5, RATE = 0.1;
const HYPER: Hyper = {
  k: 1,
  scheme: "simultaneous",
  optimizer: "sgd",
  lrG: RATE,
  lrD: RATE,
  beta1: 0.5,
  beta2: 0.999,
};
const OPTIONS = PacganOptions.parse({
  generator: { hidden: [4, 4], batchNorm: { refreshBatches: 0 } },
  discriminator: { hidden: [3], pieces: 2, pack: PACK },
  // Large weights, so that both players' gradients are far above the tolerance.
  initStd: 0.5,
});
const build = () =>
  buildPacgan(OPTIONS, { sampleShape: [2], latentDim: 2, rng: new Rng(SEED).stream("init") });

function options(pair: ReturnType<typeof build>, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    dataset: ring8,
    pair,
    loss: nonSaturatingLoss,
    regularisers: [],
    hyper: HYPER,
    budget: { steps: 1, batchSize: N, logEvery: 1, evalEvery: 1 },
    rng: new Rng(SEED),
    evaluate: () => ({}),
    ...extra,
  };
}

Deno.test("a pacgan step updates D and G together, from gradients at the same weights on the same packed samples", async () => {
  const trained = build();
  const outcome = await trainPacgan(options(trained));
  assert.equal(outcome.status, "completed");

  // By hand, on an identical pair: the step's draws, both losses at the initial weights.
  const pair = build();
  const rng = new Rng(SEED);
  const real = tf.tensor2d(ring8.sample(N * PACK, rng.stream("data")), [N * PACK, 2]);
  const latents = tf.split(latentBatch(N * PACK, 2, rng.stream("noise")), PACK) as tf.Tensor2D[];
  const generated = () => tf.concat(latents.map((z) => pair.generator.generate(z)));
  const d = pair.discriminator;
  const fake = generated();
  const gradD = tf.variableGrads(
    () => nonSaturatingLoss.discriminatorLoss(d.discriminate(real), d.discriminate(fake)),
    d.variables,
  ).grads;
  const gradG = tf.variableGrads(
    () => nonSaturatingLoss.generatorLoss(d.discriminate(generated())),
    pair.generator.variables,
  ).grads;
  const expect = (before: tf.Variable[], after: tf.Variable[], grads: tf.NamedTensorMap) =>
    before.forEach((v, i) => {
      const want = v.dataSync().map((w, j) => w - RATE * grads[v.name].dataSync()[j]);
      const got = after[i].dataSync();
      want.forEach((w, j) =>
        assert.ok(Math.abs(got[j] - w) < 1e-5, `${v.name}[${j}]: ${got[j]} vs ${w}`)
      );
    });
  expect(d.variables, trained.discriminator.variables, gradD);
  expect(pair.generator.variables, trained.generator.variables, gradG);

  // The running averages took the step's statistics once: 0.05 × the mean of the 2 passes' means.
  const first = tf.matMul(tf.concat(latents), pair.generator.variables[0]);
  const passMeans = tf.split(first, PACK).map((p) => tf.moments(p, 0).mean);
  const expected = tf.mul(tf.addN(passMeans), 0.05 / PACK).dataSync();
  const got = (trained.generator as PacganGenerator).batchNorms[0].mean.dataSync();
  expected.forEach((e, j) => assert.ok(Math.abs(got[j] - e) < 1e-6, `running mean[${j}]`));
  disposePair(trained);
  disposePair(pair);
});

Deno.test("the pacgan trainer refuses what its step does not do: k > 1, alternating updates, regularisers", async () => {
  const pair = build();
  await assert.rejects(
    trainPacgan(options(pair, { hyper: { ...HYPER, k: 5 } })),
    /one joint step \(k = 1, simultaneous\), got k = 5, simultaneous/,
  );
  await assert.rejects(
    trainPacgan(options(pair, { hyper: { ...HYPER, scheme: "alternating" } })),
    /got k = 1, alternating/,
  );
  await assert.rejects(
    trainPacgan(options(pair, {
      regularisers: [{ name: "gradient-penalty", regulariser: gradientPenalty, weight: 1 }],
    })),
    /takes no regularisers, got gradient-penalty/,
  );
  disposePair(pair);
});

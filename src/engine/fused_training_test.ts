import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  ADAM,
  BATCH_NORM,
  type DenseActivation,
  denseLayer,
  fusedKernelAvailable,
  MAXOUT,
  RMSPROP,
  setFusedOps,
} from "@ganbench/wasm-kernels";
import { ring8 } from "../data/mixtures.ts";
import { DEFAULT_HYPER, LOSSES, REGULARISERS } from "../losses/mod.ts";
import { buildMlp, MlpOptions } from "../models/mlp.ts";
import { disposePair } from "../models/network.ts";
import { buildPacgan, type PacganGenerator, PacganOptions } from "../models/pacgan.ts";
import { trainPacgan } from "../train/train_pacgan.ts";
import { flatAdam, flatRmsprop } from "../train/optimizers.ts";
import { train } from "../train/train.ts";
import { initBackend } from "./backend.ts";
import { Rng } from "./rng.ts";

const ACTIVATIONS: DenseActivation[] = ["linear", "relu", "leakyrelu", "tanh"];

/** Runs `compute` with the fused ops, then composed; returns both results' values. */
function fusedAndComposed(compute: () => tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const results: Float32Array[][] = [];
  for (const fused of [true, false]) {
    setFusedOps(fused);
    try {
      const before = tf.memory().numTensors;
      const outputs = tf.tidy(compute);
      results.push(outputs.map((t) => t.dataSync() as Float32Array));
      tf.dispose(outputs);
      assert.equal(tf.memory().numTensors, before, `fused ${fused}: tensors leaked`);
    } finally {
      setFusedOps(true);
    }
  }
  return [results[0], results[1]];
}

Deno.test("the fused dense layer's gradient differentiates again as the composed one does (gradient penalties)", async () => {
  await initBackend("wasm");
  const rng = new Rng(12);
  const [n, inputs, units] = [16, 5, 9];
  const x = tf.tensor2d(rng.normals(n * inputs), [n, inputs]);
  const w1 = tf.tensor2d(rng.normals(inputs * units), [inputs, units]);
  const b1 = tf.tensor1d(rng.normals(units));
  const w2 = tf.tensor2d(rng.normals(units), [units, 1]);
  const b2 = tf.tensor1d([0.1]);
  for (const activation of ACTIVATIONS) {
    const [fused, composed] = fusedAndComposed(() => {
      // ‖∂D/∂x‖² of a two-layer D, differentiated with respect to its weights.
      const penalty = (...[w1, w2]: tf.Tensor[]) => {
        const hidden = (x: tf.Tensor) =>
          denseLayer(x as tf.Tensor2D, w1 as tf.Tensor2D, b1, activation);
        const critic = (x: tf.Tensor) =>
          tf.sum(denseLayer(hidden(x), w2 as tf.Tensor2D, b2, "linear"));
        return tf.sum(tf.square(tf.grad(critic)(x)));
      };
      return tf.grads(penalty)([w1, w2]);
    });
    // tanh's second derivative is formed in another order of operations: equal to rounding.
    fused.forEach((values, i) =>
      values.forEach((v, j) => {
        const expected = composed[i][j];
        const tolerance = activation === "tanh" ? 1e-5 * Math.max(1, Math.abs(expected)) : 0;
        assert.ok(
          Math.abs(v - expected) <= tolerance,
          `${activation}: ${i}[${j}] ${v} vs ${expected}`,
        );
      })
    );
    if (activation !== "linear") {
      assert.ok(fused.some((g) => g.some((v) => v !== 0)), `${activation}: a penalty gradient`);
    }
  }
  tf.dispose([x, w1, b1, w2, b2]);
});

for (
  const [name, kernel, make] of [
    ["Adam", ADAM, () => flatAdam(1e-2, 0.5, 0.999)],
    ["RMSprop", RMSPROP, () => flatRmsprop(1e-2)],
  ] as const
) {
  Deno.test(`the fused ${name} step gives the composed flat ${name}'s bits over several steps`, async () => {
    await initBackend("wasm");
    assert.ok(fusedKernelAvailable(kernel));
    const rng = new Rng(13);
    const shapes = [[3, 5], [5], [1], [7, 2]];
    const initial = shapes.map((shape) => rng.normals(shape.reduce((a, b) => a * b, 1)));
    const gradients = [1, 2, 3].map(() => initial.map((w) => rng.normals(w.length)));
    const run = (fused: boolean) => {
      setFusedOps(fused);
      try {
        const variables = shapes.map((shape, i) => tf.variable(tf.tensor(initial[i], shape)));
        const optimizer = make();
        for (const step of gradients) {
          const grads: tf.NamedTensorMap = {};
          variables.forEach((v, i) => grads[v.name] = tf.tensor(step[i], v.shape));
          optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
        }
        optimizer.dispose();
        const values = variables.map((v) => v.dataSync() as Float32Array);
        tf.dispose(variables);
        return values;
      } finally {
        setFusedOps(true);
      }
    };
    const fused = run(true);
    assert.deepEqual(fused, run(false));
    assert.ok(
      fused.some((w, i) => w.some((v, j) => v !== Math.fround(initial[i][j]))),
      "weights moved",
    );
  });
}

Deno.test("training with the fused ops gives the composed ops' curves and weights, penalties and clipping included", async () => {
  await initBackend("wasm");
  const cells = [
    { loss: "non-saturating", output: "tanh", regulariser: undefined, optimizer: "adam" },
    { loss: "wasserstein", output: "linear", regulariser: "gradient-penalty", optimizer: "adam" },
    { loss: "wasserstein", output: "linear", regulariser: "weight-clip", optimizer: "rmsprop" },
  ] as const;
  for (const { loss, output, regulariser, optimizer } of cells) {
    const run = async (fused: boolean) => {
      setFusedOps(fused);
      try {
        const rng = new Rng(21);
        const options = MlpOptions.parse({ generator: { hidden: [32, 32], output } });
        const pair = buildMlp(options, { sampleShape: [2], latentDim: 2, rng });
        const outcome = await train({
          dataset: ring8,
          pair,
          loss: LOSSES.get(loss),
          regularisers: regulariser
            ? [{ name: regulariser, regulariser: REGULARISERS.get(regulariser), weight: 10 }]
            : [],
          hyper: { ...DEFAULT_HYPER, optimizer, lrG: 1e-3, lrD: 1e-3 },
          budget: { steps: 12, batchSize: 32, logEvery: 3, evalEvery: 12 },
          rng,
          evaluate: () => ({}),
        });
        const weights = [...pair.generator.variables, ...pair.discriminator.variables];
        const values = weights.map((v) => Array.from(v.dataSync()));
        tf.dispose(weights);
        return {
          curves: outcome.curves.map((c) => [c.lossD, c.lossG, c.gradNormD, c.gradNormG]),
          values,
        };
      } finally {
        setFusedOps(true);
      }
    };
    assert.deepEqual(
      await run(true),
      await run(false),
      `${loss} ${regulariser ?? ""} ${optimizer}`,
    );
  }
});

/** PacGAN's cells as they differ: the small networks of the unit tests, and the smoke profile's. */
const PACGAN_CASES = [
  {
    name: "16- and 13-wide G, pack 2, batch 20",
    model: {
      generator: { hidden: [16, 13], batchNorm: { refreshBatches: 1, refreshBatchSize: 7 } },
      discriminator: { hidden: [8, 8], pieces: 5, pack: 2 },
    },
    budget: { steps: 8, batchSize: 20, logEvery: 2, evalEvery: 8 },
  },
  {
    // suites/pacgan.json's smoke profile (its D at the paper's size), pack 4.
    name: "the smoke profile, pack 4",
    model: {
      generator: { hidden: [32, 32], batchNorm: { refreshBatches: 2 } },
      discriminator: { pack: 4 },
    },
    budget: { steps: 20, batchSize: 100, logEvery: 1, evalEvery: 20 },
  },
];

for (const { name, model, budget } of PACGAN_CASES) {
  Deno.test(`PacGAN's joint step with the maxout and batch-norm kernels gives the composed ops' curves, weights, running averages and samples: ${name}`, async () => {
    await initBackend("wasm");
    assert.ok(fusedKernelAvailable(MAXOUT) && fusedKernelAvailable(BATCH_NORM));
    const run = async (fused: boolean) => {
      setFusedOps(fused);
      try {
        const rng = new Rng(23);
        const pair = buildPacgan(PacganOptions.parse(model), {
          sampleShape: [2],
          latentDim: 2,
          rng: rng.stream("init"),
        });
        const generator = pair.generator as PacganGenerator;
        const outcome = await trainPacgan({
          dataset: ring8,
          pair,
          loss: LOSSES.get("non-saturating"),
          regularisers: [],
          hyper: {
            ...DEFAULT_HYPER,
            k: 1,
            scheme: "simultaneous",
            lrG: 1e-3,
            lrD: 1e-3,
            beta1: 0.8,
          },
          budget,
          rng,
          evaluate: () => ({}),
        });
        // Sampling as an evaluation does: the averages refreshed, then inference mode.
        generator.prepareSampling();
        const samples = tf.tidy(() =>
          generator.sample(tf.tensor2d(new Rng(5).normals(2 * 64), [64, 2])).dataSync()
        );
        const weights = [
          ...generator.variables,
          ...generator.state,
          ...pair.discriminator.variables,
        ];
        const values = weights.map((v) => Array.from(v.dataSync()));
        disposePair(pair);
        return {
          curves: outcome.curves.map((c) => [c.lossD, c.lossG, c.gradNormD, c.gradNormG]),
          values,
          samples: Array.from(samples),
        };
      } finally {
        setFusedOps(true);
      }
    };
    const [fused, composed] = [await run(true), await run(false)];
    // Compared value by value (a failure names the first difference; a diff of the whole would
    // be megabytes).
    const lists = (r: typeof fused) => [...r.curves, ...r.values, r.samples];
    const [a, b] = [lists(fused), lists(composed)];
    assert.equal(a.length, b.length);
    a.forEach((values, i) => {
      const at = values.findIndex((v, j) => !Object.is(v, b[i][j]));
      assert.ok(
        at === -1 && values.length === b[i].length,
        `list ${i} [${at}]: fused ${values[at]}, composed ${b[i][at]}`,
      );
    });
    assert.ok(fused.curves.length >= 4 && fused.curves.every((c) => c.every(Number.isFinite)));
  });
}

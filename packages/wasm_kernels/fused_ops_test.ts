import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  activationGrad,
  BATCH_NORM,
  BATCH_NORM_INFERENCE,
  BATCHED_DENSE,
  batchedDenseLayer,
  batchNormInference,
  batchNormTraining,
  DENSE,
  type DenseActivation,
  denseLayer,
  fusedKernelAvailable,
  MAXOUT,
  maxoutPieces,
  setFusedOps,
} from "./fused_ops.ts";
import { TestRng, useBackend } from "./_testing.ts";

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

Deno.test("the batched dense layer gives each slice the bits the dense layer gives it alone, gradients included", async () => {
  await useBackend("wasm");
  assert.ok(fusedKernelAvailable(BATCHED_DENSE), "the wasm backend registers the batched kernel");
  const rng = new TestRng(12);
  const seeds = 3;
  for (const activation of ACTIVATIONS) {
    for (const [n, inputs, units] of [[1, 1, 1], [7, 3, 5], [64, 33, 17]]) {
      const x = tf.tensor3d(rng.normals(seeds * n * inputs), [seeds, n, inputs]);
      const w = tf.tensor3d(rng.normals(seeds * inputs * units), [seeds, inputs, units]);
      const b = tf.tensor2d(rng.normals(seeds * units), [seeds, units]);
      const weightsOf = (y: tf.Tensor) => tf.mul(y, tf.linspace(-1, 1, units));
      const [batched] = fusedAndComposed(() => {
        const f = (...[x, w, b]: tf.Tensor[]) =>
          tf.sum(
            weightsOf(
              batchedDenseLayer(x as tf.Tensor3D, w as tf.Tensor3D, b as tf.Tensor2D, activation),
            ),
          );
        const { grads } = tf.valueAndGrads(f)([x, w, b]);
        return [batchedDenseLayer(x, w, b, activation), ...grads];
      });
      for (let s = 0; s < seeds; s++) {
        const slice = (t: tf.Tensor) => tf.squeeze(tf.slice(t, s, 1), [0]);
        const [alone] = fusedAndComposed(() => {
          const f = (...[x, w, b]: tf.Tensor[]) =>
            tf.sum(
              weightsOf(
                denseLayer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation),
              ),
            );
          const inputs = [slice(x), slice(w), slice(b)];
          const { grads } = tf.valueAndGrads(f)(inputs);
          return [
            denseLayer(...(inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]), activation),
            ...grads,
          ];
        });
        const sliced = batched.map((values) => {
          const size = values.length / seeds;
          return values.slice(s * size, (s + 1) * size);
        });
        assert.deepEqual(sliced, alone, `${activation} ${n}x${inputs}x${units} slice ${s}`);
      }
      tf.dispose([x, w, b]);
    }
  }
});

Deno.test("the fused dense layer gives the composed layer's bits: output and every gradient", async () => {
  await useBackend("wasm");
  assert.ok(fusedKernelAvailable(DENSE), "the wasm backend registers the fused dense kernel");
  const rng = new TestRng(11);
  for (const activation of ACTIVATIONS) {
    for (const [n, inputs, units] of [[1, 1, 1], [7, 3, 5], [64, 33, 17]]) {
      const x = tf.tensor2d(rng.normals(n * inputs), [n, inputs]);
      const w = tf.tensor2d(rng.normals(inputs * units), [inputs, units]);
      const b = tf.tensor1d(rng.normals(units));
      const [fused, composed] = fusedAndComposed(() => {
        const f = (...[x, w, b]: tf.Tensor[]) =>
          tf.sum(
            tf.mul(
              denseLayer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation),
              tf.linspace(-1, 1, units),
            ),
          );
        const { value, grads } = tf.valueAndGrads(f)([x, w, b]);
        return [denseLayer(x, w, b, activation), value, ...grads];
      });
      assert.deepEqual(fused, composed, `${activation} ${n}x${inputs}x${units}`);
      tf.dispose([x, w, b]);
    }
  }
});

Deno.test("activationGrad, fused or composed, gives the bits of the activations' derivatives", async () => {
  await useBackend("wasm");
  const rng = new TestRng(14);
  const z = Float32Array.from(rng.normals(37), (v, i) => (i % 6 === 0 ? 0 : v));
  const dy = Float32Array.from(rng.normals(37));
  const [zt, dyt] = [tf.tensor1d(z), tf.tensor1d(dy)];
  /** Each activation, and its gradient as tfjs computes it (leaky relu's: written out here). */
  const cases: [DenseActivation, (z: tf.Tensor) => tf.Tensor, () => Float32Array][] = [
    ["relu", tf.relu, () => tf.grad(tf.relu)(zt, dyt).dataSync() as Float32Array],
    ["tanh", tf.tanh, () => tf.grad(tf.tanh)(zt, dyt).dataSync() as Float32Array],
    [
      "leakyrelu",
      (z) => tf.leakyRelu(z, 0.2),
      () => dy.map((d, i) => Math.fround(d * (z[i] > 0 ? 1 : Math.fround(0.2)))),
    ],
  ];
  for (const [activation, apply, reference] of cases) {
    const [fused, composed] = fusedAndComposed(() => [
      activationGrad(dyt, apply(zt), activation, 0.2),
    ]);
    const expected = tf.tidy(reference);
    assert.deepEqual(fused, [expected], `${activation}, fused`);
    assert.deepEqual(composed, [expected], `${activation}, composed`);
  }
  tf.dispose([zt, dyt]);
});

Deno.test("the fused dense layer's gradient differentiates again as the composed one does (gradient penalties)", async () => {
  // The composed leaky relu differentiates twice only with ganbench's replacement LeakyRelu
  // gradient (tfjs' own uses `greater`, which has none): src/engine/fused_training_test.ts runs
  // this comparison for every activation with ganbench's gradients registered.
  await useBackend("wasm");
  const rng = new TestRng(12);
  const [n, inputs, units] = [16, 5, 9];
  const x = tf.tensor2d(rng.normals(n * inputs), [n, inputs]);
  const w1 = tf.tensor2d(rng.normals(inputs * units), [inputs, units]);
  const b1 = tf.tensor1d(rng.normals(units));
  const w2 = tf.tensor2d(rng.normals(units), [units, 1]);
  const b2 = tf.tensor1d([0.1]);
  for (const activation of ACTIVATIONS.filter((a) => a !== "leakyrelu")) {
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

Deno.test("backends without the fused kernels compose the ops", async () => {
  await useBackend("cpu");
  assert.equal(fusedKernelAvailable(DENSE), false);
  const y = denseLayer(tf.tensor2d([[1, -2]]), tf.tensor2d([[1], [1]]), tf.tensor1d([0.5]), "relu");
  assert.deepEqual(Array.from(y.dataSync()), [0]);
  y.dispose();
});

Deno.test("the maxout kernel gives the chained maximums' bits and gradients, and differentiates twice", async () => {
  await useBackend("wasm");
  assert.ok(fusedKernelAvailable(MAXOUT), "the wasm backend registers the maxout kernel");
  const rng = new TestRng(13);
  for (const [n, units, pieces] of [[1, 1, 2], [3, 2, 5], [17, 20, 5], [4, 7, 3]]) {
    // Ties among a unit's pieces (rounded values), where the gradient goes to the first.
    const values = Array.from(rng.normals(n * units * pieces), (v) => Math.round(2 * v) / 2);
    const x = tf.tensor2d(values, [n, units * pieces]);
    const weights = tf.linspace(-1, 2, units);
    // Squared, so that the gradient of the gradient goes through the maxout's output again.
    const f = (x: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(maxoutPieces(x as tf.Tensor2D, pieces)), weights));
    const [fused, composed] = fusedAndComposed(() => [maxoutPieces(x, pieces), tf.grad(f)(x)]);
    assert.deepEqual(fused, composed, `${n}x${units}, ${pieces} pieces`);
    // The composed maximums cannot be differentiated twice (tfjs has no gradient for Less); the
    // kernel's second derivative of Σ (2·w·max)² is 8·w²·max at each unit's first largest piece.
    const penalty = (x: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(x)));
    const second = tf.grad(penalty)(x).dataSync();
    const w = weights.dataSync();
    const expected = new Float32Array(values.length);
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        let winner = 0;
        for (let p = 1; p < pieces; p++) {
          if (
            values[i * units * pieces + p * units + u] >
              values[i * units * pieces + winner * units + u]
          ) {
            winner = p;
          }
        }
        const at = i * units * pieces + winner * units + u;
        expected[at] = 8 * w[u] * w[u] * values[at];
      }
    }
    second.forEach((v, j) =>
      assert.ok(
        Math.abs(v - expected[j]) <= 1e-5 * Math.max(1, Math.abs(expected[j])),
        `second derivative [${j}]: ${v} vs ${expected[j]}`,
      )
    );
    tf.dispose([x, weights]);
  }
});

Deno.test("the batch-norm kernels give the composed ops' bits, with and without relu: output, running sums, inference, every gradient", async () => {
  await useBackend("wasm");
  assert.ok(fusedKernelAvailable(BATCH_NORM), "the wasm backend registers the batch-norm kernel");
  assert.ok(fusedKernelAvailable(BATCH_NORM_INFERENCE));
  const rng = new TestRng(15);
  const shapes = [[1, 1], [2, 3], [7, 5], [13, 17], [100, 400], [33, 9], [5, 1]];
  for (const [[n, units], epsilon] of shapes.map((s, i) => [s, i % 2 ? 1e-4 : 1e-5] as const)) {
    // Features off centre and of unequal spread, as pre-activations are.
    const offsets = rng.normals(units).map((v) => 3 * v);
    const spreads = rng.normals(units).map((v) => Math.exp(v));
    // Feature 1 constant over the batch (no spread: each deviation 0).
    const x = tf.tensor2d(
      rng.normals(n * units).map((v, i) =>
        offsets[i % units] + (i % units === 1 ? 0 : spreads[i % units] * v)
      ),
      [n, units],
    );
    const [scale, shift, sumMean, sumStdev, mean] = [0, 1, 2, 3, 4].map(() =>
      tf.tensor1d(rng.normals(units))
    );
    const stdev = tf.tensor1d(rng.normals(units).map((v) => 0.1 + Math.abs(v)));
    // Feature 0 gets no gradient (−0, as a dead relu passes back for a negative dy): the signs
    // of the zeros it leads to follow tfjs' order of operations too.
    const dy = tf.tensor2d(rng.normals(n * units).map((v, i) => i % units ? v : -0), [n, units]);
    const [fused, composed] = fusedAndComposed(() =>
      (["linear", "relu"] as const).flatMap((activation) => {
        const weights = (scale: tf.Tensor, shift: tf.Tensor) => ({
          scale: scale as tf.Tensor1D,
          shift: shift as tf.Tensor1D,
        });
        const sums = { mean: sumMean, stdev: sumStdev };
        const training = batchNormTraining(x, weights(scale, shift), sums, {
          epsilon,
          activation,
        });
        const train = (...[x, scale, shift]: tf.Tensor[]) =>
          batchNormTraining(x as tf.Tensor2D, weights(scale, shift), sums, {
            epsilon,
            activation,
          }).y;
        const infer = (...[x, scale, shift, mean, stdev]: tf.Tensor[]) =>
          batchNormInference(x as tf.Tensor2D, weights(scale, shift), {
            mean: mean as tf.Tensor1D,
            stdev: stdev as tf.Tensor1D,
          }, activation);
        return [
          training.y,
          training.sums.mean,
          training.sums.stdev,
          ...tf.grads(train)([x, scale, shift], dy),
          infer(x, scale, shift, mean, stdev),
          ...tf.grads(infer)([x, scale, shift, mean, stdev], dy),
        ];
      })
    );
    for (let i = 0; i < fused.length; i++) {
      const [f, c] = [fused[i], composed[i]];
      const differ = f.findIndex((v, j) => !Object.is(v, c[j]));
      assert.equal(
        differ,
        -1,
        `${n}x${units}, output ${i}[${differ}]: ${f[differ]} vs ${c[differ]}`,
      );
    }
    // The gradient reaches x where it can (n > 1: one sample is its own mean; feature 0 has none).
    if (n > 1 && units > 2) assert.ok(fused[3].some((v) => v !== 0), `${n}x${units}: dx`);
    tf.dispose([x, scale, shift, sumMean, sumStdev, mean, stdev, dy]);
  }
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import type { Hyper } from "../losses/mod.ts";
import { ownedVariable } from "../models/layers.ts";
import { flatSgd } from "./optimizers.ts";
import {
  applyUpdates,
  diverged,
  globalNorm,
  optimizerFor,
  reportStep,
  type Update,
} from "./trainer.ts";

await initBackend("wasm");

/** A variable holding `values`, freed by the caller. */
const weights = (values: number[]) => ownedVariable(tf.tensor1d(values));
const read = (v: tf.Tensor) => Array.from(v.dataSync());

function close(actual: number[], expected: number[], what: string, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) <= tolerance, `${what}[${i}]: ${a} vs ${expected[i]}`)
  );
}

Deno.test("globalNorm() is the Euclidean norm of all gradients together", () => {
  const norm = globalNorm([tf.tensor1d([3]), tf.tensor2d([[0, 4], [0, 0]])]);
  close(read(norm), [5], "norm");
});

Deno.test("applyUpdates() takes one gradient step and reads back the loss and gradient norm", async () => {
  // loss = Σ (w − c)²: gradient 2(w − c), so SGD at rate r moves w to w − 2r(w − c).
  const w = weights([3, -1]);
  const c = [1, 1];
  const update = (): Update => ({
    optimizer: flatSgd(0.1),
    variables: [w],
    objective: () => tf.sum(tf.square(tf.sub(w, tf.tensor1d(c)))) as tf.Scalar,
  });
  const [measured] = await applyUpdates(() => [update()], true);
  close([measured.loss], [4 + 4], "loss");
  close(measured.norms, [Math.hypot(4, -4)], "norm");
  assert.deepEqual(measured.recorded, []);
  close(read(w), [3 - 0.2 * 2, -1 + 0.2 * 2], "weights");
  const [unmeasured] = await applyUpdates(() => [update()], false);
  assert.deepEqual(unmeasured.norms, [-1]);
  w.dispose();
});

Deno.test("applyUpdates() takes every update's gradient at the weights before any is applied", async () => {
  // A minimises (a − 1)², B minimises (b − a)². Simultaneously from a = 3, b = 0 at rate 0.1:
  // a ← 3 − 0.1·4 = 2.6 and b ← 0 + 0.1·6 = 0.6 (B must not see the new a, which gives 0.52).
  const a = weights([3]), b = weights([0]);
  const [forA, forB] = await applyUpdates(() => [
    {
      optimizer: flatSgd(0.1),
      variables: [a],
      objective: () => tf.sum(tf.square(tf.sub(a, 1))) as tf.Scalar,
    },
    {
      optimizer: flatSgd(0.1),
      variables: [b],
      objective: () => tf.sum(tf.square(tf.sub(b, a))) as tf.Scalar,
    },
  ], true);
  close([forA.loss, forB.loss], [4, 9], "losses");
  close([...forA.norms, ...forB.norms], [4, 6], "norms");
  close([...read(a), ...read(b)], [2.6, 0.6], "weights");
  tf.dispose([a, b]);
});

Deno.test("applyUpdates() measures each norm group on its own and reads back recorded terms", async () => {
  // loss = x² + 3y², recording x²: gradients 2x and 6y.
  const x = weights([2]), y = weights([-1]);
  const before = tf.memory().numTensors;
  const [values] = await applyUpdates(() => [{
    optimizer: flatSgd(0),
    variables: [x, y],
    normGroups: [[y], [x]],
    objective(record) {
      const term = tf.sum(tf.square(x)) as tf.Scalar;
      record(term);
      return tf.add(term, tf.mul(3, tf.sum(tf.square(y)))) as tf.Scalar;
    },
  }], true);
  close([values.loss], [4 + 3], "loss");
  close(values.norms, [6, 4], "norms (y, then x)");
  close(values.recorded, [4], "recorded x²");
  assert.equal(tf.memory().numTensors, before, "the step frees its tensors");
  tf.dispose([x, y]);
});

Deno.test("optimizerFor() builds the optimiser the hyper-parameters name", async () => {
  // First steps from w = 1 with gradient 2w = 2 at rate 0.01: SGD moves by 0.01·2; Adam by
  // 0.01·g/|g| (bias-corrected); RMSprop (alpha 0.99) by 0.01·g/sqrt(0.01·g²) = 0.1.
  const hyper = (optimizer: Hyper["optimizer"]): Hyper => ({
    k: 1,
    scheme: "alternating",
    optimizer,
    lrG: 0.01,
    lrD: 0.01,
    beta1: 0.5,
    beta2: 0.999,
  });
  const expected: Record<Hyper["optimizer"], number> = { sgd: 0.98, adam: 0.99, rmsprop: 0.9 };
  for (const [name, after] of Object.entries(expected)) {
    const w = weights([1]);
    const optimizer = optimizerFor(hyper(name as Hyper["optimizer"]), 0.01);
    await applyUpdates(() => [{
      optimizer,
      variables: [w],
      objective: () => tf.sum(tf.square(w)) as tf.Scalar,
    }], false);
    close(read(w), [after], name, 1e-5);
    optimizer.dispose();
    w.dispose();
  }
});

Deno.test("diverged() flags a non-finite loss or measured norm, not an unmeasured one", () => {
  assert.equal(diverged(0.5, -1), false);
  assert.equal(diverged(0.5, 3), false);
  assert.equal(diverged(Number.NaN, 3), true);
  assert.equal(diverged(0.5, Number.POSITIVE_INFINITY), true);
  assert.equal(diverged(Number.NEGATIVE_INFINITY, -1), true);
});

Deno.test("reportStep() marks G as diverged on its non-finite loss or norm, and nothing else", () => {
  const step = { lossesD: [0.7], lossG: 0.5, normD: Number.NaN, normG: -1 };
  assert.deepEqual(reportStep(step), step, "D's norm is the trainer's to check");
  assert.deepEqual(reportStep({ ...step, lossG: Number.NaN }), {
    ...step,
    lossG: Number.NaN,
    diverged: "G",
  });
  assert.equal(reportStep({ ...step, normG: Number.POSITIVE_INFINITY }).diverged, "G");
});

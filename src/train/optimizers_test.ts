import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { ownedVariable } from "../models/layers.ts";
import { Rng } from "../engine/rng.ts";
import { flatAdam, flatRmsprop, flatSgd, type Optimizer } from "./optimizers.ts";

await initBackend("wasm");

/** Weights of three shapes and the gradients of Σ c·w² + w at them, in float64 on the side. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const shapes = [[3, 2], [4], [2, 2, 2]];
  const initial = shapes.map((s) => rng.normals(s.reduce((a, b) => a * b, 1)));
  const coefficients = shapes.map((_, i) => 0.5 + i);
  return { shapes, initial, coefficients };
}

/** Runs `optimizer` for `steps` steps; returns the final weights. */
function runTf(optimizer: Optimizer | tf.Optimizer, seed: number, steps: number): number[][] {
  const { shapes, initial, coefficients } = problem(seed);
  const variables = shapes.map((s, i) => ownedVariable(tf.tensor(initial[i], s)));
  for (let t = 0; t < steps; t++) {
    const { grads, value } = tf.variableGrads(
      () =>
        tf.addN(variables.map((v, i) => tf.sum(tf.add(tf.mul(tf.square(v), coefficients[i]), v))))
          .asScalar(),
      variables,
    );
    optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = variables.map((v) => Array.from(v.dataSync()));
  tf.dispose(variables);
  optimizer.dispose();
  return out;
}

/** The same problem under torch's update rules, in float64. */
function reference(rule: "adam" | "rmsprop" | "sgd", seed: number, steps: number): number[][] {
  const { initial, coefficients } = problem(seed);
  const [lr, b1, b2, alpha, eps] = [0.01, 0.5, 0.999, 0.99, 1e-8];
  return initial.map((w0, i) => {
    const w = Array.from(w0);
    const m = w.map(() => 0), v = w.map(() => 0);
    for (let t = 1; t <= steps; t++) {
      for (let j = 0; j < w.length; j++) {
        const g = 2 * coefficients[i] * w[j] + 1;
        if (rule === "adam") {
          m[j] = b1 * m[j] + (1 - b1) * g;
          v[j] = b2 * v[j] + (1 - b2) * g * g;
          w[j] -= (lr / (1 - b1 ** t)) * m[j] / (Math.sqrt(v[j] / (1 - b2 ** t)) + eps);
        } else if (rule === "rmsprop") {
          v[j] = alpha * v[j] + (1 - alpha) * g * g;
          w[j] -= lr * g / (Math.sqrt(v[j]) + eps);
        } else {
          w[j] -= lr * g;
        }
      }
    }
    return w;
  });
}

function assertClose(got: number[][], want: number[][], what: string) {
  got.forEach((values, i) =>
    values.forEach((value, j) =>
      assert.ok(
        Math.abs(value - want[i][j]) < 2e-5,
        `${what}: w${i}[${j}] ${value} vs ${want[i][j]}`,
      )
    )
  );
}

Deno.test("flat optimisers follow torch's Adam, RMSprop and SGD rules (float64 reference)", () => {
  const before = tf.memory().numTensors;
  assertClose(runTf(flatAdam(0.01, 0.5, 0.999), 1, 7), reference("adam", 1, 7), "adam");
  assertClose(runTf(flatRmsprop(0.01), 2, 7), reference("rmsprop", 2, 7), "rmsprop");
  assertClose(runTf(flatSgd(0.01), 3, 7), reference("sgd", 3, 7), "sgd");
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("flat Adam takes the same steps as tf.train.adam", () => {
  assertClose(
    runTf(flatAdam(0.01, 0.5, 0.999), 4, 5),
    runTf(tf.train.adam(0.01, 0.5, 0.999, 1e-8), 4, 5),
    "vs tfjs",
  );
});

Deno.test("a flat optimiser refuses a different set of variables", () => {
  const a = tf.variable(tf.ones([2])), b = tf.variable(tf.ones([3]));
  const optimizer = flatSgd(0.1);
  optimizer.applyGradients({ [a.name]: tf.ones([2]) });
  assert.throws(() => optimizer.applyGradients({ [b.name]: tf.ones([3]) }), /same variables/);
  assert.deepEqual(Array.from(a.dataSync()), [0.9, 0.9].map(Math.fround));
  optimizer.dispose();
  tf.dispose([a, b]);
});

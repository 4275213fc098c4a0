/**
 * Every GAN objective against its closed form, computed here in plain float64 JavaScript from the
 * same hand-picked logits, plus the numerical-stability promise of the logit-space forms.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import type { DiscriminatorOutput } from "../models/network.ts";
import type { GanLoss } from "./loss.ts";
import { LOSSES } from "./mod.ts";

await initBackend("cpu");

/** log(1 + eˣ) without overflow. */
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const relu = (x: number) => Math.max(x, 0);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

// Real and fake batches of different sizes (each term must be its own mean), with logits on both
// sides of every kink: hinge's ±1 margins are crossed by 2, 1.5 (real) and -1.5, -2.5 (fake).
const REAL = [2, -0.5, 1.5, 0.25];
const FAKE = [-1.5, 0.3, 3, -2.5, 0.75];

/** D's output for a batch: logits `[n, 1]`, and features `[n, f]` (zeros unless given). */
function output(logits: number[], features?: number[][]): DiscriminatorOutput {
  return {
    logits: tf.tensor2d(logits, [logits.length, 1]),
    features: features ? tf.tensor2d(features) : tf.zeros([logits.length, 2]),
  };
}

/** Evaluates a loss (built inside a tidy, so that nothing leaks), checking that it is a scalar. */
function value(fn: () => tf.Scalar): number {
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const loss = fn();
    assert.equal(loss.rank, 0, "a loss is a scalar");
    return loss.dataSync()[0];
  });
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  return result;
}

function close(actual: number, expected: number, what: string, tolerance = 1e-5) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

const lossD = (loss: GanLoss, real = REAL, fake = FAKE) =>
  value(() => loss.discriminatorLoss(output(real), output(fake)));
const lossG = (loss: GanLoss, fake = FAKE) => value(() => loss.generatorLoss(output(fake)));

/** ∂(G's loss)/∂(fake logits), elementwise. */
function generatorLogitGradient(loss: GanLoss, fake: number[]): number[] {
  return tf.tidy(() => {
    const logits = tf.tensor2d(fake, [fake.length, 1]);
    const features = tf.zeros([fake.length, 2]) as tf.Tensor2D;
    const gradient = tf.grad((l: tf.Tensor) =>
      loss.generatorLoss({ logits: l as tf.Tensor2D, features })
    )(logits);
    return Array.from(gradient.dataSync());
  });
}

const BCE_D = mean(REAL.map((r) => softplus(-r))) + mean(FAKE.map(softplus));

Deno.test("the registry holds the six objectives, and only feature matching reads real data in G", () => {
  assert.deepEqual(LOSSES.names(), [
    "minimax",
    "non-saturating",
    "least-squares",
    "wasserstein",
    "hinge",
    "feature-matching",
  ]);
  for (const [name, loss] of LOSSES.entries()) {
    assert.equal(loss.generatorNeedsReal === true, name === "feature-matching", name);
    assert.ok(loss.description.length > 0, name);
  }
});

Deno.test("minimax's discriminator loss is mean softplus(-real) + mean softplus(fake)", () => {
  close(lossD(LOSSES.get("minimax")), BCE_D, "minimax D");
});

Deno.test("minimax's generator loss is -mean softplus(fake), i.e. mean log(1 - D(G(z)))", () => {
  const minimax = LOSSES.get("minimax");
  close(lossG(minimax), -mean(FAKE.map(softplus)), "minimax G");
  close(lossG(minimax), mean(FAKE.map((f) => Math.log(1 - sigmoid(f)))), "minimax G as log(1-D)");
});

Deno.test("nsgan's discriminator loss is the same binary cross-entropy as minimax's", () => {
  close(lossD(LOSSES.get("non-saturating")), BCE_D, "nsgan D");
});

Deno.test("nsgan's generator loss is mean softplus(-fake), i.e. -mean log D(G(z))", () => {
  const ns = LOSSES.get("non-saturating");
  close(lossG(ns), mean(FAKE.map((f) => softplus(-f))), "nsgan G");
  close(lossG(ns), -mean(FAKE.map((f) => Math.log(sigmoid(f)))), "nsgan G as -log D");
});

Deno.test("minimax's generator gradient saturates where D rejects the fakes; non-saturating's does not", () => {
  const fake = [-8, -2, 0, 3];
  const n = fake.length;
  // d/df of -softplus(f)/n is -σ(f)/n; d/df of softplus(-f)/n is -σ(-f)/n.
  const minimax = generatorLogitGradient(LOSSES.get("minimax"), fake);
  const ns = generatorLogitGradient(LOSSES.get("non-saturating"), fake);
  fake.forEach((f, i) => {
    close(minimax[i], -sigmoid(f) / n, `minimax ∂G/∂f at ${f}`);
    close(ns[i], -sigmoid(-f) / n, `nsgan ∂G/∂f at ${f}`);
  });
  // Where D confidently rejects a fake (f = -8) the saturating gradient all but vanishes.
  assert.ok(Math.abs(minimax[0]) < 1e-3 * Math.abs(ns[0]), `${minimax[0]} vs ${ns[0]}`);
});

Deno.test("least squares (0-1-1) is ½ mean (real-1)² + ½ mean fake² for D and ½ mean (fake-1)² for G", () => {
  const ls = LOSSES.get("least-squares");
  close(
    lossD(ls),
    0.5 * mean(REAL.map((r) => (r - 1) ** 2)) + 0.5 * mean(FAKE.map((f) => f ** 2)),
    "lsgan D",
  );
  close(lossG(ls), 0.5 * mean(FAKE.map((f) => (f - 1) ** 2)), "lsgan G");
  // At the 0-1-1 optimum (real scored 1, fake 0; G's fakes scored 1) both losses are exactly 0.
  assert.equal(lossD(ls, [1, 1], [0, 0, 0]), 0);
  assert.equal(lossG(ls, [1, 1]), 0);
});

Deno.test("the Wasserstein critic minimises mean(fake) - mean(real) and G minimises -mean(fake)", () => {
  const w = LOSSES.get("wasserstein");
  close(lossD(w), mean(FAKE) - mean(REAL), "wgan D");
  close(lossG(w), -mean(FAKE), "wgan G");
  // Unbounded below: the critic's loss is linear in its scores.
  close(lossD(w, [1e3], [-1e3]), -2e3, "wgan D is unbounded");
});

Deno.test("hinge's D loss is mean relu(1 - real) + mean relu(1 + fake) and G's is -mean(fake)", () => {
  const hinge = LOSSES.get("hinge");
  close(
    lossD(hinge),
    mean(REAL.map((r) => relu(1 - r))) + mean(FAKE.map((f) => relu(1 + f))),
    "hinge D",
  );
  close(lossG(hinge), -mean(FAKE), "hinge G");
  // Beyond both margins D's loss is exactly 0.
  assert.equal(lossD(hinge, [1, 5], [-1, -7]), 0);
});

Deno.test("feature matching's G loss is the squared L2 distance between the batches' feature means", () => {
  const fm = LOSSES.get("feature-matching");
  const realFeatures = [[1, 2, -1], [3, 4, 0.5], [2, -3, 2]];
  const fakeFeatures = [[0, 0, 1], [2, 2, -0.25]];
  const realMean = [0, 1, 2].map((j) => mean(realFeatures.map((row) => row[j])));
  const fakeMean = [0, 1, 2].map((j) => mean(fakeFeatures.map((row) => row[j])));
  const expected = realMean.reduce((s, r, j) => s + (r - fakeMean[j]) ** 2, 0);
  close(
    value(() => fm.generatorLoss(output([0, 0], fakeFeatures), output([0, 0, 0], realFeatures))),
    expected,
    "fm G",
  );
  // Identical feature means give exactly 0, whatever the logits.
  assert.equal(
    value(() => fm.generatorLoss(output([5, -5], [[1, 1], [3, 3]]), output([9], [[2, 2]]))),
    0,
  );
  // D trains as in the non-saturating GAN.
  close(lossD(fm), BCE_D, "fm D");
});

Deno.test("feature matching's generator loss throws without D's output on real data", () => {
  const fm = LOSSES.get("feature-matching");
  const before = tf.memory().numTensors;
  assert.throws(
    () => tf.tidy(() => fm.generatorLoss(output([0, 0], [[1, 2], [3, 4]]))),
    (error: unknown) => error instanceof TypeError && /real data/.test(error.message),
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("the logit-space losses stay finite, with finite gradients, for logits of ±100", () => {
  const extreme = [100, -100, 100];
  // softplus(100) = 100 and softplus(-100) = 0 to float32 precision.
  const expectedD = mean(extreme.map((r) => softplus(-r))) + mean(extreme.map(softplus));
  for (const name of ["minimax", "non-saturating", "feature-matching"]) {
    const loss = LOSSES.get(name);
    close(lossD(loss, extreme, extreme), expectedD, `${name} D at ±100`);
    const gradients = tf.tidy(() => {
      const [real, fake] = [tf.tensor2d(extreme, [3, 1]), tf.tensor2d(extreme, [3, 1])];
      const features = tf.zeros([3, 2]) as tf.Tensor2D;
      return tf.grads((r: tf.Tensor, f: tf.Tensor) =>
        loss.discriminatorLoss(
          { logits: r as tf.Tensor2D, features },
          { logits: f as tf.Tensor2D, features },
        )
      )([real, fake]).map((g) => Array.from(g.dataSync()));
    });
    for (const g of gradients.flat()) assert.ok(Number.isFinite(g), `${name} ∂D: ${g}`);
  }
  close(lossG(LOSSES.get("minimax"), extreme), -mean(extreme.map(softplus)), "minimax G at ±100");
  close(
    lossG(LOSSES.get("non-saturating"), extreme),
    mean(extreme.map((f) => softplus(-f))),
    "nsgan G at ±100",
  );
  for (const name of ["minimax", "non-saturating"]) {
    for (const g of generatorLogitGradient(LOSSES.get(name), extreme)) {
      assert.ok(Number.isFinite(g), `${name} ∂G: ${g}`);
    }
  }
});

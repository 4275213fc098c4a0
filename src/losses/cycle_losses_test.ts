import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../engine/backend.ts";
import { ownedVariable } from "../models/layers.ts";
import type { Discriminator } from "../models/network.ts";
import type { TranslationNetworks, Translator } from "../models/translation.ts";
import { discriminatorLosses, meanAbsoluteError, translatorLosses } from "./cycle_losses.ts";
import { leastSquaresLoss } from "./gan_losses.ts";

await initBackend("cpu");

const value = (t: tf.Tensor) => t.dataSync()[0];

/** x ↦ factor · x, counting its calls. */
function scaling(factor: number): Translator & { calls: number } {
  const weight = ownedVariable(tf.scalar(factor));
  const translator = {
    variables: [weight],
    calls: 0,
    translate: (x: tf.Tensor) => {
      translator.calls++;
      return tf.mul(x, weight);
    },
  };
  return translator;
}

/** A discriminator whose scores are its input's values (one "patch" per value). */
const identityCritic: Discriminator = {
  variables: [],
  discriminate: (x) => ({
    logits: tf.reshape(x, [-1, 1]) as tf.Tensor2D,
    features: tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D,
  }),
};

/** G(x) = 2x, F(x) = x / 4, both discriminators the identity. */
function networks(): TranslationNetworks & {
  forward: { calls: number };
  backward: { calls: number };
} {
  return {
    forward: scaling(2),
    backward: scaling(0.25),
    discriminatorA: identityCritic,
    discriminatorB: identityCritic,
  };
}

const a = tf.tensor2d([[1, 2]]), b = tf.tensor2d([[3, -1]]);

Deno.test("meanAbsoluteError() is the mean |x − y| over every value, as PyTorch's L1Loss", () => {
  assert.equal(value(meanAbsoluteError(tf.tensor1d([1, -2]), tf.tensor1d([0, 2]))), 2.5);
  assert.equal(value(meanAbsoluteError(a, a)), 0);
  assert.equal(value(meanAbsoluteError(tf.tensor2d([[1, 1], [1, 1]]), tf.zeros([2, 2]))), 1);
});

Deno.test("translatorLosses() adds each translator's adversarial, cycle and identity terms with their weights", () => {
  // G(a) = [2, 4]: least squares ½·mean((D − 1)²) = ½·mean(1, 9) = 2.5; F(G(a)) = [0.5, 1], so
  // ‖F(G(a)) − a‖₁ = mean(0.5, 1) = 0.75; G(b) = [6, −2], so ‖G(b) − b‖₁ = mean(3, 1) = 2.
  // F(b) = [0.75, −0.25]: ½·mean(0.0625, 1.5625) = 0.40625; G(F(b)) = [1.5, −0.5], so
  // ‖G(F(b)) − b‖₁ = mean(1.5, 0.5) = 1; F(a) = [0.25, 0.5], so ‖F(a) − a‖₁ = mean(0.75, 1.5) = 1.125.
  const nets = networks();
  const losses = translatorLosses(nets, { a, b }, leastSquaresLoss, {
    adversarial: 2,
    cycle: 10,
    identity: 5,
  });
  assert.equal(value(losses.forward), 2 * 2.5 + 10 * 0.75 + 5 * 2);
  assert.equal(value(losses.backward), 2 * 0.40625 + 10 * 1 + 5 * 1.125);
  assert.deepEqual(Array.from(losses.fakeB.dataSync()), [2, 4]);
  assert.deepEqual(Array.from(losses.fakeA.dataSync()), [0.75, -0.25]);
  assert.equal(nets.forward.calls, 3, "G(a), G(F(b)), G(b)");
  assert.equal(nets.backward.calls, 3, "F(b), F(G(a)), F(a)");
});

Deno.test("translatorLosses() leaves out, without computing them, the terms weighted 0", () => {
  const nets = networks();
  const losses = translatorLosses(nets, { a, b }, leastSquaresLoss, {
    adversarial: 1,
    cycle: 0,
    identity: 0,
  });
  assert.equal(value(losses.forward), 2.5);
  assert.equal(value(losses.backward), 0.40625);
  assert.equal(nets.forward.calls, 1, "only G(a)");
  assert.equal(nets.backward.calls, 1, "only F(b)");
  const identityOnly = translatorLosses(networks(), { a, b }, leastSquaresLoss, {
    adversarial: 1,
    cycle: 0,
    identity: 5,
  });
  assert.equal(value(identityOnly.forward), 2.5 + 5 * 2);
  assert.equal(value(identityOnly.backward), 0.40625 + 5 * 1.125);
});

Deno.test("translatorLosses() gives both translators the gradient of the cycle they share", () => {
  // forward + backward with only the cycles: mean|f·g·a − a| + mean|g·f·b − b| with g·f = 0.5;
  // d/dg of mean|(gf − 1)·a| = f·mean|a|·sign(gf − 1) = 0.25 · 1.5 · (−1), and likewise for b.
  const nets = networks();
  const { grads } = tf.variableGrads(() => {
    const losses = translatorLosses(nets, { a, b }, leastSquaresLoss, {
      adversarial: 0,
      cycle: 1,
      identity: 0,
    });
    return tf.add(losses.forward, losses.backward) as tf.Scalar;
  }, [...nets.forward.variables, ...nets.backward.variables]);
  const [g] = nets.forward.variables, [f] = nets.backward.variables;
  const meanAbs = 1.5 + 2; // mean|a| + mean|b|
  assert.ok(
    Math.abs(value(grads[g.name]) - -0.25 * meanAbs) < 1e-6,
    `dg = ${value(grads[g.name])}`,
  );
  assert.ok(Math.abs(value(grads[f.name]) - -2 * meanAbs) < 1e-6, `df = ${value(grads[f.name])}`);
});

Deno.test("discriminatorLosses() scores each domain's real batch against its translations", () => {
  // D_A: ½(mean((a − 1)²) + mean(F(b)²)) = ½(mean(0, 1) + mean(0.5625, 0.0625)) = 0.40625;
  // D_B: ½(mean((b − 1)²) + mean(G(a)²)) = ½(mean(4, 4) + mean(4, 16)) = 7.
  const losses = discriminatorLosses(networks(), {
    a,
    b,
    fakeA: tf.tensor2d([[0.75, -0.25]]),
    fakeB: tf.tensor2d([[2, 4]]),
  }, leastSquaresLoss);
  assert.equal(value(losses.a), 0.40625);
  assert.equal(value(losses.b), 7);
});

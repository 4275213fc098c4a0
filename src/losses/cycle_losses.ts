/**
 * CycleGAN's losses (Zhu et al., ICCV 2017) besides the adversarial one, and its translators'
 * objective: each translator's adversarial loss against the other domain's discriminator (any
 * registered GAN loss), the cycle-consistency loss ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁ and the
 * identity loss ‖G(b) − b‖₁ + ‖F(a) − a‖₁, L1 being the mean absolute difference (PyTorch's
 * `L1Loss`), as in the authors' code.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Discriminator } from "../models/network.ts";
import type { TranslationNetworks } from "../models/translation.ts";
import type { GanLoss } from "./loss.ts";

/**
 * The mean absolute difference of `x` and `y` over every value (PyTorch's `L1Loss`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../engine/backend.ts";
 * import { meanAbsoluteError } from "./cycle_losses.ts";
 *
 * await initBackend("cpu");
 * const value = meanAbsoluteError(tf.tensor1d([1, -2]), tf.tensor1d([0, 2])).dataSync()[0];
 * assert.equal(value, 2.5);
 * ```
 */
export function meanAbsoluteError(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(x, y)));
}

/** The weights of the translators' objective. */
export interface CycleWeights {
  /** Of each translator's adversarial loss. */
  adversarial: number;
  /** λ_cyc, of each direction's cycle-consistency loss (0 leaves the cycles out). */
  cycle: number;
  /** Of each translator's identity loss (0 leaves the identity mappings out). */
  identity: number;
}

/** The translators' objective on one batch, split by the translator each term belongs to. */
export interface TranslatorLosses {
  /**
   * G's terms: its adversarial loss against D_B, λ_cyc · ‖F(G(a)) − a‖₁ (the forward cycle, which
   * starts with G) and λ_id · ‖G(b) − b‖₁.
   */
  forward: tf.Scalar;
  /** F's terms: against D_A, λ_cyc · ‖G(F(b)) − b‖₁ and λ_id · ‖F(a) − a‖₁. */
  backward: tf.Scalar;
  /** G(a), as D_B is to see it. */
  fakeB: tf.Tensor;
  /** F(b), as D_A is to see it. */
  fakeA: tf.Tensor;
}

/**
 * CycleGAN's translators' objective on real batches `a` and `b`: the sum of both translators'
 * losses is what G and F minimise together. Terms whose weight is 0 are not computed.
 */
export function translatorLosses(
  networks: TranslationNetworks,
  batches: { a: tf.Tensor; b: tf.Tensor },
  loss: GanLoss,
  weights: CycleWeights,
): TranslatorLosses {
  const { forward: g, backward: f } = networks;
  const { a, b } = batches;
  const fakeB = g.translate(a), fakeA = f.translate(b);
  const adversarial = (discriminator: Discriminator, fake: tf.Tensor) =>
    tf.mul(weights.adversarial, loss.generatorLoss(discriminator.discriminate(fake)));
  const terms = (
    adversarialTerm: tf.Tensor,
    cycle: () => tf.Scalar,
    identity: () => tf.Scalar,
  ): tf.Scalar => {
    let total = adversarialTerm;
    if (weights.cycle > 0) total = tf.add(total, tf.mul(weights.cycle, cycle()));
    if (weights.identity > 0) total = tf.add(total, tf.mul(weights.identity, identity()));
    return total as tf.Scalar;
  };
  return {
    forward: terms(
      adversarial(networks.discriminatorB, fakeB),
      () => meanAbsoluteError(f.translate(fakeB), a),
      () => meanAbsoluteError(g.translate(b), b),
    ),
    backward: terms(
      adversarial(networks.discriminatorA, fakeA),
      () => meanAbsoluteError(g.translate(fakeA), b),
      () => meanAbsoluteError(f.translate(a), a),
    ),
    fakeB,
    fakeA,
  };
}

/**
 * The discriminators' losses: D_A on real `a` against F's (pooled) translations `fakeA`, D_B on
 * real `b` against G's `fakeB`, each the registered loss's discriminator loss.
 */
export function discriminatorLosses(
  networks: TranslationNetworks,
  batches: { a: tf.Tensor; b: tf.Tensor; fakeA: tf.Tensor; fakeB: tf.Tensor },
  loss: GanLoss,
): { a: tf.Scalar; b: tf.Scalar } {
  const { discriminatorA, discriminatorB } = networks;
  return {
    a: loss.discriminatorLoss(
      discriminatorA.discriminate(batches.a),
      discriminatorA.discriminate(batches.fakeA),
    ),
    b: loss.discriminatorLoss(
      discriminatorB.discriminate(batches.b),
      discriminatorB.discriminate(batches.fakeB),
    ),
  };
}

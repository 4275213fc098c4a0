/**
 * Discriminator regularisers: penalties added to D's loss, or constraints applied after D's step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";
import type { Discriminator } from "../models/network.ts";

/** What a penalty sees in one discriminator step. */
export interface PenaltyContext {
  discriminator: Discriminator;
  real: tf.Tensor;
  fake: tf.Tensor;
  /** Seeded stream for the penalty's own randomness (interpolation weights). */
  rng: Rng;
}

/** A regulariser with strength `weight`. */
export interface Regulariser {
  /** One line for `list`. */
  readonly description: string;
  /** Default strength (λ, γ or the clip bound). */
  readonly defaultWeight: number;
  /** A term added to D's loss. */
  penalty?(context: PenaltyContext, weight: number): tf.Scalar;
  /** A constraint applied to D's weights after each of its steps. */
  afterDiscriminatorStep?(discriminator: Discriminator, weight: number): void;
  /** A transformation of every input D sees, real or generated, in both players' steps. */
  perturb?(x: tf.Tensor, weight: number, rng: Rng): tf.Tensor;
}

/** Squared L2 norm of ∇ₓ Σ D(x), per sample: `[n]`. */
function squaredInputGradientNorms(discriminator: Discriminator, x: tf.Tensor): tf.Tensor1D {
  const gradient = tf.grad((input: tf.Tensor) => tf.sum(discriminator.discriminate(input).logits))(
    x,
  );
  const flat = tf.reshape(gradient, [gradient.shape[0], -1]);
  return tf.sum(tf.square(flat), 1) as tf.Tensor1D;
}

/** Gulrajani et al. 2017: λ E[(‖∇D(x̂)‖ - 1)²] on random interpolates x̂ of real and fake. */
export const gradientPenalty: Regulariser = {
  description: "WGAN-GP: λ·E(‖∇D(x̂)‖₂ - 1)² on real/fake interpolates",
  defaultWeight: 10,
  penalty({ discriminator, real, fake, rng }, weight) {
    const n = real.shape[0];
    const epsShape = [n, ...real.shape.slice(1).map(() => 1)];
    const eps = tf.tensor(rng.uniforms(n, 0, 1), epsShape);
    const interpolates = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
    // The small constant keeps sqrt differentiable when a gradient is exactly zero.
    const norms = tf.sqrt(tf.add(squaredInputGradientNorms(discriminator, interpolates), 1e-12));
    return tf.mul(weight, tf.mean(tf.square(tf.sub(norms, 1))));
  },
};

/** Mescheder et al. 2018: (γ/2) E‖∇D(x)‖² on real data. */
export const r1Penalty: Regulariser = {
  description: "R1: (γ/2)·E‖∇D(x)‖² on real data",
  defaultWeight: 10,
  penalty: ({ discriminator, real }, weight) =>
    tf.mul(weight / 2, tf.mean(squaredInputGradientNorms(discriminator, real))),
};

/** Mescheder et al. 2018: (γ/2) E‖∇D(G(z))‖² on generated data. */
export const r2Penalty: Regulariser = {
  description: "R2: (γ/2)·E‖∇D(G(z))‖² on generated data",
  defaultWeight: 10,
  penalty: ({ discriminator, fake }, weight) =>
    tf.mul(weight / 2, tf.mean(squaredInputGradientNorms(discriminator, fake))),
};

/** Arjovsky et al. 2017: clip every critic weight to [-c, c] after each critic step. */
export const weightClipping: Regulariser = {
  description: "WGAN weight clipping to [-c, c]",
  defaultWeight: 0.01,
  afterDiscriminatorStep(discriminator, clip) {
    tf.tidy(() => {
      for (const v of discriminator.variables) v.assign(tf.clipByValue(v, -clip, clip));
    });
  },
};

/** Sønderby et al. 2017 / Arjovsky & Bottou 2017: Gaussian noise of std σ added to every input of D. */
export const instanceNoise: Regulariser = {
  description: "instance noise: N(0, σ²) added to every input of D",
  defaultWeight: 1,
  perturb(x, sigma, rng) {
    const size = x.shape.reduce((a, b) => a * b, 1);
    return tf.add(x, tf.tensor(rng.normals(size, sigma), x.shape));
  },
};

/**
 * The GAN objectives: minimax, non-saturating, least squares, Wasserstein, hinge, feature matching.
 * Logit-space forms (softplus) keep the probabilistic losses finite for large logits.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GanLoss } from "./loss.ts";

/** mean(softplus(-real)) + mean(softplus(fake)): binary cross-entropy of D in logit space. */
function crossEntropyDiscriminator(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake)));
}

/** Goodfellow et al. 2014, the minimax game: G minimises log(1 - D(G(z))) = -softplus(logit). */
export const minimaxLoss: GanLoss = {
  description: "original minimax GAN: G minimises log(1 - D(G(z))) (saturating)",
  discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
  generatorLoss: (fake) => tf.neg(tf.mean(tf.softplus(fake.logits))),
};

/** Goodfellow et al. 2014, the non-saturating heuristic: G minimises -log D(G(z)). */
export const nonSaturatingLoss: GanLoss = {
  description: "non-saturating GAN: G minimises -log D(G(z))",
  discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
  generatorLoss: (fake) => tf.mean(tf.softplus(tf.neg(fake.logits))),
};

/** Mao et al. 2017, a-b-c = 0-1-1: D minimises ½(D(x)-1)² + ½D(G(z))², G minimises ½(D(G(z))-1)². */
export const leastSquaresLoss: GanLoss = {
  description: "least-squares GAN (0-1-1 coding)",
  discriminatorLoss: (real, fake) =>
    tf.mul(
      0.5,
      tf.add(tf.mean(tf.square(tf.sub(real.logits, 1))), tf.mean(tf.square(fake.logits))),
    ),
  generatorLoss: (fake) => tf.mul(0.5, tf.mean(tf.square(tf.sub(fake.logits, 1)))),
};

/** Arjovsky et al. 2017: the critic minimises E[f(G(z))] - E[f(x)], G minimises -E[f(G(z))]. */
export const wassersteinLoss: GanLoss = {
  description: "Wasserstein critic loss",
  discriminatorLoss: (real, fake) => tf.sub(tf.mean(fake.logits), tf.mean(real.logits)),
  generatorLoss: (fake) => tf.neg(tf.mean(fake.logits)),
};

/** Lim & Ye 2017 / Miyato et al. 2018: D minimises E[relu(1-D(x))] + E[relu(1+D(G(z)))]. */
export const hingeLoss: GanLoss = {
  description: "hinge loss (geometric GAN / SN-GAN)",
  discriminatorLoss: (real, fake) =>
    tf.add(tf.mean(tf.relu(tf.sub(1, real.logits))), tf.mean(tf.relu(tf.add(1, fake.logits)))),
  generatorLoss: (fake) => tf.neg(tf.mean(fake.logits)),
};

/**
 * Salimans et al. 2016: D trains as in the non-saturating GAN; G minimises
 * ‖E f(x) - E f(G(z))‖² over D's penultimate features f.
 */
export const featureMatchingLoss: GanLoss = {
  description: "feature matching on D's penultimate layer",
  discriminatorLoss: (real, fake) => crossEntropyDiscriminator(real.logits, fake.logits),
  generatorLoss: (fake, real) => {
    if (!real) throw new TypeError("feature matching needs D's output on real data");
    return tf.sum(tf.square(tf.sub(tf.mean(real.features, 0), tf.mean(fake.features, 0))));
  },
  generatorNeedsReal: true,
};

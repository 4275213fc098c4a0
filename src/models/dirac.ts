/**
 * The Dirac-GAN networks: a generator that is a point mass at θ and a linear discriminator
 * D(x) = ψ·x, both starting at a fixed point rather than a random one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ownedVariable } from "./layers.ts";
import type { BuildContext, GanPair } from "./network.ts";

/**
 * The largest |θ| and |ψ| a Dirac-GAN starts from: the parameters live in float32, where 1e308
 * is already Infinity; at 1e6 their products and squares (1e12) stay far inside float32's range.
 */
export const DIRAC_MAX_START = 1e6;

/** Options of the `dirac` architecture. */
export const DiracOptions = z.strictObject({
  /** Initial generator parameter θ. */
  theta: z.number().min(-DIRAC_MAX_START).max(DIRAC_MAX_START).default(1),
  /** Initial discriminator parameter ψ. */
  psi: z.number().min(-DIRAC_MAX_START).max(DIRAC_MAX_START).default(1),
});
/** Parsed options of the `dirac` architecture. */
export type DiracOptions = z.infer<typeof DiracOptions>;

/** Builds G(z) = θ and D(x) = ψ·x. */
export function buildDirac(options: DiracOptions, context: BuildContext): GanPair {
  if (context.sampleShape.length !== 1 || context.sampleShape[0] !== 1) {
    throw new TypeError(
      `the dirac architecture needs 1-D samples, got shape [${context.sampleShape}]`,
    );
  }
  const theta = ownedVariable(tf.scalar(options.theta));
  const psi = ownedVariable(tf.scalar(options.psi));
  return {
    generator: {
      variables: [theta],
      latentDim: context.latentDim,
      generate: (latent) => tf.mul(tf.ones([latent.shape[0], 1]), theta),
    },
    discriminator: {
      variables: [psi],
      discriminate(x) {
        const input = tf.reshape(x, [-1, 1]) as tf.Tensor2D;
        return { logits: tf.mul(input, psi) as tf.Tensor2D, features: input };
      },
    },
    lockstep: {
      architecture: "dirac",
      generatorOutput: "linear",
      discriminatorHidden: "relu",
      normalisation: "none",
    },
  };
}

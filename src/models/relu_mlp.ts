/**
 * The networks of WGAN-GP's toy script (Gulrajani et al. 2017, `gan_toy.py`): G and D are MLPs of
 * ReLU hidden layers (3 of 512) and a linear output, initialised as the script's `tflib` does:
 * hidden kernels He-uniform, U(±√(6 / fan_in)), the output kernel Glorot-uniform,
 * U(±√(6 / (fan_in + fan_out))), and every bias 0. The `mlp` architecture differs in D's
 * activation (LeakyReLU) and its initialisation (PyTorch's).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import { dense, type DenseWeights, ownedVariable } from "./layers.ts";
import type { BuildContext, GanPair } from "./network.ts";

/** Hidden layer widths (bounds against typos such as 1e9). */
const Widths = z.array(z.int().positive().max(16_384)).min(1).max(32);

/** Options of the `relu-mlp` architecture, as written in a suite. */
export const ReluMlpOptions = z.strictObject({
  generator: z.strictObject({ hidden: Widths.default([512, 512, 512]) }).prefault({}),
  discriminator: z.strictObject({ hidden: Widths.default([512, 512, 512]) }).prefault({}),
});
/** Parsed options of the `relu-mlp` architecture. */
export type ReluMlpOptions = z.infer<typeof ReluMlpOptions>;

/**
 * A dense layer as `tflib.ops.linear.Linear` initialises it: kernel uniform with standard
 * deviation √(2 / fan_in) (`he`) or √(2 / (fan_in + fan_out)) (`glorot`), bias 0.
 */
export function tflibDense(
  fanIn: number,
  fanOut: number,
  init: "he" | "glorot",
  rng: Rng,
): DenseWeights {
  const std = Math.sqrt(2 / (init === "he" ? fanIn : fanIn + fanOut));
  const bound = std * Math.sqrt(3);
  return {
    kernel: ownedVariable(
      tf.tensor2d(rng.uniforms(fanIn * fanOut, -bound, bound), [fanIn, fanOut]),
    ),
    bias: ownedVariable(tf.zeros([fanOut])),
  };
}

/** The layers of one network: He-initialised hidden layers, a Glorot-initialised output. */
function stack(sizes: number[], rng: Rng): DenseWeights[] {
  return sizes.slice(1).map((fanOut, i) =>
    tflibDense(sizes[i], fanOut, i === sizes.length - 2 ? "glorot" : "he", rng)
  );
}

/** Builds the toy script's G and D. */
export function buildReluMlp(options: ReluMlpOptions, context: BuildContext): GanPair {
  const dim = context.sampleShape.reduce((a, b) => a * b, 1);
  const gLayers = stack([context.latentDim, ...options.generator.hidden, dim], context.rng);
  const dLayers = stack([dim, ...options.discriminator.hidden, context.outputs ?? 1], context.rng);
  const forward = (layers: DenseWeights[], x: tf.Tensor2D) => {
    let h = x;
    for (const layer of layers.slice(0, -1)) h = dense(h, layer, "relu");
    return { features: h, out: dense(h, layers[layers.length - 1]) };
  };
  return {
    generator: {
      variables: gLayers.flatMap((l) => [l.kernel, l.bias]),
      latentDim: context.latentDim,
      generate: (latent) => tf.reshape(forward(gLayers, latent).out, [-1, ...context.sampleShape]),
    },
    discriminator: {
      variables: dLayers.flatMap((l) => [l.kernel, l.bias]),
      discriminate(x) {
        const { features, out } = forward(dLayers, tf.reshape(x, [-1, dim]) as tf.Tensor2D);
        return { logits: out, features };
      },
    },
    lockstep: {
      architecture: "relu-mlp",
      generatorOutput: "linear",
      discriminatorHidden: "relu",
      normalisation: "none",
    },
  };
}

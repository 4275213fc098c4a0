/**
 * Multi-layer perceptron generator and discriminator (the original GAN paper's and the mixture
 * literature's architecture).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import { type Activation, dense, type DenseWeights, denseWeights } from "./layers.ts";
import type { BuildContext, Discriminator, GanPair, Generator } from "./network.ts";

/** Options of the `mlp` architecture, as written in a suite. */
export const MlpOptions = z.strictObject({
  generator: z.strictObject({
    hidden: z.array(z.int().positive()).min(1).default([128, 128, 128]),
    output: z.enum(["linear", "tanh"]).default("linear"),
  }).prefault({}),
  discriminator: z.strictObject({
    hidden: z.array(z.int().positive()).min(1).default([128, 128, 128]),
  }).prefault({}),
});
/** Parsed options of the `mlp` architecture. */
export type MlpOptions = z.infer<typeof MlpOptions>;

function stack(sizes: number[], rng: Rng): DenseWeights[] {
  return sizes.slice(1).map((fanOut, i) => denseWeights(sizes[i], fanOut, rng));
}

function variablesOf(layers: DenseWeights[]): tf.Variable[] {
  return layers.flatMap((l) => [l.kernel, l.bias]);
}

/** Builds an MLP generator (ReLU hidden layers) and discriminator (LeakyReLU 0.2 hidden layers). */
export function buildMlp(options: MlpOptions, context: BuildContext): GanPair {
  const sampleSize = context.sampleShape.reduce((a, b) => a * b, 1);
  const gLayers = stack([context.latentDim, ...options.generator.hidden, sampleSize], context.rng);
  const dLayers = stack(
    [sampleSize, ...options.discriminator.hidden, context.outputs ?? 1],
    context.rng,
  );
  const generator: Generator = {
    variables: variablesOf(gLayers),
    latentDim: context.latentDim,
    generate(latent) {
      let h: tf.Tensor2D = latent;
      gLayers.forEach((layer, i) => {
        const last = i === gLayers.length - 1;
        const act: Activation = last ? options.generator.output : "relu";
        h = dense(h, layer, act);
      });
      return tf.reshape(h, [-1, ...context.sampleShape]);
    },
  };
  const discriminator: Discriminator = {
    variables: variablesOf(dLayers),
    discriminate(x) {
      let h = tf.reshape(x, [-1, sampleSize]) as tf.Tensor2D;
      for (const layer of dLayers.slice(0, -1)) {
        h = dense(h, layer, "leaky-relu");
      }
      return { logits: dense(h, dLayers[dLayers.length - 1]), features: h };
    },
  };
  return { generator, discriminator };
}

/**
 * Multi-layer perceptron generator and discriminator (the original GAN paper's and the mixture
 * literature's architecture).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import {
  type Activation,
  dense,
  type DenseWeights,
  denseWeights,
  leakyRelu,
  ownedVariable,
} from "./layers.ts";
import { discriminatorNormaliser, Normalisation } from "./normalisation.ts";
import type { BuildContext, Discriminator, GanPair, Generator } from "./network.ts";

/** Hidden layer widths: 1 to 32 layers of 1 to 16,384 units (bounds against typos such as 1e9). */
const HiddenWidths = z.array(z.int().positive().max(16_384)).min(1).max(32);

/** Options of the `mlp` architecture, as written in a suite. */
export const MlpOptions = z.strictObject({
  generator: z.strictObject({
    hidden: HiddenWidths.default([128, 128, 128]),
    output: z.enum(["linear", "tanh"]).default("linear"),
  }).prefault({}),
  discriminator: z.strictObject({
    hidden: HiddenWidths.default([128, 128, 128]),
    /**
     * `none` (when absent), `batch` or `layer` norm after every hidden layer but the first, or
     * `spectral` normalisation of every weight (see normalisation.ts).
     */
    normalisation: Normalisation.optional(),
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
  // Normalisation draws from its own stream, so that the weights above are the same with any.
  const norm = discriminatorNormaliser(
    options.discriminator.normalisation ?? "none",
    context.rng.stream("spectral"),
  );
  const kernels = dLayers.map((layer) => norm.weight(layer.kernel));
  const hiddenNorms = options.discriminator.hidden.map((units, i) =>
    i === 0 ? undefined : norm.hidden(units, (c) => ownedVariable(tf.ones([c])))
  );
  const discriminator: Discriminator = {
    variables: [...variablesOf(dLayers), ...hiddenNorms.flatMap((n) => n?.variables ?? [])],
    ...norm.hooks(),
    discriminate(x) {
      let h = tf.reshape(x, [-1, sampleSize]) as tf.Tensor2D;
      dLayers.slice(0, -1).forEach((layer, i) => {
        const weights = { kernel: kernels[i](), bias: layer.bias };
        const hidden = hiddenNorms[i];
        h = hidden
          ? leakyRelu(hidden.apply(dense(h, weights))) as tf.Tensor2D
          : dense(h, weights, "leaky-relu");
      });
      const last = dLayers.length - 1;
      return {
        logits: dense(h, { kernel: kernels[last](), bias: dLayers[last].bias }),
        features: h,
      };
    },
  };
  return {
    generator,
    discriminator,
    lockstep: {
      architecture: "mlp",
      generatorOutput: options.generator.output,
      discriminatorHidden: "leaky-relu",
      normalisation: options.discriminator.normalisation ?? "none",
    },
  };
}

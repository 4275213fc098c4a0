/**
 * DCGAN networks after Radford et al. (2016) for 28x28 images: G maps z through a dense layer to
 * 7x7 maps, then two 4x4 stride-2 transposed convolutions with batch norm and ReLU, tanh output;
 * D uses two 4x4 stride-2 convolutions with LeakyReLU(0.2), batch norm on the second, no pooling and
 * no hidden dense layer. Weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02) (the paper's
 * initialisation). Batch norm always normalises with the current batch's statistics, in training
 * and when sampling for evaluation (in chunks of up to 1,024).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import { dense, leakyRelu, ownedVariable } from "./layers.ts";
import {
  batchNorm,
  discriminatorNormaliser,
  Normalisation,
  type NormWeights,
} from "./normalisation.ts";
import type { BuildContext, GanPair } from "./network.ts";

/**
 * Options of the `dcgan` architecture, and of the 32x32 ones built like it (`dcgan32`, `sndcgan`):
 * each network's width and the discriminator's normalisation.
 */
export const DcganOptions = z.strictObject({
  generator: z.strictObject({
    /** Channels of the last hidden maps (dcgan: 14x14); earlier maps have 2, 4, 8 times as many. */
    base: z.int().positive().max(1024).default(64),
  }).prefault({}),
  discriminator: z.strictObject({
    /** Channels of the first convolution (dcgan: 14x14); later ones have 2, 4, 8 times as many. */
    base: z.int().positive().max(1024).default(64),
    /**
     * `none`, `batch`, `layer` or `spectral` (see normalisation.ts); when absent, the
     * architecture's own (dcgan and dcgan32: batch, sndcgan: none). dcgan applies batch or layer
     * norm to its second convolution and spectral normalisation to every weight.
     */
    normalisation: Normalisation.optional(),
  }).prefault({}),
});
/** Parsed options of the `dcgan` architecture. */
export type DcganOptions = z.infer<typeof DcganOptions>;

/** A variable of `shape` drawn from N(mean, std²) (DCGAN's initialisation: N(0, 0.02²)). */
export function normal(rng: Rng, shape: number[], std = 0.02, mean = 0): tf.Variable {
  return ownedVariable(tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1), std, mean), shape));
}

/** A batch-norm layer's scale and offset. */
export type BatchNormWeights = NormWeights;

/** Batch-norm weights as DCGAN initialises them: scale ~ N(1, 0.02²), offset 0. */
export function batchNormWeights(channels: number, rng: Rng): BatchNormWeights {
  return { scale: normal(rng, [channels], 0.02, 1), offset: ownedVariable(tf.zeros([channels])) };
}

export { batchNorm };

/** Builds the DCGAN pair for [28, 28, C] samples. */
export function buildDcgan(options: DcganOptions, context: BuildContext): GanPair {
  const [height, width, channels] = context.sampleShape;
  if (context.sampleShape.length !== 3 || height !== 28 || width !== 28) {
    throw new TypeError(
      `the dcgan architecture needs [28, 28, C] samples, got [${context.sampleShape}]`,
    );
  }
  const rng = context.rng;
  const g = options.generator.base, d = options.discriminator.base;
  const gw = {
    dense: normal(rng, [context.latentDim, 7 * 7 * 2 * g]),
    denseBias: ownedVariable(tf.zeros([7 * 7 * 2 * g])),
    bn0: batchNormWeights(2 * g, rng),
    up1: normal(rng, [4, 4, g, 2 * g]),
    bn1: batchNormWeights(g, rng),
    up2: normal(rng, [4, 4, channels, g]),
    up2Bias: ownedVariable(tf.zeros([channels])),
  };
  // Normalisation draws from its own stream, so that the weights are the same with any; batch and
  // layer norm draw their scale where DCGAN's batch norm always drew it.
  const norm = discriminatorNormaliser(
    options.discriminator.normalisation ?? "batch",
    rng.stream("spectral"),
  );
  const conv1 = normal(rng, [4, 4, channels, d]);
  const conv1Bias = ownedVariable(tf.zeros([d]));
  const conv2 = normal(rng, [4, 4, d, 2 * d]);
  const norm2 = norm.hidden(2 * d, (c) => normal(rng, [c], 0.02, 1));
  // Without a norm's offset, the second convolution has its own bias.
  const conv2Bias = norm2 ? undefined : ownedVariable(tf.zeros([2 * d]));
  const denseKernel = normal(rng, [7 * 7 * 2 * d, context.outputs ?? 1]);
  const denseBias = ownedVariable(tf.zeros([context.outputs ?? 1]));
  const [kernel1, kernel2, kernelOut] = [conv1, conv2, denseKernel].map((w) => norm.weight(w));
  const bnVariables = (w: BatchNormWeights) => [w.scale, w.offset];
  return {
    generator: {
      variables: [
        gw.dense,
        gw.denseBias,
        ...bnVariables(gw.bn0),
        gw.up1,
        ...bnVariables(gw.bn1),
        gw.up2,
        gw.up2Bias,
      ],
      latentDim: context.latentDim,
      generate(latent) {
        const n = latent.shape[0];
        let h: tf.Tensor = dense(latent, { kernel: gw.dense, bias: gw.denseBias });
        h = tf.relu(batchNorm(tf.reshape(h, [n, 7, 7, 2 * g]), gw.bn0));
        h = tf.conv2dTranspose(h as tf.Tensor4D, gw.up1 as tf.Tensor4D, [n, 14, 14, g], 2, "same");
        h = tf.relu(batchNorm(h, gw.bn1));
        h = tf.conv2dTranspose(
          h as tf.Tensor4D,
          gw.up2 as tf.Tensor4D,
          [n, 28, 28, channels],
          2,
          "same",
        );
        return tf.tanh(tf.add(h, gw.up2Bias));
      },
    },
    discriminator: {
      variables: [
        conv1,
        conv1Bias,
        conv2,
        ...(norm2?.variables ?? [conv2Bias!]),
        denseKernel,
        denseBias,
      ],
      ...norm.hooks(),
      discriminate(x) {
        const n = x.shape[0];
        let h: tf.Tensor = tf.conv2d(x as tf.Tensor4D, kernel1() as tf.Tensor4D, 2, "same");
        h = leakyRelu(tf.add(h, conv1Bias));
        h = tf.conv2d(h as tf.Tensor4D, kernel2() as tf.Tensor4D, 2, "same");
        h = norm2 ? norm2.apply(h) : tf.add(h, conv2Bias!);
        const features = tf.reshape(leakyRelu(h), [n, 7 * 7 * 2 * d]) as tf.Tensor2D;
        return { logits: dense(features, { kernel: kernelOut(), bias: denseBias }), features };
      },
    },
  };
}

/**
 * Class conditioning for any architecture (Mirza & Osindero 2014): G sees its latent code with the
 * one-hot label appended; D sees the sample with the label appended, as one-hot channels for
 * images (constant maps, as in conditional DCGANs) or one-hot features for vectors.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BuildContext, GanPair } from "./network.ts";

/** The shape D sees for samples of `sampleShape` with `classes` label values appended. */
export function labelledShape(sampleShape: number[], classes: number): number[] {
  return sampleShape.length === 3
    ? [sampleShape[0], sampleShape[1], sampleShape[2] + classes]
    : [sampleShape.reduce((a, b) => a * b, 1) + classes];
}

/** `x` with the one-hot `labels` appended as D's conditional input. */
export function appendLabels(x: tf.Tensor, labels: tf.Tensor1D, classes: number): tf.Tensor {
  const n = x.shape[0];
  const oneHot = tf.cast(tf.oneHot(labels, classes), "float32");
  if (x.rank === 4) {
    const [, height, width] = x.shape;
    // Constant maps by broadcasting (tfjs' Tile runs in JavaScript on the wasm backend: 37 ms
    // for a batch of 64 MNIST images).
    const maps = tf.mul(tf.reshape(oneHot, [n, 1, 1, classes]), tf.ones([1, height!, width!, 1]));
    return tf.concat([x, maps], 3);
  }
  return tf.concat([tf.reshape(x, [n, -1]), oneHot], 1);
}

function requireLabels(labels: tf.Tensor1D | undefined, who: string): tf.Tensor1D {
  if (!labels) throw new TypeError(`the conditional ${who} needs the samples' labels`);
  return labels;
}

/**
 * Builds a conditional pair from an architecture's `build`: G is the architecture's generator
 * for a latent code widened by `classes`, D its discriminator for samples widened by the label.
 * (Two base pairs are built and the unused halves disposed, so that each architecture stays
 * unaware of conditioning.)
 */
export function buildConditional(
  build: (options: unknown, context: BuildContext) => GanPair,
  options: unknown,
  context: BuildContext,
  classes: number,
): GanPair {
  const forG = build(options, { ...context, latentDim: context.latentDim + classes });
  const forD = build(options, {
    ...context,
    sampleShape: labelledShape(context.sampleShape, classes),
  });
  for (const v of [...forG.discriminator.variables, ...forD.generator.variables]) v.dispose();
  for (const v of [...forG.discriminator.state ?? [], ...forD.generator.state ?? []]) v.dispose();
  const sampleShape = context.sampleShape;
  return {
    classes,
    generator: {
      variables: forG.generator.variables,
      ...(forG.generator.state ? { state: forG.generator.state } : {}),
      latentDim: context.latentDim,
      generate(z, labels) {
        const oneHot = tf.cast(tf.oneHot(requireLabels(labels, "generator"), classes), "float32");
        return forG.generator.generate(tf.concat([z, oneHot], 1) as tf.Tensor2D);
      },
    },
    discriminator: {
      variables: forD.discriminator.variables,
      ...(forD.discriminator.afterStep ? { afterStep: () => forD.discriminator.afterStep!() } : {}),
      ...(forD.discriminator.state ? { state: forD.discriminator.state } : {}),
      discriminate(x, labels) {
        const input = appendLabels(x, requireLabels(labels, "discriminator"), classes);
        return forD.discriminator.discriminate(
          sampleShape.length === 3 ? input : tf.reshape(input, [x.shape[0], -1]),
        );
      },
    },
  };
}

/**
 * CycleGAN's networks (Zhu et al., ICCV 2017), sized for ganbench's data. For [28, 28, C] images:
 * a ResNet translator (a 7x7 convolution, stride-2 3x3 convolutions down, residual blocks, stride-2
 * 3x3 transposed convolutions up, a 7x7 convolution to tanh; instance norm without affine
 * parameters and ReLU after every hidden convolution, reflection padding around the 7x7 and
 * residual convolutions) and a PatchGAN discriminator (4x4 stride-2 convolutions with
 * LeakyReLU(0.2), instance norm from the second on, a 3x3 convolution to one score per patch:
 * 7x7 patches of 18x18 pixels). For 2-D points: MLP translators (ReLU) and discriminators
 * (LeakyReLU 0.2). Convolution weights ~ N(0, 0.02), as CycleGAN's `init_type normal`; the MLPs
 * are initialised as PyTorch's `nn.Linear`. Convolutions followed by instance norm have no bias
 * (the norm removes it, so it could never learn).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { Rng } from "../engine/rng.ts";
import { dense, type DenseWeights, denseWeights, leakyRelu, ownedVariable } from "./layers.ts";
import type { BuildContext, Discriminator } from "./network.ts";
import type { TranslationNetworks, Translator } from "./translation.ts";

/** Hidden layer widths of the point networks: 1 to 32 layers of 1 to 16,384 units. */
const HiddenWidths = z.array(z.int().positive().max(16_384)).min(1).max(32);

/** Options of the `cyclegan` architecture, as written in a suite. */
export const CycleganOptions = z.strictObject({
  /** The networks for [28, 28, C] images. */
  image: z.strictObject({
    generator: z.strictObject({
      /** Channels of the first convolution; each stride-2 step down doubles them. */
      base: z.int().positive().max(256).default(8),
      /** Stride-2 steps down (and up): 28 → 14, or 28 → 14 → 7. */
      downsamplings: z.int().min(1).max(2).default(2),
      /** Residual blocks at the smallest resolution. */
      blocks: z.int().min(0).max(16).default(3),
      /**
       * Padding of the stride-1 convolutions (the 7x7 ones and the residual blocks'): `reflect`,
       * CycleGAN's, or `zero`, which costs a third as much here (tfjs has no reflection padding
       * with a correct gradient, so it is built from slices: see {@linkcode reflectPad}).
       */
      padding: z.enum(["reflect", "zero"]).default("reflect"),
    }).prefault({}),
    discriminator: z.strictObject({
      /** Channels of the first convolution (twice as many in the second). */
      base: z.int().positive().max(512).default(16),
    }).prefault({}),
  }).prefault({}),
  /** The networks for 2-D (or any vector) points. */
  points: z.strictObject({
    generator: z.strictObject({ hidden: HiddenWidths.default([64, 64]) }).prefault({}),
    discriminator: z.strictObject({ hidden: HiddenWidths.default([64, 64]) }).prefault({}),
  }).prefault({}),
});
/** Parsed options of the `cyclegan` architecture. */
export type CycleganOptions = z.infer<typeof CycleganOptions>;

/** Why `cyclegan` cannot take samples of `shape`, or undefined when it can. */
export function cycleganUnsupportedReason(shape: number[]): string | undefined {
  const image = shape.length === 3 && shape[0] === 28 && shape[1] === 28;
  return image || shape.length === 1
    ? undefined
    : `it needs [28, 28, C] images or vectors, got shape [${shape.join(", ")}]`;
}

/** Builds CycleGAN's G, F, D_A and D_B (in that order from `context.rng`). */
export function buildCyclegan(
  options: CycleganOptions,
  context: Pick<BuildContext, "sampleShape" | "rng">,
): TranslationNetworks {
  const reason = cycleganUnsupportedReason(context.sampleShape);
  if (reason) throw new TypeError(`the cyclegan architecture: ${reason}`);
  const { sampleShape, rng } = context;
  if (sampleShape.length === 1) {
    const { generator, discriminator } = options.points;
    return {
      forward: pointTranslator(sampleShape[0], generator.hidden, rng),
      backward: pointTranslator(sampleShape[0], generator.hidden, rng),
      discriminatorA: pointDiscriminator(sampleShape[0], discriminator.hidden, rng),
      discriminatorB: pointDiscriminator(sampleShape[0], discriminator.hidden, rng),
    };
  }
  const { generator, discriminator } = options.image;
  const channels = sampleShape[2];
  return {
    forward: resnetTranslator(channels, generator, rng),
    backward: resnetTranslator(channels, generator, rng),
    discriminatorA: patchDiscriminator(channels, discriminator.base, rng),
    discriminatorB: patchDiscriminator(channels, discriminator.base, rng),
  };
}

/** A dense stack `sizes[0] → … → sizes.at(-1)`, initialised as `nn.Linear`. */
function denseStack(sizes: number[], rng: Rng): DenseWeights[] {
  return sizes.slice(1).map((fanOut, i) => denseWeights(sizes[i], fanOut, rng));
}

function pointTranslator(dim: number, hidden: number[], rng: Rng): Translator {
  const layers = denseStack([dim, ...hidden, dim], rng);
  return {
    variables: layers.flatMap((l) => [l.kernel, l.bias]),
    translate(x) {
      let h = tf.reshape(x, [-1, dim]) as tf.Tensor2D;
      layers.forEach((layer, i) => {
        h = dense(h, layer, i === layers.length - 1 ? "linear" : "relu");
      });
      return h;
    },
  };
}

function pointDiscriminator(dim: number, hidden: number[], rng: Rng): Discriminator {
  const layers = denseStack([dim, ...hidden, 1], rng);
  return {
    variables: layers.flatMap((l) => [l.kernel, l.bias]),
    discriminate(x) {
      let h = tf.reshape(x, [-1, dim]) as tf.Tensor2D;
      for (const layer of layers.slice(0, -1)) h = dense(h, layer, "leaky-relu");
      return { logits: dense(h, layers[layers.length - 1]), features: h };
    },
  };
}

/** A convolution kernel `[size, size, inChannels, outChannels]` ~ N(0, 0.02). */
function kernel(rng: Rng, size: number, inChannels: number, outChannels: number): tf.Variable {
  const shape = [size, size, inChannels, outChannels];
  return ownedVariable(tf.tensor(rng.normals(size * size * inChannels * outChannels, 0.02), shape));
}

/**
 * Instance norm without affine parameters (CycleGAN's `InstanceNorm2d(affine=False)`): each
 * sample's each channel scaled to mean 0 and variance 1 over its pixels, eps 1e-5.
 */
export function instanceNorm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
}

/**
 * Reflection padding of `p` pixels on each side of an NHWC batch (PyTorch's
 * `ReflectionPad2d(p)`), from slices, reversals and concatenations: tfjs' own `mirrorPad` pads
 * the same values, but its gradient only slices the padding off, dropping what the reflected
 * pixels contribute, so the translator would train on a wrong gradient at every border.
 */
export function reflectPad(x: tf.Tensor4D, p: number): tf.Tensor4D {
  const padAxis = (t: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
    const length = t.shape[axis];
    const part = (start: number) => {
      const begin = [0, 0, 0, 0], size = [-1, -1, -1, -1];
      begin[axis] = start;
      size[axis] = p;
      return tf.reverse(tf.slice(t, begin, size), axis);
    };
    return tf.concat([part(1), t, part(length - 1 - p)], axis);
  };
  return padAxis(padAxis(x, 1), 2);
}

/** A stride-1 convolution that keeps the size (`size` odd), with reflection or zero padding. */
function paddedConv(
  x: tf.Tensor4D,
  weights: tf.Variable,
  size: number,
  padding: "reflect" | "zero",
): tf.Tensor4D {
  return padding === "reflect"
    ? tf.conv2d(reflectPad(x, (size - 1) / 2), weights as tf.Tensor4D, 1, "valid")
    : tf.conv2d(x, weights as tf.Tensor4D, 1, "same");
}

function resnetTranslator(
  channels: number,
  options: CycleganOptions["image"]["generator"],
  rng: Rng,
): Translator {
  const { base, downsamplings, blocks, padding } = options;
  const conv = (x: tf.Tensor4D, weights: tf.Variable, size: number) =>
    paddedConv(x, weights, size, padding);
  const widths = Array.from({ length: downsamplings + 1 }, (_, i) => base * 2 ** i);
  const inner = widths[downsamplings];
  const first = kernel(rng, 7, channels, base);
  const down = widths.slice(1).map((width, i) => kernel(rng, 3, widths[i], width));
  const residual = Array.from({ length: blocks }, () => [
    kernel(rng, 3, inner, inner),
    kernel(rng, 3, inner, inner),
  ]);
  // Transposed kernels are [size, size, outChannels, inChannels].
  const up = widths.slice(0, -1).map((width, i) => kernel(rng, 3, width, widths[i + 1])).reverse();
  const last = kernel(rng, 7, base, channels);
  const lastBias = ownedVariable(tf.zeros([channels]));
  return {
    variables: [first, ...down, ...residual.flat(), ...up, last, lastBias],
    translate(x) {
      const n = x.shape[0];
      let h = tf.relu(instanceNorm(conv(x as tf.Tensor4D, first, 7)));
      for (const w of down) h = tf.relu(instanceNorm(tf.conv2d(h, w as tf.Tensor4D, 2, "same")));
      for (const [w1, w2] of residual) {
        const branch = tf.relu(instanceNorm(conv(h, w1, 3)));
        h = tf.add(h, instanceNorm(conv(branch, w2, 3)));
      }
      for (const w of up) {
        const [, height, width] = h.shape;
        const outChannels = w.shape[2]!;
        h = tf.conv2dTranspose(
          h,
          w as tf.Tensor4D,
          [n, 2 * height, 2 * width, outChannels],
          2,
          "same",
        );
        h = tf.relu(instanceNorm(h));
      }
      return tf.tanh(tf.add(conv(h, last, 7), lastBias));
    },
  };
}

function patchDiscriminator(channels: number, base: number, rng: Rng): Discriminator {
  const conv1 = kernel(rng, 4, channels, base);
  const bias1 = ownedVariable(tf.zeros([base]));
  const conv2 = kernel(rng, 4, base, 2 * base);
  const out = kernel(rng, 3, 2 * base, 1);
  const outBias = ownedVariable(tf.zeros([1]));
  return {
    variables: [conv1, bias1, conv2, out, outBias],
    /**
     * One score per 18x18 patch: logits are `[n · 49, 1]` (the losses average over them, as
     * PatchGAN's over its score map), features the 7x7 maps before the scores, flattened.
     */
    discriminate(x) {
      const n = x.shape[0];
      let h = leakyRelu(
        tf.add(tf.conv2d(x as tf.Tensor4D, conv1 as tf.Tensor4D, 2, "same"), bias1),
      );
      h = leakyRelu(instanceNorm(tf.conv2d(h as tf.Tensor4D, conv2 as tf.Tensor4D, 2, "same")));
      const scores = tf.add(tf.conv2d(h as tf.Tensor4D, out as tf.Tensor4D, 1, "same"), outBias);
      return {
        logits: tf.reshape(scores, [-1, 1]) as tf.Tensor2D,
        features: tf.reshape(h, [n, -1]) as tf.Tensor2D,
      };
    },
  };
}

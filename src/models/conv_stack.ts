/**
 * The two halves the 32x32 architectures (`dcgan32`, `sndcgan`) are made of, as compare_gan
 * writes them: a generator that maps z through a dense layer to small maps, then stride-2
 * transposed convolutions with batch norm and ReLU, and a tanh output; and a discriminator of
 * convolutions with LeakyReLU, the discriminator's normalisation (see normalisation.ts) and a
 * dense output. Every layer has a bias, every weight is drawn from N(0, 0.02²) and every batch-norm
 * scale from N(1, 0.02²) (DCGAN's initialisation); batch norm uses the batch's statistics.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../engine/rng.ts";
import { batchNormWeights, normal } from "./dcgan.ts";
import { dense, leakyRelu, ownedVariable } from "./layers.ts";
import type { Discriminator, Generator } from "./network.ts";
import { batchNorm, discriminatorNormaliser, type Normalisation } from "./normalisation.ts";

/** One convolution of a stack: square kernel, stride, output channels. */
export interface ConvLayer {
  kernel: number;
  stride: 1 | 2;
  channels: number;
}

/** A generator: dense → `start` maps, then `layers` (stride 2: transposed convolutions). */
export interface GeneratorSpec {
  latentDim: number;
  /** The maps the dense layer is reshaped to: `[height, width, channels]`. */
  start: [number, number, number];
  /** Transposed convolutions (stride 2) with batch norm and ReLU, in order. */
  upsampling: ConvLayer[];
  /** The output layer: a transposed convolution (stride 2) or a convolution (stride 1), then tanh. */
  output: { kernel: number; stride: 1 | 2 };
  /** Channels of the samples. */
  channels: number;
}

/** Builds a generator from `spec`, drawing its weights from `rng` in layer order. */
export function convGenerator(spec: GeneratorSpec, rng: Rng): Generator {
  const [h0, w0, c0] = spec.start;
  const denseKernel = normal(rng, [spec.latentDim, h0 * w0 * c0]);
  const denseBias = ownedVariable(tf.zeros([h0 * w0 * c0]));
  const bn0 = batchNormWeights(c0, rng);
  let channels = c0;
  const ups = spec.upsampling.map((layer) => {
    const kernel = normal(rng, [layer.kernel, layer.kernel, layer.channels, channels]);
    const bias = ownedVariable(tf.zeros([layer.channels]));
    channels = layer.channels;
    return { layer, kernel, bias, bn: batchNormWeights(layer.channels, rng) };
  });
  const { output } = spec;
  const outKernel = output.stride === 2
    ? normal(rng, [output.kernel, output.kernel, spec.channels, channels])
    : normal(rng, [output.kernel, output.kernel, channels, spec.channels]);
  const outBias = ownedVariable(tf.zeros([spec.channels]));
  return {
    variables: [
      denseKernel,
      denseBias,
      bn0.scale,
      bn0.offset,
      ...ups.flatMap((u) => [u.kernel, u.bias, u.bn.scale, u.bn.offset]),
      outKernel,
      outBias,
    ],
    latentDim: spec.latentDim,
    generate(latent) {
      const n = latent.shape[0];
      let h: tf.Tensor = dense(latent, { kernel: denseKernel, bias: denseBias });
      h = tf.relu(batchNorm(tf.reshape(h, [n, h0, w0, c0]), bn0));
      let [height, width] = [h0, w0];
      for (const up of ups) {
        [height, width] = [2 * height, 2 * width];
        h = tf.conv2dTranspose(
          h as tf.Tensor4D,
          up.kernel as tf.Tensor4D,
          [n, height, width, up.layer.channels],
          2,
          "same",
        );
        h = tf.relu(batchNorm(tf.add(h, up.bias), up.bn));
      }
      h = output.stride === 2
        ? tf.conv2dTranspose(
          h as tf.Tensor4D,
          outKernel as tf.Tensor4D,
          [n, 2 * height, 2 * width, spec.channels],
          2,
          "same",
        )
        : tf.conv2d(h as tf.Tensor4D, outKernel as tf.Tensor4D, 1, "same");
      return tf.tanh(tf.add(h, outBias));
    },
  };
}

/** A discriminator: `layers` of convolutions ('same' padding), then a dense output. */
export interface DiscriminatorSpec {
  /** `[height, width, channels]` of the samples. */
  sampleShape: number[];
  layers: ConvLayer[];
  /** LeakyReLU's slope. */
  slope: number;
  normalisation: Normalisation;
  /** Output units (1; a VAE's encoder needs 2 · latent). */
  outputs: number;
}

/**
 * Builds a discriminator from `spec`, drawing its weights from `rng` in layer order; batch or
 * layer norm follows every convolution but the first, spectral normalisation (drawing from
 * `rng`'s `spectral` stream) applies to every weight.
 */
export function convDiscriminator(spec: DiscriminatorSpec, rng: Rng): Discriminator {
  const norm = discriminatorNormaliser(spec.normalisation, rng.stream("spectral"));
  let [height, width, channels] = spec.sampleShape;
  const convs = spec.layers.map((layer, i) => {
    const kernel = normal(rng, [layer.kernel, layer.kernel, channels, layer.channels]);
    const bias = ownedVariable(tf.zeros([layer.channels]));
    const hidden = i === 0
      ? undefined
      : norm.hidden(layer.channels, (c) => normal(rng, [c], 0.02, 1));
    channels = layer.channels;
    [height, width] = [Math.ceil(height / layer.stride), Math.ceil(width / layer.stride)];
    return { layer, kernel, bias, hidden, weight: norm.weight(kernel) };
  });
  const features = height * width * channels;
  const outKernel = normal(rng, [features, spec.outputs]);
  const outBias = ownedVariable(tf.zeros([spec.outputs]));
  const outWeight = norm.weight(outKernel);
  return {
    variables: [
      ...convs.flatMap((c) => [c.kernel, c.bias, ...(c.hidden?.variables ?? [])]),
      outKernel,
      outBias,
    ],
    ...norm.hooks(),
    discriminate(x) {
      const n = x.shape[0];
      let h = x;
      for (const c of convs) {
        h = tf.add(
          tf.conv2d(h as tf.Tensor4D, c.weight() as tf.Tensor4D, c.layer.stride, "same"),
          c.bias,
        );
        h = leakyRelu(c.hidden ? c.hidden.apply(h) : h, spec.slope);
      }
      const flat = tf.reshape(h, [n, features]) as tf.Tensor2D;
      return { logits: dense(flat, { kernel: outWeight(), bias: outBias }), features: flat };
    },
  };
}

/** Why a 32x32 architecture cannot take samples of `shape`, or undefined. */
export function needs32(shape: number[]): string | undefined {
  return shape.length === 3 && shape[0] === 32 && shape[1] === 32
    ? undefined
    : `it needs [32, 32, C] samples, got shape [${shape.join(", ")}]`;
}

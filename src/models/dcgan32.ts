/**
 * DCGAN for 32x32 images (Radford et al. 2016), as compare_gan's `dcgan` architecture builds it for
 * CIFAR-10 (Kurach et al. 2019): G maps z through a dense layer to 2x2 maps of 8·base channels
 * (batch norm, ReLU), then four 5x5 stride-2 transposed convolutions to 4·base, 2·base, base
 * channels (each with batch norm and ReLU) and the image (tanh); D has four 5x5 stride-2
 * convolutions of base, 2·base, 4·base and 8·base channels with LeakyReLU(0.2), the
 * discriminator's normalisation on all but the first (batch norm by default, as DCGAN), and a
 * dense output. compare_gan's G ends in a sigmoid for its [0, 1] images; ganbench's images are in
 * [−1, 1], hence tanh.
 *
 * @module
 */
import { convDiscriminator, convGenerator, needs32 } from "./conv_stack.ts";
import { DcganOptions } from "./dcgan.ts";
import type { BuildContext, GanPair } from "./network.ts";

/** Options of the `dcgan32` architecture: dcgan's (the widths' base, D's normalisation). */
export const Dcgan32Options = DcganOptions;
/** Parsed options of the `dcgan32` architecture. */
export type Dcgan32Options = DcganOptions;

/** Builds the DCGAN pair for [32, 32, C] samples. */
export function buildDcgan32(options: Dcgan32Options, context: BuildContext): GanPair {
  const reason = needs32(context.sampleShape);
  if (reason) throw new TypeError(`the dcgan32 architecture: ${reason}`);
  const channels = context.sampleShape[2];
  const g = options.generator.base, d = options.discriminator.base;
  const generator = convGenerator({
    latentDim: context.latentDim,
    start: [2, 2, 8 * g],
    upsampling: [4 * g, 2 * g, g].map((c) => ({ kernel: 5, stride: 2 as const, channels: c })),
    output: { kernel: 5, stride: 2 },
    channels,
  }, context.rng);
  const discriminator = convDiscriminator({
    sampleShape: context.sampleShape,
    layers: [d, 2 * d, 4 * d, 8 * d].map((c) => ({ kernel: 5, stride: 2 as const, channels: c })),
    slope: 0.2,
    normalisation: options.discriminator.normalisation ?? "batch",
    outputs: context.outputs ?? 1,
  }, context.rng);
  return { generator, discriminator };
}

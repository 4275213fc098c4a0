/**
 * SNDCGAN, the "standard CNN" of Miyato et al. 2018 (spectral normalisation), as compare_gan's
 * `sndcgan` architecture and the authors' code build it: G maps z through a dense layer to 4x4
 * maps of 8·base channels (batch norm, ReLU), three 4x4 stride-2 transposed convolutions to
 * 4·base, 2·base and base channels (batch norm, ReLU), and a 3x3 stride-1 convolution to the
 * image (tanh); D has seven convolutions, alternating 3x3 stride 1 and 4x4 stride 2, of base,
 * 2·base, 2·base, 4·base, 4·base, 8·base and 8·base channels with LeakyReLU(0.1), and a dense
 * output. With base 64 (the default) these are the published widths: 512, 256, 128, 64 in G and
 * 64, 128, 128, 256, 256, 512, 512 in D (the paper's Table 3 prints 64, 64, 128, 128, 256, 256,
 * 512 for D; its code and compare_gan use the widths here). D has no normalisation by default: a
 * variant or the suite chooses it (`sngan` brings spectral normalisation).
 *
 * @module
 */
import { convDiscriminator, convGenerator, needs32 } from "./conv_stack.ts";
import { DcganOptions } from "./dcgan.ts";
import type { BuildContext, GanPair } from "./network.ts";

/** Options of the `sndcgan` architecture: dcgan's (the widths' base, D's normalisation). */
export const SndcganOptions = DcganOptions;
/** Parsed options of the `sndcgan` architecture. */
export type SndcganOptions = DcganOptions;

/** Builds the SNDCGAN pair for [32, 32, C] samples. */
export function buildSndcgan(options: SndcganOptions, context: BuildContext): GanPair {
  const reason = needs32(context.sampleShape);
  if (reason) throw new TypeError(`the sndcgan architecture: ${reason}`);
  const g = options.generator.base, d = options.discriminator.base;
  const generator = convGenerator({
    latentDim: context.latentDim,
    start: [4, 4, 8 * g],
    upsampling: [4 * g, 2 * g, g].map((c) => ({ kernel: 4, stride: 2 as const, channels: c })),
    output: { kernel: 3, stride: 1 },
    channels: context.sampleShape[2],
  }, context.rng);
  const widths = [d, 2 * d, 2 * d, 4 * d, 4 * d, 8 * d, 8 * d];
  const discriminator = convDiscriminator({
    sampleShape: context.sampleShape,
    layers: widths.map((channels, i) => ({
      kernel: i % 2 === 0 ? 3 : 4,
      stride: i % 2 === 0 ? 1 : 2,
      channels,
    })),
    slope: 0.1,
    normalisation: options.discriminator.normalisation ?? "none",
    outputs: context.outputs ?? 1,
  }, context.rng);
  return { generator, discriminator };
}

/**
 * The architecture registry: each entry validates its own suite options and builds a G/D pair, or
 * (a translation architecture) two translators and their discriminators.
 *
 * @module
 */
import type { z } from "zod";
import { Registry } from "../registry.ts";
import { buildCyclegan, CycleganOptions, cycleganUnsupportedReason } from "./cyclegan.ts";
import { needs32 } from "./conv_stack.ts";
import { buildDcgan, DcganOptions } from "./dcgan.ts";
import { buildDcgan32, Dcgan32Options } from "./dcgan32.ts";
import { buildDirac, DiracOptions } from "./dirac.ts";
import { buildMlp, MlpOptions } from "./mlp.ts";
import { buildPacgan, PacganOptions, pacganUnsupportedReason } from "./pacgan.ts";
import { buildReluMlp, ReluMlpOptions } from "./relu_mlp.ts";
import { buildSndcgan, SndcganOptions } from "./sndcgan.ts";
import type { BuildContext, GanPair } from "./network.ts";
import type { TranslationNetworks } from "./translation.ts";

export type {
  BuildContext,
  Discriminator,
  DiscriminatorOutput,
  GanPair,
  Generator,
} from "./network.ts";
export { disposePair } from "./network.ts";
export { generateSamples } from "./generate.ts";
export type { TranslationNetworks, TranslationOutputs, Translator } from "./translation.ts";
export {
  disposeTranslation,
  translateSamples,
  translationOutputs,
  translationVariables,
} from "./translation.ts";

/** What every architecture declares: its option schema and the sample shapes it takes. */
interface ArchitectureBase {
  description: string;
  // deno-lint-ignore no-explicit-any
  options: z.ZodType<any>;
  /**
   * Why the architecture cannot build its networks for samples of `sampleShape` with a
   * discriminator of `discriminatorOutputs` units (a trainer's need), or undefined when it can;
   * checked for every cell before any cell starts.
   */
  unsupportedReason?(sampleShape: number[], discriminatorOutputs: number): string | undefined;
}

/** An architecture of one latent-code generator and its discriminator (mlp, dcgan, dirac). */
export interface PairArchitecture extends ArchitectureBase {
  /** What it builds: a generator/discriminator pair (the default). */
  networks?: "pair";
  // deno-lint-ignore no-explicit-any
  build(options: any, context: BuildContext): GanPair;
}

/**
 * An architecture of two translators between domains A and B and a discriminator per domain
 * (cyclegan), which translation trainers train.
 */
export interface TranslationArchitecture extends ArchitectureBase {
  networks: "translation";
  // deno-lint-ignore no-explicit-any
  build(options: any, context: Pick<BuildContext, "sampleShape" | "rng">): TranslationNetworks;
}

/** An architecture: its option schema and its builder. */
export type Architecture = PairArchitecture | TranslationArchitecture;

/** Every architecture a suite may name. */
export const ARCHITECTURES: Registry<Architecture> = new Registry<Architecture>("architecture");
ARCHITECTURES.register("mlp", {
  description: "MLP G (ReLU) and D (LeakyReLU 0.2)",
  options: MlpOptions,
  build: buildMlp,
});
ARCHITECTURES.register("dirac", {
  description: "Dirac-GAN: G(z) = θ, D(x) = ψ·x, starting at (θ, ψ) = (1, 1)",
  options: DiracOptions,
  build: buildDirac,
  unsupportedReason: (shape, outputs) =>
    shape.length !== 1 || shape[0] !== 1
      ? `it needs 1-D samples, got shape [${shape.join(", ")}]`
      : outputs !== 1
      ? `its discriminator has 1 output, the trainer needs ${outputs}`
      : undefined,
});
ARCHITECTURES.register("dcgan", {
  description:
    "DCGAN for 28x28: transposed convolutions + batch norm + ReLU, tanh; strided convolutions + LeakyReLU",
  options: DcganOptions,
  build: buildDcgan,
  unsupportedReason: (shape) =>
    shape.length === 3 && shape[0] === 28 && shape[1] === 28
      ? undefined
      : `it needs [28, 28, C] samples, got shape [${shape.join(", ")}]`,
});
// The 32x32 networks of compare_gan's CIFAR-10 study (dcgan32.ts, sndcgan.ts).
ARCHITECTURES.register("dcgan32", {
  description:
    "DCGAN for 32x32 (compare_gan's): 5x5 stride-2 transposed convolutions + batch norm + ReLU, tanh; 5x5 stride-2 convolutions + LeakyReLU, batch norm",
  options: Dcgan32Options,
  build: buildDcgan32,
  unsupportedReason: needs32,
});
ARCHITECTURES.register("sndcgan", {
  description:
    "SNDCGAN, the 'standard CNN' of Miyato et al. 2018 for 32x32: 4x4 transposed convolutions + batch norm; 7 convolutions + LeakyReLU(0.1)",
  options: SndcganOptions,
  build: buildSndcgan,
  unsupportedReason: needs32,
});
ARCHITECTURES.register("cyclegan", {
  description:
    "CycleGAN's G: A→B, F: B→A, D_A, D_B: ResNet translators (instance norm) and 18x18 PatchGAN discriminators for 28x28 images, MLPs for points",
  networks: "translation",
  options: CycleganOptions,
  build: buildCyclegan,
  unsupportedReason: (shape) => cycleganUnsupportedReason(shape),
});
// The replication suites' networks (pacgan.ts, relu_mlp.ts).
ARCHITECTURES.register("pacgan", {
  description:
    "PacGAN's networks: G 4x400 (linear, batch norm with running averages, ReLU); D 3 maxout layers of 200x5 over `pack` samples side by side",
  options: PacganOptions,
  build: buildPacgan,
  unsupportedReason: pacganUnsupportedReason,
});
ARCHITECTURES.register("relu-mlp", {
  description:
    "WGAN-GP's toy networks: G and D with ReLU hidden layers (3x512), linear outputs, tflib's initialisation (He, Glorot)",
  options: ReluMlpOptions,
  build: buildReluMlp,
});

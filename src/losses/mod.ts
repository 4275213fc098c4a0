/**
 * Registries of losses, regularisers and variants. A variant is a loss, its regularisers and the
 * hyper-parameters its paper prescribes (data, validated by the schema of variant.ts); adding one
 * is one `VARIANTS.register` call.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { TRAINERS } from "../train/mod.ts";
import {
  featureMatchingLoss,
  hingeLoss,
  leastSquaresLoss,
  minimaxLoss,
  nonSaturatingLoss,
  wassersteinLoss,
} from "./gan_losses.ts";
import type { GanLoss } from "./loss.ts";
import {
  gradientPenalty,
  instanceNoise,
  r1Penalty,
  r2Penalty,
  type Regulariser,
  weightClipping,
} from "./regularisers.ts";
import { DEFAULT_TRAINER, VariantRegistry } from "./variant.ts";

export type { GanLoss } from "./loss.ts";
export type { PenaltyContext, Regulariser } from "./regularisers.ts";
export {
  DEFAULT_HYPER,
  DEFAULT_TRAINER,
  Hyper,
  HyperOverrides,
  RegulariserStrengths,
  trainerOptionsProblem,
  type Variant,
  VariantRegistry,
  VariantSchema,
  variantSchema,
} from "./variant.ts";

/** Every GAN objective. */
export const LOSSES: Registry<GanLoss> = new Registry<GanLoss>("loss");
LOSSES.register("minimax", minimaxLoss);
LOSSES.register("non-saturating", nonSaturatingLoss);
LOSSES.register("least-squares", leastSquaresLoss);
LOSSES.register("wasserstein", wassersteinLoss);
LOSSES.register("hinge", hingeLoss);
LOSSES.register("feature-matching", featureMatchingLoss);

/** Every discriminator regulariser. */
export const REGULARISERS: Registry<Regulariser> = new Registry<Regulariser>("regulariser");
REGULARISERS.register("gradient-penalty", gradientPenalty);
REGULARISERS.register("weight-clip", weightClipping);
REGULARISERS.register("r1", r1Penalty);
REGULARISERS.register("r2", r2Penalty);
REGULARISERS.register("instance-noise", instanceNoise);

/**
 * Objectives that trainers compute themselves, by trainer: a variant of such a trainer names the
 * objective as its loss and trains with no entry of {@linkcode LOSSES}.
 */
export const TRAINER_OBJECTIVES: Readonly<Record<string, string>> = { vae: "elbo" };

/**
 * The GAN loss a cell of `trainer` trains with: the registered loss `loss`, or undefined when
 * `loss` is the trainer's own objective (the VAE's `elbo`).
 *
 * @throws {UnknownNameError} when `loss` is neither
 */
export function ganLossOf(loss: string, trainer: string = DEFAULT_TRAINER): GanLoss | undefined {
  return TRAINER_OBJECTIVES[trainer] === loss ? undefined : LOSSES.get(loss);
}

/** Every variant a suite may name; each is validated as it is registered. */
export const VARIANTS: VariantRegistry = new VariantRegistry({
  losses: LOSSES,
  regularisers: REGULARISERS,
  trainers: TRAINERS,
  trainerObjectives: TRAINER_OBJECTIVES,
});
VARIANTS.register("gan", {
  description: "original minimax GAN (saturating G loss)",
  loss: "minimax",
  regularisers: {},
  defaults: {},
});
VARIANTS.register("nsgan", {
  description: "non-saturating GAN",
  loss: "non-saturating",
  regularisers: {},
  defaults: {},
});
VARIANTS.register("lsgan", {
  description: "least-squares GAN",
  loss: "least-squares",
  regularisers: {},
  defaults: {},
});
VARIANTS.register("wgan", {
  description: "WGAN: weight clipping 0.01, k=5, RMSprop 5e-5 (Arjovsky et al. 2017)",
  loss: "wasserstein",
  regularisers: { "weight-clip": 0.01 },
  defaults: { k: 5, optimizer: "rmsprop", lrG: 5e-5, lrD: 5e-5 },
});
VARIANTS.register("wgan-gp", {
  description: "WGAN-GP: λ=10, k=5, Adam β=(0, 0.9) (Gulrajani et al. 2017)",
  loss: "wasserstein",
  regularisers: { "gradient-penalty": 10 },
  defaults: { k: 5, beta1: 0, beta2: 0.9 },
});
VARIANTS.register("fm", {
  description: "feature matching on D's penultimate layer (Salimans et al. 2016)",
  loss: "feature-matching",
  regularisers: {},
  defaults: {},
});
VARIANTS.register("hinge", {
  description: "hinge loss",
  loss: "hinge",
  regularisers: {},
  defaults: {},
});
VARIANTS.register("sngan", {
  description:
    "SN-GAN: hinge loss, spectral normalisation of every weight of D, one power iteration per D step (Miyato et al. 2018)",
  loss: "hinge",
  regularisers: {},
  defaults: {},
  normalisation: "spectral",
});
VARIANTS.register("cgan", {
  description:
    "class-conditional GAN: one-hot label appended to G's code and to D's input (Mirza & Osindero 2014), non-saturating loss",
  loss: "non-saturating",
  regularisers: {},
  defaults: {},
  conditional: true,
});
VARIANTS.register("vae", {
  description:
    "VAE baseline (Kingma & Welling 2014): D's network as encoder, G's as decoder, Bernoulli likelihood, sampled from the prior",
  loss: "elbo",
  regularisers: {},
  defaults: {},
  trainer: "vae",
});
VARIANTS.register("cyclegan", {
  description:
    "CycleGAN (Zhu et al. 2017): least squares, λ_cyc = 10, identity 5, history pool of 50, Adam 2e-4 β1 = 0.5, linear decay over the second half",
  loss: "least-squares",
  regularisers: {},
  defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, optimizer: "adam", k: 1 },
  trainer: "cyclegan",
  // ganbench's least-squares G loss is ½(D − 1)², CycleGAN's (D − 1)²: 2 restores its balance.
  trainerOptions: { adversarialWeight: 2 },
});
VARIANTS.register("cyclegan-nsgan", {
  description: "CycleGAN with the non-saturating adversarial loss in place of least squares",
  loss: "non-saturating",
  regularisers: {},
  defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, optimizer: "adam", k: 1 },
  trainer: "cyclegan",
});
VARIANTS.register("pacgan", {
  description:
    "PacGAN (Lin et al. 2018): non-saturating loss, D and G updated together (the `pacgan` trainer); D scores `pack` samples at once (the pacgan architecture's option; 1 is the plain GAN)",
  loss: "non-saturating",
  regularisers: {},
  defaults: { k: 1, scheme: "simultaneous" },
  trainer: "pacgan",
});

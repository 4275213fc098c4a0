/**
 * Registries of losses, regularisers and variants. A variant is a loss, its regularisers and the
 * hyper-parameters its paper prescribes; adding one is one `VARIANTS.register` call.
 *
 * @module
 */
import { z } from "zod";
import { Registry } from "../registry.ts";
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

export type { GanLoss } from "./loss.ts";
export type { PenaltyContext, Regulariser } from "./regularisers.ts";

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

/** Optimisation hyper-parameters of a cell. */
export const Hyper = z.strictObject({
  /** Discriminator steps per generator step. */
  k: z.int().min(1),
  /** `alternating`: D steps, then G against the updated D; `simultaneous`: the last D step and the
   * G step take their gradients at the same point. */
  scheme: z.enum(["alternating", "simultaneous"]),
  optimizer: z.enum(["adam", "rmsprop", "sgd"]),
  lrG: z.number().positive(),
  lrD: z.number().positive(),
  beta1: z.number().min(0).max(1),
  beta2: z.number().min(0).lt(1),
});
/** Optimisation hyper-parameters of a cell. */
export type Hyper = z.infer<typeof Hyper>;

/** What a suite profile defaults to: one alternating D step, Adam with DCGAN's β = (0.5, 0.999). */
export const DEFAULT_HYPER: Hyper = {
  k: 1,
  scheme: "alternating",
  optimizer: "adam",
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
};

/** A named GAN variant: objective, regularisers with strengths, and paper defaults. */
export interface Variant {
  description: string;
  loss: string;
  regularisers: Record<string, number>;
  /** Hyper-parameters the method prescribes; they win over the suite profile's defaults. */
  defaults: Partial<Hyper>;
  /** The trainer that runs it (see src/train/mod.ts); default `gan`. */
  trainer?: string;
  /** Whether G and D are conditioned on the class label (needs labelled data). */
  conditional?: boolean;
}

/** Every variant a suite may name. */
export const VARIANTS: Registry<Variant> = new Registry<Variant>("variant");
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

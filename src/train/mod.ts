/**
 * The trainer registry: how a variant's networks are trained. `gan` is the adversarial loop
 * (k D steps per G step); `vae` trains the pair as an encoder/decoder on the ELBO; `cyclegan`
 * trains two translators and two discriminators between the domains of a translation dataset.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { train } from "./train.ts";
import type { Trainer } from "./trainer.ts";
import { trainVae } from "./train_vae.ts";
import { trainPacgan } from "./train_pacgan.ts";
import { CycleganTrainerOptions, trainCyclegan } from "./train_cyclegan.ts";

export type {
  Budget,
  CurvePoint,
  EvalPoint,
  NetworkPoint,
  PairTrainer,
  Progress,
  Trainer,
  TrainOptions,
  TrainOutcome,
  TrainStatus,
  TranslationTrainer,
  TranslationTrainOptions,
  WeightedRegulariser,
} from "./trainer.ts";

/** Every trainer a variant may name. */
export const TRAINERS: Registry<Trainer> = new Registry<Trainer>("trainer");
TRAINERS.register("gan", { description: "adversarial training, k D steps per G step", train });
TRAINERS.register("vae", {
  description: "negative-ELBO training with the discriminator network as encoder",
  discriminatorOutputs: (latentDim) => 2 * latentDim,
  train: trainVae,
});
TRAINERS.register("cyclegan", {
  description:
    "CycleGAN: translators G: A→B and F: B→A against D_B and D_A, with cycle-consistency and identity losses and a history pool",
  networks: "translation",
  options: CycleganTrainerOptions,
  unsupportedReason: (dataset) =>
    dataset.translation
      ? undefined
      : `dataset '${dataset.name}' has no second domain to translate to (a translation dataset has one)`,
  train: trainCyclegan,
});
TRAINERS.register("pacgan", {
  description:
    "PacGAN's joint step (ALI's algorithm): D and G updated together from one batch of packed real and generated samples",
  train: trainPacgan,
});

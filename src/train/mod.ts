/**
 * The trainer registry: how a variant's networks are trained. `gan` is the adversarial loop
 * (k D steps per G step); `vae` trains the pair as an encoder/decoder on the ELBO.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { train, type TrainOptions, type TrainOutcome } from "./train.ts";
import { trainVae } from "./train_vae.ts";

/** A trainer and what its pair must provide. */
export interface Trainer {
  description: string;
  /** Output units the pair's discriminator needs, given the latent width (default 1). */
  discriminatorOutputs?(latentDim: number): number;
  train(options: TrainOptions): Promise<TrainOutcome>;
}

/** Every trainer a variant may name. */
export const TRAINERS: Registry<Trainer> = new Registry<Trainer>("trainer");
TRAINERS.register("gan", { description: "adversarial training, k D steps per G step", train });
TRAINERS.register("vae", {
  description: "negative-ELBO training with the discriminator network as encoder",
  discriminatorOutputs: (latentDim) => 2 * latentDim,
  train: trainVae,
});

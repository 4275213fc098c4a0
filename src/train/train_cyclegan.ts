/**
 * CycleGAN's trainer (Zhu et al., ICCV 2017): per step, one joint update of the translators G and
 * F on their adversarial, cycle-consistency and identity losses, then one joint update of the
 * discriminators D_A and D_B on real samples against translations drawn through a history pool
 * of the last 50 per domain, in that order (as the authors' code). The learning rates stay
 * constant for the first half of the budget and then fall linearly towards 0. Built from the
 * step pieces every trainer shares (`trainer.ts`) and driven by the shared loop (`loop.ts`).
 *
 * The curves log the translators' joint objective as `lossG` and the discriminators' as `lossD`,
 * and each network's own loss and gradient norm under `networks` (`G`, `F`, `D_A`, `D_B`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { sampleSize } from "../data/dataset.ts";
import { UserError } from "../errors.ts";
import {
  type CycleWeights,
  discriminatorLosses,
  translatorLosses,
} from "../losses/cycle_losses.ts";
import { HistoryPool } from "./history_pool.ts";
import { runTrainingLoop, type StepReport } from "./loop.ts";
import type { Optimizer } from "./optimizers.ts";
import {
  applyUpdates,
  diverged,
  optimizerFor,
  type TrainOutcome,
  type TranslationTrainOptions,
} from "./trainer.ts";

/** The options of the `cyclegan` trainer (a variant's or a suite entry's `trainerOptions`). */
export const CycleganTrainerOptions = z.strictObject({
  /**
   * Weight of each translator's adversarial loss. CycleGAN's least-squares G loss is
   * (D(G(a)) − 1)²; ganbench's registered one is half that, so the `cyclegan` variant sets 2.
   */
  adversarialWeight: z.number().nonnegative().max(1e6).default(1),
  /** λ_cyc, the weight of each direction's cycle-consistency loss (CycleGAN: 10). */
  cycleWeight: z.number().nonnegative().max(1e6).default(10),
  /** The weight of each identity loss (CycleGAN: 0.5 · λ_cyc = 5). */
  identityWeight: z.number().nonnegative().max(1e6).default(5),
  /** Generated samples each discriminator's history pool keeps (0: train on the latest only). */
  poolSize: z.int().min(0).max(10_000).default(50),
  /** Probability that a new sample is exchanged for a stored one once the pool is full. */
  poolSwap: z.number().min(0).max(1).default(0.5),
  /** The share of the budget trained at the constant rate before it decays linearly. */
  constantShare: z.number().min(0).max(1).default(0.5),
});
/** Parsed options of the `cyclegan` trainer. */
export type CycleganTrainerOptions = z.infer<typeof CycleganTrainerOptions>;

/**
 * The learning-rate factor at step `t` (1-based) of `steps`: 1 for the first
 * `round(constantShare · steps)` steps (S), then 1 − (t − S) / (steps − S + 1), CycleGAN's
 * `lambda_rule` with steps for epochs: it falls linearly and reaches 1 / (steps − S + 1) at
 * the last step, never 0.
 */
export function linearDecay(steps: number, constantShare: number): (t: number) => number {
  const constant = Math.round(constantShare * steps);
  return (t) => 1 - Math.max(0, t - constant) / (steps - constant + 1);
}

/**
 * What a CycleGAN run sets up from its options: the parsed trainer options, the translators'
 * objective weights, and the two optimisers with the learning rates' linear decay (the solo and
 * the lockstep trainer alike).
 */
export function cycleganSetup(
  options: Pick<TranslationTrainOptions, "hyper" | "budget" | "trainerOptions">,
): {
  settings: CycleganTrainerOptions;
  weights: CycleWeights;
  optimizerG: Optimizer;
  optimizerD: Optimizer;
} {
  const { hyper, budget } = options;
  const settings = CycleganTrainerOptions.parse(options.trainerOptions);
  const decay = linearDecay(budget.steps, settings.constantShare);
  return {
    settings,
    weights: {
      adversarial: settings.adversarialWeight,
      cycle: settings.cycleWeight,
      identity: settings.identityWeight,
    },
    optimizerG: optimizerFor(hyper, (t) => hyper.lrG * decay(t)),
    optimizerD: optimizerFor(hyper, (t) => hyper.lrD * decay(t)),
  };
}

/** √(Σ n²) of the measured norms `norms`, or −1 when they were not measured. */
export function jointNorm(norms: number[]): number {
  return norms.some((n) => n < 0) ? -1 : Math.hypot(...norms);
}

/** Trains `options.networks` as CycleGAN; a non-finite loss ends the run as `diverged`. */
export async function trainCyclegan(options: TranslationTrainOptions): Promise<TrainOutcome> {
  const { dataset, networks, loss, hyper, budget } = options;
  const translation = dataset.translation;
  if (!translation) throw new TypeError(`the cyclegan trainer needs a translation dataset`);
  if (hyper.k !== 1 || hyper.scheme !== "alternating") {
    throw new UserError(
      `the cyclegan trainer takes one translator update, then one discriminator update per step: k must be 1 and scheme 'alternating', got k = ${hyper.k} and '${hyper.scheme}'`,
    );
  }
  const { settings, weights, optimizerG, optimizerD } = cycleganSetup(options);
  const dataRng = options.rng.stream("data");
  const poolRng = options.rng.stream("pool");
  const pools = {
    a: new HistoryPool(settings.poolSize, settings.poolSwap, poolRng),
    b: new HistoryPool(settings.poolSize, settings.poolSwap, poolRng),
  };
  const { forward, backward, discriminatorA, discriminatorB } = networks;
  const shape = [budget.batchSize, ...dataset.sampleShape];
  const size = sampleSize(dataset);

  async function step(logging: boolean): Promise<StepReport> {
    const a = dataset.sample(budget.batchSize, dataRng);
    const b = translation!.sampleB(budget.batchSize, dataRng);
    let fakes: { a: tf.Tensor; b: tf.Tensor } | undefined;
    const [forG] = await applyUpdates(() => {
      const batches = { a: tf.tensor(a, shape), b: tf.tensor(b, shape) };
      return [{
        optimizer: optimizerG,
        variables: [...forward.variables, ...backward.variables],
        normGroups: [forward.variables, backward.variables],
        objective(record) {
          const losses = translatorLosses(networks, batches, loss, weights);
          // The translations D is to see next, from this pass (before G and F move), as in CycleGAN.
          fakes = { a: tf.keep(losses.fakeA), b: tf.keep(losses.fakeB) };
          record(losses.forward);
          record(losses.backward);
          return tf.add(losses.forward, losses.backward) as tf.Scalar;
        },
      }];
    }, logging);
    const normG = jointNorm(forG.norms);
    const translators = {
      G: { loss: forG.recorded[0], norm: forG.norms[0] },
      F: { loss: forG.recorded[1], norm: forG.norms[1] },
    };
    if (diverged(forG.loss, normG)) {
      tf.dispose([fakes!.a, fakes!.b]);
      return { lossesD: [], lossG: forG.loss, normD: -1, normG, diverged: "G" };
    }
    const pooledA = pools.a.query(await fakes!.a.data() as Float32Array, size);
    const pooledB = pools.b.query(await fakes!.b.data() as Float32Array, size);
    tf.dispose([fakes!.a, fakes!.b]);
    const [forD] = await applyUpdates(() => {
      const batches = {
        a: tf.tensor(a, shape),
        b: tf.tensor(b, shape),
        fakeA: tf.tensor(pooledA, shape),
        fakeB: tf.tensor(pooledB, shape),
      };
      return [{
        optimizer: optimizerD,
        variables: [...discriminatorA.variables, ...discriminatorB.variables],
        normGroups: [discriminatorA.variables, discriminatorB.variables],
        objective(record) {
          const losses = discriminatorLosses(networks, batches, loss);
          record(losses.a);
          record(losses.b);
          return tf.add(losses.a, losses.b) as tf.Scalar;
        },
      }];
    }, logging);
    const normD = jointNorm(forD.norms);
    return {
      lossesD: [forD.loss],
      lossG: forG.loss,
      normD,
      normG,
      networks: {
        ...translators,
        D_A: { loss: forD.recorded[0], norm: forD.norms[0] },
        D_B: { loss: forD.recorded[1], norm: forD.norms[1] },
      },
      ...(diverged(forD.loss, normD) ? { diverged: "D" as const } : {}),
    };
  }

  try {
    return await runTrainingLoop({
      budget,
      evaluate: options.evaluate,
      onProgress: options.onProgress,
      step: (_g, logging) => step(logging),
    });
  } finally {
    optimizerG.dispose();
    optimizerD.dispose();
  }
}

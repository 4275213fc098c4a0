/**
 * What every trainer shares: the types of its input and outcome (budget, curves, evaluations,
 * progress), and the pieces of a step: an optimiser from the cell's hyper-parameters, one
 * optimiser update of a set of variables from a loss closure (read back as the loss and the
 * gradient norm), and the divergence check. A trainer is its loss closures and the order of its
 * updates; `runTrainingLoop` (`loop.ts`) drives it under the budget.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Dataset } from "../data/dataset.ts";
import type { Rng } from "../engine/rng.ts";
// The losses' own modules, not losses/mod.ts, which imports the trainer registry.
import type { GanLoss } from "../losses/loss.ts";
import type { Regulariser } from "../losses/regularisers.ts";
import type { Hyper } from "../losses/variant.ts";
import type { z } from "zod";
import type { GanPair, Generator } from "../models/network.ts";
import type { TranslationNetworks } from "../models/translation.ts";
import type { StepReport } from "./loop.ts";
import { flatAdam, flatRmsprop, flatSgd, type LearningRate, type Optimizer } from "./optimizers.ts";

/** A regulariser with the strength this cell uses. */
export interface WeightedRegulariser {
  name: string;
  regulariser: Regulariser;
  weight: number;
}

/** The training budget of a cell. */
export interface Budget {
  /** Generator steps. */
  steps: number;
  batchSize: number;
  /** Log losses and gradient norms every this many generator steps. */
  logEvery: number;
  /** Evaluate metrics every this many generator steps (and at step 0 and the last step). */
  evalEvery: number;
  /** Optional wall-clock cap on training, in seconds. */
  maxSeconds?: number;
}

/** One logged point of the training curves (losses averaged since the previous point). */
export interface CurvePoint {
  step: number;
  seconds: number;
  lossD: number;
  lossG: number;
  gradNormD: number;
  gradNormG: number;
  /**
   * Each network's own loss (averaged like `lossD`) and gradient norm, by name, from trainers of
   * more than two networks (CycleGAN's G, F, D_A, D_B); `lossD`/`lossG` are then the
   * discriminators' and the generators' joint objectives.
   */
  networks?: Record<string, NetworkPoint>;
}

/** One network's point of the curves. */
export interface NetworkPoint {
  loss: number;
  gradNorm: number;
}

/** Metric values at one evaluation step. */
export interface EvalPoint {
  step: number;
  seconds: number;
  metrics: Record<string, number>;
}

/** How a training run ended. */
export type TrainStatus = "completed" | "diverged" | "time-limit";

/** Everything a training run produced. */
export interface TrainOutcome {
  status: TrainStatus;
  /** Generator steps completed. */
  steps: number;
  /** Set when `status` is `diverged`: the generator step and the network whose loss went non-finite. */
  divergence?: { step: number; network: "D" | "G" };
  curves: CurvePoint[];
  evals: EvalPoint[];
  /** Seconds spent training, excluding evaluation. */
  trainSeconds: number;
  /** Seconds spent evaluating. */
  evalSeconds: number;
}

/** Progress reported to a display. */
export interface Progress {
  step: number;
  steps: number;
  lossD: number;
  lossG: number;
  trainSeconds: number;
}

/** What a trainer is given: the cell's data, networks, objective, budget and seeded source. */
export interface TrainOptions {
  dataset: Dataset;
  pair: GanPair;
  /** The adversarial objective (required by the `gan` trainer). */
  loss?: GanLoss;
  regularisers: WeightedRegulariser[];
  hyper: Hyper;
  budget: Budget;
  /** The cell's seeded source; training draws from its `data`, `noise` and `penalty` streams. */
  rng: Rng;
  /** Scores the generator at generator step `at` (0 before training). */
  evaluate(
    generator: Generator,
    at: number,
  ): Promise<Record<string, number>> | Record<string, number>;
  /** Called about every 1% of the budget. */
  onProgress?(progress: Progress): void;
}

/** What every trainer declares. */
interface TrainerBase {
  description: string;
  /**
   * The options its variants may set (`trainerOptions`, in a variant or a suite's entry), with
   * their defaults; a trainer without one takes none.
   */
  // deno-lint-ignore no-explicit-any
  options?: z.ZodType<Record<string, any>>;
  /** Why it cannot train on `dataset`, or undefined when it can; checked before any cell starts. */
  unsupportedReason?(dataset: Dataset): string | undefined;
}

/** A trainer of one latent-code generator and its discriminator, and what its pair must provide. */
export interface PairTrainer extends TrainerBase {
  /** What it trains: a generator/discriminator pair (the default). */
  networks?: "pair";
  /** Output units the pair's discriminator needs, given the latent width (default 1). */
  discriminatorOutputs?(latentDim: number): number;
  train(options: TrainOptions): Promise<TrainOutcome>;
}

/** What a translation trainer is given: the cell's domains, four networks, objective and budget. */
export interface TranslationTrainOptions {
  /** A dataset with `translation`: its samples are domain A's, `translation.sampleB` B's. */
  dataset: Dataset;
  networks: TranslationNetworks;
  /** The adversarial objective of both directions. */
  loss: GanLoss;
  hyper: Hyper;
  budget: Budget;
  /** The trainer's options, parsed by its `options` schema. */
  // deno-lint-ignore no-explicit-any
  trainerOptions: Record<string, any>;
  /** The cell's seeded source; training draws from its `data` and `pool` streams. */
  rng: Rng;
  /** Scores the networks at generator step `at` (0 before training). */
  evaluate(at: number): Promise<Record<string, number>> | Record<string, number>;
  /** Called about every 1% of the budget. */
  onProgress?(progress: Progress): void;
}

/** A trainer of two translators and a discriminator per domain (CycleGAN). */
export interface TranslationTrainer extends TrainerBase {
  networks: "translation";
  /** Never set: translation discriminators have one output per patch or point. */
  discriminatorOutputs?: never;
  train(options: TranslationTrainOptions): Promise<TrainOutcome>;
}

/** A trainer: how a variant's networks are trained. */
export type Trainer = PairTrainer | TranslationTrainer;

/** The optimisers a suite can name, each over a player's weights as one flat vector. */
const OPTIMIZERS: Record<
  Hyper["optimizer"],
  (hyper: Hyper, learningRate: LearningRate) => Optimizer
> = {
  adam: (hyper, learningRate) => flatAdam(learningRate, hyper.beta1, hyper.beta2),
  // PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8), as the WGAN reference code uses.
  rmsprop: (_hyper, learningRate) => flatRmsprop(learningRate),
  sgd: (_hyper, learningRate) => flatSgd(learningRate),
};

/**
 * The optimiser `hyper.optimizer` names (with `hyper`'s betas for Adam) at `learningRate`: a
 * number, or a function of the optimiser's iteration (a schedule).
 */
export function optimizerFor(hyper: Hyper, learningRate: LearningRate): Optimizer {
  return OPTIMIZERS[hyper.optimizer](hyper, learningRate);
}

/**
 * sqrt(Σ‖g‖²) over gradient tensors, summed in the order given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../engine/backend.ts";
 * import { globalNorm } from "./trainer.ts";
 *
 * await initBackend("cpu");
 * assert.deepEqual(Array.from(await globalNorm([tf.tensor1d([3]), tf.tensor1d([4])]).data()), [5]);
 * ```
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
}

/** `n` latent codes of width `latentDim`, standard normal from `rng`. */
export function latentBatch(n: number, latentDim: number, rng: Rng): tf.Tensor2D {
  return tf.tensor2d(rng.normals(n * latentDim), [n, latentDim]);
}

/** One optimiser update: the variables it moves, the optimiser that moves them, and their loss. */
export interface Update {
  optimizer: Optimizer;
  variables: tf.Variable[];
  /**
   * The loss to minimise, called once while its gradients are taken. `record` keeps another
   * scalar computed on the way (e.g. one term of the loss) to be read back with it.
   */
  objective(record: (value: tf.Scalar) => void): tf.Scalar;
  /**
   * Groups of `variables` whose gradient norms are measured, each on its own (e.g. a VAE's
   * encoder and decoder).
   *
   * @default {[variables]}
   */
  normGroups?: tf.Variable[][];
}

/** What one {@linkcode Update} read back. */
export interface UpdateValues {
  loss: number;
  /** One gradient norm per norm group; −1 each when not measured. */
  norms: number[];
  /** The scalars the objective recorded, in order. */
  recorded: number[];
}

/**
 * Takes the gradients of every update at the current weights, then applies them all: one update
 * is a plain step; several (e.g. D and G in a simultaneous scheme) all see the same weights.
 * `makeUpdates` runs inside the step's tidy scope, so the batches it draws are freed with it.
 * The values are read asynchronously (WebGPU under Deno cannot read synchronously).
 *
 * @param measureNorms whether to measure the gradient norms (on logging steps).
 */
export async function applyUpdates(
  makeUpdates: () => Update[],
  measureNorms: boolean,
): Promise<UpdateValues[]> {
  const layouts: { norms: number; recorded: number }[] = [];
  const tensors = tf.tidy(() => {
    const updates = makeUpdates();
    const recorded: tf.Scalar[][] = updates.map(() => []);
    const computed = updates.map((update, i) =>
      tf.variableGrads(
        // Recorded scalars are kept out of the gradient's tidy scope, to be read below.
        () => update.objective((value) => recorded[i].push(tf.keep(value))),
        update.variables,
      )
    );
    const out = computed.map(({ value, grads }, i) => {
      const groups = updates[i].normGroups?.map((variables) => variables.map((v) => grads[v.name]));
      const norms = (groups ?? [Object.values(grads)]).map((group) =>
        measureNorms ? globalNorm(group) : tf.scalar(-1)
      );
      layouts.push({ norms: norms.length, recorded: recorded[i].length });
      return tf.stack([value, ...norms, ...recorded[i]]);
    });
    computed.forEach(({ grads }, i) => updates[i].optimizer.applyGradients(grads));
    tf.dispose(recorded.flat());
    return out;
  });
  const values = await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
  return values.map((v, i) => {
    const { norms, recorded } = layouts[i];
    return {
      loss: v[0],
      norms: Array.from(v.subarray(1, 1 + norms)),
      recorded: Array.from(v.subarray(1 + norms, 1 + norms + recorded)),
    };
  });
}

/**
 * Whether a step diverged: its loss, or a gradient norm it measured, is not finite (an unmeasured
 * norm is −1, which is finite).
 */
export function diverged(loss: number, norm: number): boolean {
  return !Number.isFinite(loss) || !Number.isFinite(norm);
}

/**
 * A step's report, marked `diverged: "G"` when the generator's loss or logged norm is not finite
 * (the discriminator's divergence is checked by the trainer, which stops before stepping G).
 */
export function reportStep(report: Omit<StepReport, "diverged">): StepReport {
  return diverged(report.lossG, report.normG) ? { ...report, diverged: "G" } : report;
}

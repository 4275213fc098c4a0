/**
 * The one training loop every variant shares: k discriminator steps per generator step under a
 * budget, loss and gradient-norm curves, periodic evaluation, and divergence as a result.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Dataset } from "../data/dataset.ts";
import type { Rng } from "../engine/rng.ts";
import type { GanLoss, Hyper, Regulariser } from "../losses/mod.ts";
import type { Discriminator, GanPair, Generator } from "../models/network.ts";
import { runTrainingLoop } from "./loop.ts";
import { flatAdam, flatRmsprop, flatSgd, type Optimizer } from "./optimizers.ts";

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

/** Inputs of {@linkcode train}. */
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

/** The optimisers a suite can name, each over a player's weights as one flat vector. */
const OPTIMIZERS: Record<
  Hyper["optimizer"],
  (hyper: Hyper, learningRate: number) => Optimizer
> = {
  adam: (hyper, learningRate) => flatAdam(learningRate, hyper.beta1, hyper.beta2),
  // PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8), as the WGAN reference code uses.
  rmsprop: (_hyper, learningRate) => flatRmsprop(learningRate),
  sgd: (_hyper, learningRate) => flatSgd(learningRate),
};

/** sqrt(Σ‖g‖²) over a gradient map. */
function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
}

/** One player's part of a step: its optimiser, weights and objective. */
interface Player {
  optimizer: Optimizer;
  variables: tf.Variable[];
  objective: () => tf.Scalar;
}

/**
 * Takes the gradients of every player at the current weights, then applies them all (one player:
 * a plain step; two: a simultaneous step). Resolves to [loss, gradient norm or -1] per player; the
 * values are read asynchronously (no synchronous read, which WebGPU under Deno cannot do).
 */
async function step(makePlayers: () => Player[], withNorm: boolean): Promise<[number, number][]> {
  const tensors = tf.tidy(() => {
    // Players are made inside the tidy so that their batches are disposed with the step.
    const players = makePlayers();
    const computed = players.map((p) => tf.variableGrads(p.objective, p.variables));
    const out = computed.map(({ value, grads }) =>
      tf.stack([value, withNorm ? globalNorm(grads) : tf.scalar(-1)])
    );
    computed.forEach(({ grads }, i) => players[i].optimizer.applyGradients(grads));
    return out;
  });
  const values = await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
  return values.map((v) => [v[0], v[1]]);
}

function latentBatch(generator: Generator, n: number, rng: Rng): tf.Tensor2D {
  return tf.tensor2d(rng.normals(n * generator.latentDim), [n, generator.latentDim]);
}

/** A batch of real samples, with their labels when the pair is conditional. */
function realBatch(
  dataset: Dataset,
  n: number,
  rng: Rng,
  conditional: boolean,
): { x: tf.Tensor; labels?: tf.Tensor1D } {
  if (!conditional) return { x: tf.tensor(dataset.sample(n, rng), [n, ...dataset.sampleShape]) };
  if (!dataset.sampleWithLabels) {
    throw new TypeError(`a conditional model needs labelled data; '${dataset.name}' has no labels`);
  }
  const { samples, labels } = dataset.sampleWithLabels(n, rng);
  return {
    x: tf.tensor(samples, [n, ...dataset.sampleShape]),
    labels: tf.tensor1d(labels, "int32"),
  };
}

/** Uniform class labels for generated samples (undefined for an unconditional pair). */
function fakeLabels(classes: number | undefined, n: number, rng: Rng): tf.Tensor1D | undefined {
  if (classes === undefined) return undefined;
  return tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(classes)), "int32");
}

/** `discriminator` with its labels bound, as the losses and penalties see it. */
function boundTo(discriminator: Discriminator, labels?: tf.Tensor1D): Discriminator {
  if (!labels) return discriminator;
  return {
    variables: discriminator.variables,
    discriminate: (x) => discriminator.discriminate(x, labels),
  };
}

/** Trains `options.pair` under `options.budget`; a non-finite loss ends the run as `diverged`. */
export async function train(options: TrainOptions): Promise<TrainOutcome> {
  const { dataset, pair, regularisers, hyper, budget } = options;
  if (!options.loss) throw new TypeError("the gan trainer needs a loss");
  const loss = options.loss;
  const generator: Generator = pair.generator;
  const discriminator: Discriminator = pair.discriminator;
  const dataRng = options.rng.stream("data");
  const noiseRng = options.rng.stream("noise");
  const penaltyRng = options.rng.stream("penalty");
  const optimizerD = OPTIMIZERS[hyper.optimizer](hyper, hyper.lrD);
  const optimizerG = OPTIMIZERS[hyper.optimizer](hyper, hyper.lrG);
  const penalties = regularisers.filter((r) => r.regulariser.penalty);
  const constraints = regularisers.filter((r) => r.regulariser.afterDiscriminatorStep);
  const perturbations = regularisers.filter((r) => r.regulariser.perturb);

  /** D's view of an input: after every perturbation (instance noise), as D sees it in both players' steps. */
  const seen = (x: tf.Tensor) =>
    perturbations.reduce(
      (input, { regulariser, weight }) => regulariser.perturb!(input, weight, penaltyRng),
      x,
    );
  const conditional = pair.classes !== undefined;
  const discriminatorPlayer = (): Player => {
    // A conditional pair's fakes take the real batch's labels, so that one labelled D serves
    // both halves of the batch and the penalties' interpolates.
    const batch = realBatch(dataset, budget.batchSize, dataRng, conditional);
    const real = seen(batch.x);
    const latent = latentBatch(generator, budget.batchSize, noiseRng);
    const fake = seen(generator.generate(latent, batch.labels));
    const critic = boundTo(discriminator, batch.labels);
    return {
      optimizer: optimizerD,
      variables: discriminator.variables,
      objective: () => {
        let total = loss.discriminatorLoss(critic.discriminate(real), critic.discriminate(fake));
        for (const { regulariser, weight } of penalties) {
          total = tf.add(
            total,
            regulariser.penalty!({ discriminator: critic, real, fake, rng: penaltyRng }, weight),
          );
        }
        return total;
      },
    };
  };
  const generatorPlayer = (): Player => {
    const latent = latentBatch(generator, budget.batchSize, noiseRng);
    const labels = fakeLabels(pair.classes, budget.batchSize, noiseRng);
    const realBatchForG = loss.generatorNeedsReal
      ? realBatch(dataset, budget.batchSize, dataRng, conditional)
      : undefined;
    const real = realBatchForG && { x: seen(realBatchForG.x), labels: realBatchForG.labels };
    return {
      optimizer: optimizerG,
      variables: generator.variables,
      objective: () => {
        const fakeOut = discriminator.discriminate(
          seen(generator.generate(latent, labels)),
          labels,
        );
        return loss.generatorLoss(
          fakeOut,
          real && discriminator.discriminate(real.x, real.labels),
        );
      },
    };
  };

  try {
    return await runTrainingLoop({
      budget,
      evaluate: (at) => options.evaluate(generator, at),
      onProgress: options.onProgress,
      async step(_g, logging) {
        const lossesD: number[] = [];
        let normD = -1, lossG = 0, normG = -1;
        for (let d = 0; d < hyper.k; d++) {
          const last = d === hyper.k - 1;
          const joint = last && hyper.scheme === "simultaneous";
          const results = await step(
            () => (joint ? [discriminatorPlayer(), generatorPlayer()] : [discriminatorPlayer()]),
            logging && last,
          );
          const [lossD] = results[0];
          normD = results[0][1];
          if (joint) [lossG, normG] = results[1];
          for (const { regulariser, weight } of constraints) {
            regulariser.afterDiscriminatorStep!(discriminator, weight);
          }
          if (!Number.isFinite(lossD) || (logging && last && !Number.isFinite(normD))) {
            return { lossesD, lossG, normD, normG, diverged: "D" };
          }
          lossesD.push(lossD);
        }
        if (hyper.scheme === "alternating") {
          [[lossG, normG]] = await step(() => [generatorPlayer()], logging);
        }
        const diverged = !Number.isFinite(lossG) || (logging && !Number.isFinite(normG));
        return { lossesD, lossG, normD, normG, ...(diverged ? { diverged: "G" as const } : {}) };
      },
    });
  } finally {
    optimizerD.dispose();
    optimizerG.dispose();
  }
}
